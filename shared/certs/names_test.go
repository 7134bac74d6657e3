package certs

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type nameTest struct {
	in      string
	want    string // canonical form; "" when refused
	wantErr string // a piece of the refusal reason
}

var nameTests = []nameTest{
	// Accepted.
	{in: "localhost", want: "localhost"},
	{in: "LocalHost", want: "localhost"},
	{in: "example.test", want: "example.test"},
	{in: "a-b.example.test", want: "a-b.example.test"},
	{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
	{in: "*.example.test", want: "*.example.test"},
	{in: "*.A.Example.Test", want: "*.a.example.test"},
	{in: "127.0.0.1", want: "127.0.0.1"},
	{in: "::1", want: "::1"},
	{in: "0:0:0:0:0:0:0:1", want: "::1"},
	{in: "2001:DB8::7", want: "2001:db8::7"},
	{in: "::ffff:192.0.2.1", want: "192.0.2.1"},
	{in: "1x.example", want: "1x.example"},
	{in: strings.Repeat("a", 63) + ".test", want: strings.Repeat("a", 63) + ".test"},

	// Refused.
	{in: "", wantErr: "empty"},
	{in: "local host", wantErr: "space"},
	{in: " localhost", wantErr: "space"},
	{in: "localhost\n", wantErr: "space"},
	{in: "https://localhost", wantErr: "URL"},
	{in: "https://localhost:8443/", wantErr: "URL"},
	{in: "localhost:443", wantErr: `give "localhost" without ":443"`},
	{in: "[::1]", wantErr: "brackets"},
	{in: "[::1]:443", wantErr: "brackets"},
	{in: "fe80::1%eth0", wantErr: "zone"},
	{in: "a:b:c", wantErr: "not an IP address"},
	{in: "localhost/x", wantErr: "'/'"},
	{in: "bücher.example", wantErr: "non-ASCII"},
	{in: "\u212a.example", wantErr: "non-ASCII"}, // Kelvin sign lower-cases to "k"
	{in: "example.test.", wantErr: "trailing dot"},
	{in: ".example.test", wantErr: "empty label"},
	{in: "a..test", wantErr: "empty label"},
	{in: "-a.test", wantErr: "starts or ends with '-'"},
	{in: "a-.test", wantErr: "starts or ends with '-'"},
	{in: "a_b.test", wantErr: "contains '_'"},
	{in: strings.Repeat("a", 64) + ".test", wantErr: "longer than 63"},
	{in: strings.Repeat("abcdefghi.", 25) + "test", wantErr: "longer than 253"},
	{in: "*", wantErr: "at least two labels"},
	{in: "*.com", wantErr: "at least two labels"},
	{in: "*.*.example.test", wantErr: "whole leftmost label"},
	{in: "a*.example.test", wantErr: "whole leftmost label"},
	{in: "www.*.example.test", wantErr: "whole leftmost label"},
	{in: "256.0.0.1", wantErr: "all digits"},
	{in: "1.2.3", wantErr: "all digits"},
}

func TestCheckName(t *testing.T) {
	for _, tt := range nameTests {
		got, err := CheckName(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("CheckName(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			continue
		}
		var ne *NameError
		if !errors.As(err, &ne) || !strings.Contains(ne.Reason, tt.wantErr) || got != "" {
			t.Errorf("CheckName(%q) = %q, %v; want a *NameError containing %q", tt.in, got, err, tt.wantErr)
			continue
		}
		if ne.Name != tt.in {
			t.Errorf("CheckName(%q): NameError.Name = %q; want the input", tt.in, ne.Name)
		}
	}
}

func TestSANs(t *testing.T) {
	dns, ips, canonical, err := sans([]string{"LOCALHOST", "localhost", "127.0.0.1", "::1", "0::1", "*.example.test"})
	if err != nil {
		t.Fatalf("sans: %v", err)
	}
	if diff := cmp.Diff([]string{"localhost", "*.example.test"}, dns); diff != "" {
		t.Errorf("sans DNS names (-want +got):\n%s", diff)
	}
	var ipText []string
	for _, ip := range ips {
		ipText = append(ipText, ip.String())
	}
	if diff := cmp.Diff([]string{"127.0.0.1", "::1"}, ipText); diff != "" {
		t.Errorf("sans IPs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"localhost", "127.0.0.1", "::1", "*.example.test"}, canonical); diff != "" {
		t.Errorf("sans canonical names (-want +got):\n%s", diff)
	}
	if len(ips[0]) != 4 {
		t.Errorf("sans: IPv4 address has %d bytes; want 4 (the compact SAN form)", len(ips[0]))
	}
}

// FuzzCheckName checks that CheckName never panics, that what it accepts is
// already canonical (checking it again gives the same), and that an
// accepted DNS name is plain lower-case ASCII within the length limits.
func FuzzCheckName(f *testing.F) {
	for _, tt := range nameTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := CheckName(name)
		if err != nil {
			var ne *NameError
			if !errors.As(err, &ne) {
				t.Fatalf("CheckName(%q) error %v is not a *NameError", name, err)
			}
			return
		}
		again, err := CheckName(got)
		if err != nil || again != got {
			t.Fatalf("CheckName(%q) = %q, but CheckName(%q) = %q, %v", name, got, got, again, err)
		}
		if len(got) > maxNameLen {
			t.Fatalf("CheckName(%q) = %q: longer than %d", name, got, maxNameLen)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c >= 0x80 || 'A' <= c && c <= 'Z' || c <= ' ' {
				t.Fatalf("CheckName(%q) = %q: byte %q is not canonical", name, got, c)
			}
		}
	})
}
