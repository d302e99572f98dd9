// Package clock provides the time source every component takes in its
// Config: the Clock interface, the real clock, and a fake one for
// deterministic tests.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source of every vendorflow component: each package's
// Config takes one (defaulting to Real{}), and nothing else reads the wall
// clock for a time it records, schedules or compares with another.
//
// Now is the current time; Real returns it in UTC, and so should every
// implementation, so that recorded times and their formatting do not depend
// on the machine's zone.
//
// Sleep waits for d (returning at once when d <= 0) or until ctx ends,
// whichever comes first, and returns ctx.Err() in the second case. Every
// wait a component makes goes through Sleep, never time.Sleep or
// time.After, so that a test clock decides what waiting means: Fake
// advances itself and returns at once; a test that needs a wait to block
// until it moves the time forward implements Sleep that way.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

var (
	_ Clock = Real{}
	_ Clock = (*Fake)(nil)
)

// Real is the wall clock.
type Real struct{}

// Now returns the current time in UTC.
func (Real) Now() time.Time { return time.Now().UTC() }

// Sleep waits for d or until ctx ends.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Fake is a manual clock: Sleep advances it at once and records the wait,
// so retry and backoff logic runs instantly and its waits can be asserted.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start.UTC()} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// Set moves the clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t.UTC()
}

// Sleep advances the clock by d (unless ctx has ended) and records d.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if d > 0 {
		f.now = f.now.Add(d)
	}
	f.sleeps = append(f.sleeps, d)
	return nil
}

// Sleeps returns every wait requested so far.
func (f *Fake) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}
