package static

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"liso/shared/httpconn"
	"liso/shared/httpmsg"
	"liso/shared/lisotest"
)

// waitSettled waits (bounded) until the file's times are settleTime in the
// past, so that the next request may cache it.
func waitSettled(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := idOf(info); id.settled(time.Now()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("file never settled")
		}
		time.Sleep(5 * time.Millisecond) // letting the clock move on, bounded
	}
}

// TestCacheSeesEveryChange rewrites a cached file in every way that could
// fool a cache (same size, shorter, longer, replaced by rename, times set
// back) and checks that each answer has the file's current bytes and
// length, and that unchanged files are really served from the cache.
func TestCacheSeesEveryChange(t *testing.T) {
	settleTime = 50 * time.Millisecond
	t.Cleanup(func() { settleTime = defaultSettleTime })

	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	h, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	base := "http://" + lisotest.Serve(t, &httpconn.Server{Handler: h})
	client := &http.Client{Timeout: 20 * time.Second}
	get := func() string {
		t.Helper()
		resp, err := client.Get(base + "/page.html")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ContentLength != int64(len(body)) {
			t.Fatalf("Content-Length %d for a body of %d bytes", resp.ContentLength, len(body))
		}
		return string(body)
	}
	cached := func() *cacheEntry {
		h.cache.mu.RLock()
		defer h.cache.mu.RUnlock()
		return h.cache.entries["page.html"]
	}

	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	changes := []struct {
		name    string
		content string
		change  func(content string)
	}{
		{"first version", "version one", nil},
		{"same size rewrite", "version two", nil},
		{"shorter", "v3", nil},
		{"longer", "version four, longer than before", nil},
		{"same size, times set back", "version FIVE, longer than before", func(c string) {
			os.WriteFile(path, []byte(c), 0o644)
			os.Chtimes(path, old, old)
		}},
		{"replaced by rename", "version six", func(c string) {
			tmp := filepath.Join(dir, "tmp")
			os.WriteFile(tmp, []byte(c), 0o644)
			os.Rename(tmp, path)
		}},
	}
	var prev *cacheEntry
	for _, ch := range changes {
		if ch.change != nil {
			ch.change(ch.content)
		} else if err := os.WriteFile(path, []byte(ch.content), 0o644); err != nil {
			t.Fatal(err)
		}
		// Freshly written: served, not cached.
		if got := get(); got != ch.content {
			t.Fatalf("%s, just written: got %q; want %q", ch.name, got, ch.content)
		}
		waitSettled(t, path)
		if got := get(); got != ch.content {
			t.Fatalf("%s, settled: got %q; want %q", ch.name, got, ch.content)
		}
		e := cached()
		if e == nil || e == prev || string(e.data) != ch.content {
			t.Fatalf("%s: cache entry %v; want a new entry with the new bytes", ch.name, e)
		}
		if got := get(); got != ch.content || cached() != e {
			t.Fatalf("%s, again: got %q from entry %p; want %q from the cached %p", ch.name, got, cached(), ch.content, e)
		}
		prev = e
	}
}

// TestPipelinedRequestsShareAStat checks the rule that lets pipelined
// requests share one stat: a stat made after a request arrived answers
// for it. Two requests arrive in one write; serving the first rewrites the
// file. The second had arrived before the rewrite, so the old bytes are a
// correct answer to it, and the cache gives them without a stat of its
// own. A third request, sent after the rewrite, must see the new bytes.
func TestPipelinedRequestsShareAStat(t *testing.T) {
	settleTime = 50 * time.Millisecond
	t.Cleanup(func() { settleTime = defaultSettleTime })

	dir := t.TempDir()
	path := filepath.Join(dir, "page.html")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, path)
	h, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rewrite := httpconn.HandlerFunc(func(w *httpconn.ResponseWriter, r *httpmsg.Request) {
		h.ServeHTTP(w, r)
		if r.Header.Get("X-Rewrite") != "" {
			if err := os.WriteFile(path, []byte("new version"), 0o644); err != nil {
				t.Error(err)
			}
		}
	})
	addr := lisotest.Serve(t, &httpconn.Server{Handler: rewrite})
	c := lisotest.Dial(t, addr)
	br := bufio.NewReader(c)
	body := func() string {
		t.Helper()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	const get = "GET /page.html HTTP/1.1\r\nHost: x\r\n"
	fmt.Fprint(c, get+"\r\n") // caches the file
	if got := body(); got != "old" {
		t.Fatalf("first answer %q; want old", got)
	}
	fmt.Fprint(c, get+"X-Rewrite: 1\r\n\r\n"+get+"\r\n")
	var got []string
	for range 2 {
		got = append(got, body())
	}
	fmt.Fprint(c, get+"\r\n")
	got = append(got, body())
	if diff := cmp.Diff([]string{"old", "old", "new version"}, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}
