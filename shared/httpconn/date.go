package httpconn

import (
	"sync/atomic"
	"time"
)

// TimeFormat is IMF-fixdate, the only date format an HTTP server may send
// (RFC 9110 section 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
const TimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// dateCache holds the Date header value for the current second. Formatting
// a date costs more than serving a small cached file, and the value
// changes only once a second, so every response shares one formatted copy.
type dateCache struct {
	cur atomic.Pointer[dateValue]
}

type dateValue struct {
	unix  int64
	value []byte // "Date: ...\r\n"
}

func (d *dateCache) header(now time.Time) []byte {
	sec := now.Unix()
	if v := d.cur.Load(); v != nil && v.unix == sec {
		return v.value
	}
	v := &dateValue{unix: sec, value: []byte("Date: " + now.UTC().Format(TimeFormat) + "\r\n")}
	d.cur.Store(v)
	return v.value
}

var dates dateCache

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
