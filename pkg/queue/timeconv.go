package queue

import (
	"math"
	"time"
)

// Times are stored as Unix nanoseconds; 0 means "unset".

func toNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// addNanos adds d to n, saturating at math.MaxInt64 (a TTL of "forever").
func addNanos(n int64, d time.Duration) int64 {
	if d > 0 && n > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return n + int64(d)
}
