package servicebus

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/handler"
)

// TestSettleKeepsLocks runs Replay and Purge over a parking queue large
// enough that the pass outlives the lock duration, on the fake broker's
// clock: held locks must be renewed, and no message may be settled (or
// renewed) after its lock expired — the fake counts every such attempt in
// lockLost, as Service Bus would answer it with CodeLockLost.
func TestSettleKeepsLocks(t *testing.T) {
	const total = 600 // every third message matches
	tests := []struct {
		name   string
		op     func(*Bus, context.Context, handler.Filter) (int, error)
		opCost time.Duration
		lock   time.Duration // default 30s
		// all: every match settled, no lock lost; renews: the pass must
		// outlive the lock duration and renew locks to do so.
		all, renews bool
	}{
		{name: "replay, 60ms per broker call", op: (*Bus).Replay, opCost: 60 * time.Millisecond, all: true, renews: true},
		{name: "purge, 60ms per broker call", op: (*Bus).Purge, opCost: 60 * time.Millisecond, all: true},
		// Too slow to keep 400 held locks alive: locks are given up,
		// never settled after they expired.
		{name: "replay, 2s per broker call", op: (*Bus).Replay, opCost: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, fb := testBus(t, func(c *Config) { c.BatchSize = 50 })
			fb.lockDuration, fb.opCost = 30*time.Second, tt.opCost
			if tt.lock != 0 {
				fb.lockDuration = tt.lock
			}
			var want []string
			for i := range total {
				id := fmt.Sprintf("p-%03d", i)
				req := "other"
				if i%3 == 2 {
					req = "r-x"
					want = append(want, id)
				}
				fb.seed(parkedQ, parkedMsg(id, req, "onboard", "Invalid", "x", 0))
			}
			start := fb.clock.Now()
			n, err := tt.op(b, context.Background(), handler.Filter{RequestIDs: []string{"r-x"}, Source: handler.SourceParked})
			if err != nil {
				t.Fatal(err)
			}
			if fb.lockLost != 0 {
				var lost []string
				for _, e := range fb.events {
					if strings.HasPrefix(e, "lock-lost") {
						lost = append(lost, e)
					}
				}
				t.Fatalf("%d operations on expired locks, e.g. %v", fb.lockLost, lost[:min(3, len(lost))])
			}
			left := map[string]bool{}
			for _, id := range fb.ids(parkedQ) {
				left[id] = true
			}
			completed := 0
			for _, id := range want {
				if !left[id] {
					completed++
				}
			}
			if completed != n {
				t.Errorf("n = %d, but %d matches are gone", n, completed)
			}
			if len(left) != total-completed {
				t.Errorf("%d messages left, want %d: a non-match was completed", len(left), total-completed)
			}
			renewals := 0
			for _, e := range fb.events {
				if strings.HasPrefix(e, "renew ") {
					renewals++
				}
			}
			if !tt.all {
				return
			}
			if n != len(want) {
				t.Errorf("settled %d of %d matches", n, len(want))
			}
			if took := fb.clock.Now().Sub(start); tt.renews && (took <= fb.lockDuration || renewals == 0) {
				t.Errorf("the pass took %s with %d renewals: the test needs it to outlive the %s lock", took, renewals, fb.lockDuration)
			}
			// Each non-match was delivered once, to this pass: no lock
			// expired and let the pass receive it again.
			for id, c := range fb.deliveryCounts(parkedQ) {
				if c > 1 {
					t.Errorf("%s delivery count %d, want at most 1", id, c)
				}
			}
		})
	}
}
