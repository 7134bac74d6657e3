package static

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"liso/shared/httpconn"
	"liso/shared/lisotest"
	"liso/shared/server"
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
	base := "http://" + lisotest.Serve(t, &server.Server{Handler: &httpconn.Server{Handler: h}})
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
