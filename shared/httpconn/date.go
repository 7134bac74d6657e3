package httpconn

import (
	"sync/atomic"
	"time"
)

// TimeFormat is IMF-fixdate, the only date format an HTTP server may send
// (RFC 9110 section 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// secondCache holds a time formatted for the current second. Formatting a
// date costs more than serving a small cached file, and the text changes
// only once a second, so every response shares one formatted copy.
type secondCache struct {
	layout string // time.Format layout, with any fixed text around it
	local  bool   // local time (the access log) rather than UTC (HTTP)
	cur    atomic.Pointer[formatted]
}

type formatted struct {
	unix int64
	text []byte
}

func (c *secondCache) format(now time.Time) []byte {
	sec := now.Unix()
	if v := c.cur.Load(); v != nil && v.unix == sec {
		return v.text
	}
	if !c.local {
		now = now.UTC()
	}
	v := &formatted{unix: sec, text: []byte(now.Format(c.layout))}
	c.cur.Store(v)
	return v.text
}

// dates is the Date header field of every response.
var dates = secondCache{layout: "Date: " + TimeFormat + "\r\n"}

// ParseTime parses an HTTP date in any of the three formats a recipient
// must accept (RFC 9110 section 5.6.7): IMF-fixdate, the obsolete RFC 850
// form and asctime.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{TimeFormat, "Monday, 02-Jan-06 15:04:05 GMT", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
