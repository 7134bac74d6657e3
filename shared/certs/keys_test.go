package certs

import (
	"crypto/ecdsa"
	"strings"
	"testing"
)

type keyTypeTest struct {
	in      string
	want    KeyType
	wantErr bool
}

var keyTypeTests = []keyTypeTest{
	{in: "", want: ECDSAP256},
	{in: "ecdsa", want: ECDSAP256},
	{in: "RSA2048", want: RSA2048},
	{in: "rsa3072", want: RSA3072},
	{in: "rsa1024", wantErr: true},
	{in: "ed25519", wantErr: true},
}

func TestParseKeyType(t *testing.T) {
	for _, tt := range keyTypeTests {
		got, err := ParseKeyType(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseKeyType(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if got, want := rsaBits[RSA3072], 3072; got != want {
		t.Errorf("rsaBits[RSA3072] = %d; want %d", got, want)
	}
}

func TestKeyRoundTrip(t *testing.T) {
	k, err := generateKey("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.(*ecdsa.PrivateKey); !ok {
		t.Fatalf("generateKey(\"\") = %T; want *ecdsa.PrivateKey", k)
	}
	pemBytes, err := encodeKey(k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeKey(pemBytes)
	if err != nil {
		t.Fatalf("decodeKey(encodeKey(k)) = %v", err)
	}
	if !back.(*ecdsa.PrivateKey).Equal(k) {
		t.Errorf("decodeKey(encodeKey(k)) returned a different key")
	}
	if _, err := decodeKey([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); err == nil || !strings.Contains(err.Error(), "not a private key") {
		t.Errorf("decodeKey(certificate) = %v; want a not-a-private-key error", err)
	}
	if _, err := generateKey("dsa"); err == nil {
		t.Errorf("generateKey(%q) succeeded; want an error", "dsa")
	}
}
