package proxyproto_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"liso/shared/proxyproto"
)

// FuzzParse feeds arbitrary bytes to Parse and to Read. Neither may
// panic; an error must be a header error or the stream's end; Read must
// take exactly one header from the stream and agree with Parse on it;
// and a header naming a TCP client must say the same once written as a
// version 2 header.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add([]byte(tt.in))
	}
	f.Add([]byte("PROXY TCP4 203.0.113.7 192.0.2.10 51234 80\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, wholeErr := proxyproto.Parse(data)
		if wholeErr != nil && !errors.Is(wholeErr, proxyproto.ErrHeader) {
			t.Fatalf("Parse(%q) = %v; want an error wrapping ErrHeader", data, wholeErr)
		}
		if wholeErr == nil {
			checkHeader(t, data, whole)
		}

		r := bytes.NewReader(data)
		h, err := proxyproto.Read(r)
		if err != nil {
			if !errors.Is(err, proxyproto.ErrHeader) && err != io.EOF && err != io.ErrUnexpectedEOF {
				t.Fatalf("Read(%q) = %v; want ErrHeader, io.EOF or io.ErrUnexpectedEOF", data, err)
			}
			if wholeErr == nil {
				t.Fatalf("Read(%q) = %v, but Parse took it whole", data, err)
			}
			return
		}
		took := data[:len(data)-r.Len()]
		again, err := proxyproto.Parse(took)
		if err != nil || again != h {
			t.Fatalf("Read(%q) took %q as %+v; Parse of it = %+v, %v", data, took, h, again, err)
		}
		if wholeErr == nil && (len(took) != len(data) || whole != h) {
			t.Fatalf("Read(%q) took %d bytes as %+v; Parse took all %d as %+v", data, len(took), h, len(data), whole)
		}
	})
}

// checkHeader checks what any parsed header must be, and that its client
// written as version 2 (by hand, from the spec's layout) parses back.
func checkHeader(t *testing.T, data []byte, h proxyproto.Header) {
	t.Helper()
	if h.Version != 1 && h.Version != 2 || h.Local && (h.Version != 2 || h.Source.IsValid()) ||
		h.Source.IsValid() != h.Destination.IsValid() {
		t.Fatalf("Parse(%q) = %+v: not a header this package may return", data, h)
	}
	src, dst := h.Source.Addr(), h.Destination.Addr()
	if !h.Source.IsValid() || src.Is4() != dst.Is4() {
		return
	}
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c")
	if !src.Is4() {
		b = []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x21\x00\x24")
	}
	b = append(b, src.AsSlice()...)
	b = append(b, dst.AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, h.Source.Port())
	b = binary.BigEndian.AppendUint16(b, h.Destination.Port())
	back, err := proxyproto.Parse(b)
	if want := (proxyproto.Header{Version: 2, Source: h.Source, Destination: h.Destination}); err != nil || back != want {
		t.Fatalf("Parse(%q) = %+v, but its client in version 2 parses as %+v, %v", data, h, back, err)
	}
}
