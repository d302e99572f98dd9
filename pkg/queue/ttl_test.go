package queue

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTTLExpiryDeadLetters(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration // Message.TimeToLive
		advance time.Duration
		expired bool
	}{
		{"default ttl not reached", 0, time.Hour - time.Nanosecond, false},
		{"default ttl reached", 0, time.Hour, true},
		{"message ttl overrides default", 10 * time.Minute, 10 * time.Minute, true},
		{"longer message ttl", 2 * time.Hour, time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk, _ := openTest(t, func(c *Config) { c.DefaultTTL = time.Hour })
			mustSend(t, q, "onboard", Message{MessageID: "m", TimeToLive: tt.ttl})
			clk.Advance(tt.advance)
			got := mustReceive(t, q, "onboard", 1)
			dl := mustDeadLetters(t, q, "onboard", Filter{})
			if tt.expired {
				if len(got) != 0 || len(dl) != 1 {
					t.Fatalf("received %v, dead letters %v; want expired", ids(got), ids(dl))
				}
				type dlf struct {
					Reason, Desc, Source string
					At                   time.Time
				}
				if diff := cmp.Diff(dlf{ReasonTTLExpired, ttlDescription, "onboard", t0.Add(tt.advance)},
					dlf{dl[0].DeadLetterReason, dl[0].DeadLetterErrorDescription, dl[0].DeadLetterSource, dl[0].DeadLetteredTime}); diff != "" {
					t.Errorf("dead letter (-want +got):\n%s", diff)
				}
			} else if len(got) != 1 || len(dl) != 0 {
				t.Fatalf("received %v, dead letters %v; want delivered", ids(got), ids(dl))
			}
		})
	}
}

func TestTTLDoesNotExpireALockedMessage(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, func(c *Config) { c.DefaultTTL, c.LockDuration = time.Minute, 2*time.Minute })
	mustSend(t, q, "onboard", Message{MessageID: "held"})
	mustSend(t, q, "onboard", Message{MessageID: "dropped"})
	held := mustReceiveOne(t, q, "onboard")
	clk.Advance(time.Minute) // both past TTL; "held" is still locked
	if diff := cmp.Diff(Counts{Locked: 1, DeadLettered: 1}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	if err := q.Abandon(ctx, "onboard", held.LockToken); err != nil {
		t.Fatalf("Abandon: %v", err)
	}
	// Abandoned after expiry: the next look expires it instead of delivering.
	if got := mustReceive(t, q, "onboard", 1); len(got) != 0 {
		t.Errorf("expired message delivered after abandon")
	}
	if diff := cmp.Diff([]string{"held", "dropped"}, ids(mustDeadLetters(t, q, "onboard", Filter{Reason: ReasonTTLExpired}))); diff != "" {
		t.Errorf("TTL dead letters (-want +got):\n%s", diff)
	}
}

func TestTTLCompleteWhileLockedAfterExpiry(t *testing.T) {
	q, clk, _ := openTest(t, func(c *Config) { c.DefaultTTL, c.LockDuration = time.Minute, 2*time.Minute })
	mustSend(t, q, "onboard", Message{MessageID: "held"})
	m := mustReceiveOne(t, q, "onboard")
	clk.Advance(time.Minute)
	if err := q.Complete(context.Background(), "onboard", m.LockToken); err != nil {
		t.Errorf("Complete of a locked, expired message: %v", err)
	}
	if diff := cmp.Diff(Counts{}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
}
