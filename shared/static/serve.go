package static

import (
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
)

// serveFile answers with the file f, from disk.
func serveFile(w *httpconn.ResponseWriter, r *httpmsg.Request, f *os.File, info fs.FileInfo) {
	mod := lastModified(info)
	start, length, send := prepare(w, r, contentType(info.Name()), mod.Format(httpconn.TimeFormat), mod, info.Size())
	if !send {
		return
	}
	if start > 0 {
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			w.Error(500)
			return
		}
	}
	if _, err := w.ReadFrom(io.LimitReader(f, length)); err != nil {
		w.Error(500) // headers are out: this cuts the connection
	}
}

// serveCached answers with a cached copy of a file.
func serveCached(w *httpconn.ResponseWriter, r *httpmsg.Request, e *cacheEntry) {
	start, length, send := prepare(w, r, e.contentType, e.lastModified, e.modTime, int64(len(e.data)))
	if send {
		w.Write(e.data[start : start+length])
	}
}

// prepare writes the header of the answer for a file of the given size and
// time: 304 when the client's copy is current, 206 for a satisfiable single
// range, 416 for an unsatisfiable one, else 200. It returns the part of the
// file to send, and whether to send it (not for HEAD, 304 or 416).
func prepare(w *httpconn.ResponseWriter, r *httpmsg.Request, ctype, lastMod string, mod time.Time, size int64) (start, length int64, send bool) {
	w.SetHeader("Content-Type", ctype)
	w.SetHeader("Last-Modified", lastMod)
	w.SetHeader("Accept-Ranges", "bytes")

	// RFC 9110 13.1.3: "If-Modified-Since: <date>" on GET or HEAD, and the
	// file has not changed since: 304, no body.
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && r.Method != "POST" {
		if t, ok := httpconn.ParseTime(ims); ok && !mod.After(t) {
			w.WriteHeader(304)
			return 0, 0, false
		}
	}

	start, length, status := int64(0), size, 200
	if rng := r.Header.Get("Range"); rng != "" && r.Method == "GET" && r.Header.Get("If-Range") == "" {
		s, n, ok, satisfiable := parseRange(rng, size)
		switch {
		case ok && !satisfiable:
			w.SetHeader("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			w.Error(416)
			return 0, 0, false
		case ok:
			start, length, status = s, n, 206
			w.SetHeader("Content-Range", "bytes "+strconv.FormatInt(s, 10)+"-"+
				strconv.FormatInt(s+n-1, 10)+"/"+strconv.FormatInt(size, 10))
		}
	}
	w.SetContentLength(length)
	w.WriteHeader(status)
	return start, length, r.Method != "HEAD"
}

// parseRange reads a Range field with one byte range (RFC 9110 14.1.2):
// "bytes=a-b", "bytes=a-" or "bytes=-n". ok is false when the field should
// be ignored (another unit, several ranges, bad syntax: the whole file is
// served, as RFC 9110 14.2 allows); satisfiable is false when the range
// lies past the end of the file.
func parseRange(field string, size int64) (start, length int64, ok, satisfiable bool) {
	spec, found := strings.CutPrefix(field, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, false
	}
	if first == "" {
		// "bytes=-n": the last n bytes.
		n, ok := httpmsg.ParseDecimal(last)
		if !ok {
			return 0, 0, false, false
		}
		if n == 0 || size == 0 {
			return 0, 0, true, false
		}
		n = min(n, size)
		return size - n, n, true, true
	}
	a, ok := httpmsg.ParseDecimal(first)
	if !ok {
		return 0, 0, false, false
	}
	b := size - 1
	if last != "" {
		if b, ok = httpmsg.ParseDecimal(last); !ok || b < a {
			return 0, 0, false, false
		}
		b = min(b, size-1)
	}
	if a >= size {
		return 0, 0, true, false
	}
	return a, b - a + 1, true, true
}
