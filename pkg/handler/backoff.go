package handler

import (
	"errors"
	"time"
)

// Backoff is the reschedule delay policy of retrying requests: Base doubled
// per attempt already made, capped at Max, and never shorter than the
// server's Retry-After carried by engine.Result.RetryAfter. No jitter: the
// delay is deterministic, and messages already spread by their enqueue times.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// SetDefaults fills unset fields (30s, 30m).
func (b *Backoff) SetDefaults() {
	if b.Base == 0 {
		b.Base = DefaultBackoffBase
	}
	if b.Max == 0 {
		b.Max = DefaultBackoffMax
	}
}

// Validate reports a policy that cannot work.
func (b Backoff) Validate() error {
	if b.Base <= 0 || b.Max < b.Base {
		return errors.New("handler: Backoff needs 0 < Base <= Max")
	}
	return nil
}

// Delay returns the wait before the next run of a request that has been
// rescheduled attempt times so far: Base·2^attempt capped at Max, or
// retryAfter when the server asked for longer.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	d := b.Max
	if attempt < 0 {
		attempt = 0
	}
	if attempt < 32 {
		if e := b.Base << attempt; e > 0 && e < b.Max {
			d = e
		}
	}
	if retryAfter > d {
		d = retryAfter
	}
	return d
}
