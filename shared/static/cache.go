package static

import (
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"liso/shared/httpconn"
)

// The cache keeps the bytes of small files in memory, so that serving one
// costs a single stat(2) instead of open, fstat, read and close. It is an
// optimisation only: a cached answer is byte for byte what the file on
// disk would give (see TestCacheSeesEveryChange).
const (
	maxCachedFile  = 64 << 10 // files up to this size are cached
	maxCachedBytes = 32 << 20 // all cached files together
	// defaultSettleTime: a file changed less than this long ago is served but not
	// cached. File times come from a clock that ticks every few
	// milliseconds, so two writes in one tick leave the same times; by
	// caching only files whose times are safely in the past, any later
	// write is sure to change ctime (Git solves its "racily clean" index
	// entries the same way).
	defaultSettleTime = 2 * time.Second
)

// cacheEntry is one cached file and what identifies its version.
type cacheEntry struct {
	data         []byte
	id           fileID
	modTime      time.Time // whole seconds, UTC
	contentType  string
	lastModified string // modTime in HTTP's format

	// checked is when (time.Since(epoch)) the latest stat that found the
	// file unchanged began: see Handler.cached.
	checked atomic.Int64
}

// epoch is where the cache's monotonic clock readings start.
var epoch = time.Now()

// settleTime is defaultSettleTime; tests shorten it.
var settleTime = defaultSettleTime

// fileID is what stat(2) says about a version of a file. Every write to a
// file sets its ctime to the current time, and nobody can set ctime back,
// so an unchanged fileID means unchanged bytes (given settleTime).
type fileID struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // nanoseconds
}

func idOf(info fs.FileInfo) (fileID, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{
		dev: st.Dev, ino: st.Ino, size: st.Size,
		mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
	}, true
}

// settled reports whether the file last changed long enough ago to cache.
func (id fileID) settled(now time.Time) bool {
	limit := now.Add(-settleTime).UnixNano()
	return id.mtime < limit && id.ctime < limit
}

type cache struct {
	mu      sync.RWMutex
	entries map[string]*cacheEntry // by path relative to the folder
	bytes   int64                  // sum of len(data); guarded by mu
}

// get returns the entry for name, if any, whether or not the file still
// matches it.
func (c *cache) get(name string) *cacheEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.entries[name]
}

// fill reads the file that f is open on and caches it when it is small and
// settled. It returns the entry, or nil when the file is to be served from
// disk (f is then still at its start).
func (c *cache) fill(name string, f io.ReadSeeker, info fs.FileInfo) *cacheEntry {
	id, ok := idOf(info)
	if !ok || id.size > maxCachedFile || !id.settled(time.Now()) {
		return nil
	}
	data := make([]byte, id.size)
	if _, err := io.ReadFull(f, data); err != nil {
		f.Seek(0, io.SeekStart) // changed under us: serve it from disk this time
		return nil
	}
	mod := lastModified(info)
	e := &cacheEntry{
		data: data, id: id, modTime: mod,
		contentType:  contentType(filepath.Base(name)),
		lastModified: mod.Format(httpconn.TimeFormat),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]*cacheEntry)
	}
	if old := c.entries[name]; old != nil {
		c.bytes -= int64(len(old.data))
	}
	for key, old := range c.entries { // over budget: drop entries, any
		if c.bytes+id.size <= maxCachedBytes {
			break
		}
		delete(c.entries, key)
		c.bytes -= int64(len(old.data))
	}
	c.entries[name] = e
	c.bytes += id.size
	return e
}

// cacheKey is the name a request path is cached under: the file itself,
// or a folder's index file.
func cacheKey(name string) string {
	if name == "." {
		return IndexFile
	}
	if strings.HasSuffix(name, "/") {
		return strings.TrimSuffix(name, "/") + "/" + IndexFile
	}
	return name
}
