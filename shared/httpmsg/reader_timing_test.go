package httpmsg_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	"liso/shared/httpmsg"
)

// curlRequest is what `curl http://localhost:8080/index.html` sends.
var curlRequest = crlf("GET /index.html HTTP/1.1\nHost: localhost:8080\nUser-Agent: curl/8.5.0\nAccept: */*\n\n")

// benchRequests are the single requests the benchmarks parse.
var benchRequests = []struct{ name, raw string }{
	{"curl", curlRequest},
	{"browser", browserRequest},
}

// BenchmarkParseRequest parses one request per iteration on a Reader and
// Request reused as a connection reuses them. Compare allocs/op with the
// net/http rows: this package aims for one allocation per request.
func BenchmarkParseRequest(b *testing.B) {
	for _, bench := range benchRequests {
		b.Run(bench.name, func(b *testing.B) {
			src := strings.NewReader(bench.raw)
			br := bufio.NewReader(src)
			r := httpmsg.NewReader(br, httpmsg.Limits{})
			var req httpmsg.Request
			b.ReportAllocs()
			b.SetBytes(int64(len(bench.raw)))
			for b.Loop() {
				src.Reset(bench.raw)
				br.Reset(src)
				if err := r.ReadRequest(&req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bench.name+"/net-http", func(b *testing.B) {
			src := strings.NewReader(bench.raw)
			br := bufio.NewReader(src)
			b.ReportAllocs()
			b.SetBytes(int64(len(bench.raw)))
			for b.Loop() {
				src.Reset(bench.raw)
				br.Reset(src)
				if _, err := http.ReadRequest(br); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// pipelined is ten requests sent back to back, as `ab -k` or a browser
// pipelining would: GETs, a POST with a body and a chunked POST.
var pipelined = strings.Repeat(curlRequest, 4) + browserRequest +
	crlf("POST /cgi/form HTTP/1.1\nHost: localhost:8080\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 11\n\n") + "a=1&b=2&c=3" +
	crlf("POST /upload HTTP/1.1\nHost: localhost:8080\nTransfer-Encoding: chunked\n\n") + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" +
	strings.Repeat(curlRequest, 3)

// BenchmarkParseRequestPipelined reads ten pipelined requests and their
// bodies per iteration; ns/req is the cost of one.
func BenchmarkParseRequestPipelined(b *testing.B) {
	const perIteration = 10
	src := strings.NewReader(pipelined)
	br := bufio.NewReader(src)
	var req httpmsg.Request
	b.ReportAllocs()
	b.SetBytes(int64(len(pipelined)))
	for b.Loop() {
		src.Reset(pipelined)
		br.Reset(src)
		r := httpmsg.NewReader(br, httpmsg.Limits{})
		n := 0
		for ; ; n++ {
			err := r.ReadRequest(&req)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				b.Fatal(err)
			}
		}
		if n != perIteration {
			b.Fatalf("read %d requests; want %d", n, perIteration)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perIteration), "ns/req")
}
