package devhost

import "time"

// Clock is the host's time source: Now for timestamps and schedules, After
// for every wait (next visible message, next timer occurrence, fallback
// poll, restart backoff). Tests inject a fake that fires waiters when it is
// advanced; it must be the same clock the queue was opened with.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock in UTC.
type RealClock struct{}

// Now returns the current time in UTC.
func (RealClock) Now() time.Time { return time.Now().UTC() }

// After waits for d on the wall clock.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
