package ops

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// day is a calendar day as a window counts it: 24 hours (UTC has no
// daylight saving time).
const day = 24 * time.Hour

// windowRE is a window with a leading count of days ("7d", "1d12h"); the
// rest, if any, is a Go duration.
var windowRE = regexp.MustCompile(`^([0-9]+)d(.*)$`)

// ParseWindow reads a positive span of time: days ("7d", "14d"), a Go
// duration ("36h", "90m") or both ("1d12h"). The lists' --since and
// --expiring-within read their spans with it, so that one spelling works
// everywhere. Its errors say what is wanted, not which flag was wrong: the
// caller adds that.
func ParseWindow(s string) (time.Duration, error) {
	want := func() error {
		return fmt.Errorf("%q is not a span of time; want a positive number of days or hours such as 7d, 14d or 36h", s)
	}
	var d time.Duration
	rest := s
	if m := windowRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > int64(math.MaxInt64/day) {
			return 0, fmt.Errorf("%q is longer than vendorflow can count; want at most %d days", s, int64(math.MaxInt64/day))
		}
		d, rest = time.Duration(n)*day, m[2]
	}
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return 0, want()
		}
		if r > math.MaxInt64-d {
			return 0, fmt.Errorf("%q is longer than vendorflow can count", s)
		}
		d += r
	}
	if d <= 0 {
		return 0, want()
	}
	return d, nil
}

// ParseTime reads an instant: a date (YYYY-MM-DD, midnight UTC), an RFC
// 3339 time, or a span back from now as ParseWindow reads it ("24h",
// "7d": that long before now). "" is the zero time.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := ParseWindow(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD), an RFC 3339 time (2026-12-01T09:00:00Z) nor a span back from now (24h, 7d)", s)
	}
	return now.Add(-d).UTC(), nil
}
