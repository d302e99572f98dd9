package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// settleOps calls each settlement operation the same way.
var settleOps = []struct {
	name string
	call func(q *Queue, queue, token string) error
}{
	{"complete", func(q *Queue, queue, token string) error { return q.Complete(context.Background(), queue, token) }},
	{"abandon", func(q *Queue, queue, token string) error { return q.Abandon(context.Background(), queue, token) }},
	{"dead-letter", func(q *Queue, queue, token string) error {
		return q.DeadLetter(context.Background(), queue, token, "Parked", "bad input")
	}},
	{"renew", func(q *Queue, queue, token string) error {
		_, err := q.RenewLock(context.Background(), queue, token)
		return err
	}},
}

func TestSettlementNeedsAHeldLock(t *testing.T) {
	cases := []struct {
		name string
		// token returns the token to settle with, after arranging the state.
		token   func(t *testing.T, q *Queue, clk *fakeClock) string
		queue   string
		wantErr error
	}{
		{"valid lock", func(t *testing.T, q *Queue, clk *fakeClock) string {
			return mustReceiveOne(t, q, "onboard").LockToken
		}, "onboard", nil},
		{"lock valid 1ns before expiry", func(t *testing.T, q *Queue, clk *fakeClock) string {
			m := mustReceiveOne(t, q, "onboard")
			clk.Advance(DefaultLockDuration - time.Nanosecond)
			return m.LockToken
		}, "onboard", nil},
		{"unknown token", func(t *testing.T, q *Queue, clk *fakeClock) string {
			mustReceiveOne(t, q, "onboard")
			return newUUID()
		}, "onboard", ErrLockLost},
		{"token of another queue", func(t *testing.T, q *Queue, clk *fakeClock) string {
			return mustReceiveOne(t, q, "onboard").LockToken
		}, "offboard", ErrLockLost},
		{"lock expired", func(t *testing.T, q *Queue, clk *fakeClock) string {
			m := mustReceiveOne(t, q, "onboard")
			clk.Advance(DefaultLockDuration)
			return m.LockToken
		}, "onboard", ErrLockLost},
		{"token of an earlier delivery", func(t *testing.T, q *Queue, clk *fakeClock) string {
			m := mustReceiveOne(t, q, "onboard")
			clk.Advance(DefaultLockDuration)
			mustReceiveOne(t, q, "onboard")
			return m.LockToken
		}, "onboard", ErrLockLost},
	}
	for _, op := range settleOps {
		for _, tc := range cases {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				q, clk, _ := openTest(t, nil)
				mustSend(t, q, "onboard", Message{MessageID: "a"})
				mustSend(t, q, "offboard", Message{MessageID: "a"})
				token := tc.token(t, q, clk)
				if err := op.call(q, tc.queue, token); !errors.Is(err, tc.wantErr) {
					t.Errorf("got %v, want %v", err, tc.wantErr)
				}
			})
		}
	}
}

func TestAbandonRedeliversAtOnce(t *testing.T) {
	ctx := context.Background()
	q, _, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "a"})
	mustSend(t, q, "onboard", Message{MessageID: "b"})
	first := mustReceiveOne(t, q, "onboard")
	if err := q.Abandon(ctx, "onboard", first.LockToken); err != nil {
		t.Fatalf("Abandon: %v", err)
	}
	again := mustReceiveOne(t, q, "onboard") // no clock advance
	if again.MessageID != "a" || again.DeliveryCount != 2 || again.SequenceNumber != first.SequenceNumber {
		t.Errorf("redelivered %s seq %d count %d, want a seq %d count 2", again.MessageID, again.SequenceNumber, again.DeliveryCount, first.SequenceNumber)
	}
	if again.LockToken == first.LockToken {
		t.Errorf("redelivery reused the lock token")
	}
}

func TestLockExpiryRedelivers(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, func(c *Config) { c.LockDuration = 30 * time.Second })
	mustSend(t, q, "onboard", Message{MessageID: "a"})
	first := mustReceiveOne(t, q, "onboard")
	if want := t0.Add(30 * time.Second); !first.LockedUntil.Equal(want) {
		t.Errorf("LockedUntil = %s, want %s", first.LockedUntil, want)
	}
	clk.Advance(30*time.Second - time.Nanosecond)
	if got := mustReceive(t, q, "onboard", 1); len(got) != 0 {
		t.Fatalf("received %v before the lock expired", ids(got))
	}
	if next, ok, err := q.NextVisible(ctx, "onboard"); err != nil || !ok || !next.Equal(first.LockedUntil) {
		t.Errorf("NextVisible = %s %v %v, want %s", next, ok, err, first.LockedUntil)
	}
	clk.Advance(time.Nanosecond)
	again := mustReceiveOne(t, q, "onboard")
	if again.DeliveryCount != 2 {
		t.Errorf("DeliveryCount = %d, want 2", again.DeliveryCount)
	}
	if err := q.Complete(ctx, "onboard", first.LockToken); !errors.Is(err, ErrLockLost) {
		t.Errorf("Complete with the expired token = %v, want ErrLockLost", err)
	}
	if err := q.Complete(ctx, "onboard", again.LockToken); err != nil {
		t.Errorf("Complete with the new token: %v", err)
	}
}

func TestRenewLock(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "a"})
	m := mustReceiveOne(t, q, "onboard")
	clk.Advance(50 * time.Second)
	until, err := q.RenewLock(ctx, "onboard", m.LockToken)
	if err != nil {
		t.Fatalf("RenewLock: %v", err)
	}
	if want := t0.Add(50*time.Second + DefaultLockDuration); !until.Equal(want) {
		t.Errorf("RenewLock = %s, want %s", until, want)
	}
	clk.Advance(30 * time.Second) // past the original lock, within the renewed one
	if got := mustReceive(t, q, "onboard", 1); len(got) != 0 {
		t.Errorf("renewed message was redelivered")
	}
	if err := q.Complete(ctx, "onboard", m.LockToken); err != nil {
		t.Errorf("Complete after renew: %v", err)
	}
}

func TestMaxDeliveryCountDeadLetters(t *testing.T) {
	tests := []struct {
		name      string
		max       int // 0 = default (10)
		wantTimes int
		// fail ends one delivery unsuccessfully.
		fail func(t *testing.T, q *Queue, clk *fakeClock, m Message)
	}{
		{"abandon, default 10", 0, 10, func(t *testing.T, q *Queue, _ *fakeClock, m Message) {
			if err := q.Abandon(context.Background(), "onboard", m.LockToken); err != nil {
				t.Fatalf("Abandon: %v", err)
			}
		}},
		{"abandon, max 3", 3, 3, func(t *testing.T, q *Queue, _ *fakeClock, m Message) {
			if err := q.Abandon(context.Background(), "onboard", m.LockToken); err != nil {
				t.Fatalf("Abandon: %v", err)
			}
		}},
		{"lock expiry, max 3", 3, 3, func(t *testing.T, _ *Queue, clk *fakeClock, _ Message) {
			clk.Advance(DefaultLockDuration)
		}},
		{"max 1", 1, 1, func(t *testing.T, _ *Queue, clk *fakeClock, _ Message) {
			clk.Advance(DefaultLockDuration)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk, cfg := openTest(t, func(c *Config) { c.MaxDeliveryCount = tt.max })
			mustSend(t, q, "onboard", Message{MessageID: "poison", Body: []byte("x")})
			mustSend(t, q, "onboard", Message{MessageID: "next", ScheduledEnqueueTime: t0.Add(24 * time.Hour)})
			var counts []int
			for {
				got := mustReceive(t, q, "onboard", 1)
				if len(got) == 0 {
					break
				}
				counts = append(counts, got[0].DeliveryCount)
				if len(counts) > tt.wantTimes {
					t.Fatalf("delivered more than %d times: %v", tt.wantTimes, counts)
				}
				tt.fail(t, q, clk, got[0])
			}
			var want []int
			for i := 1; i <= tt.wantTimes; i++ {
				want = append(want, i)
			}
			if diff := cmp.Diff(want, counts); diff != "" {
				t.Errorf("delivery counts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(Counts{Scheduled: 1, DeadLettered: 1}, mustCounts(t, q, "onboard")); diff != "" {
				t.Errorf("Counts (-want +got):\n%s", diff)
			}
			dl := mustDeadLetters(t, q, "onboard", Filter{})
			if len(dl) != 1 {
				t.Fatalf("dead letters %v, want [poison]", ids(dl))
			}
			gotDL := dl[0]
			wantDL := struct {
				ID, Reason, Desc, Source string
				Count                    int
				Token                    string
			}{"poison", ReasonMaxDeliveryCountExceeded, maxDeliveryDescription(cfg.MaxDeliveryCount), "onboard", tt.wantTimes, ""}
			if tt.max == 0 {
				wantDL.Desc = maxDeliveryDescription(DefaultMaxDeliveryCount)
			}
			gotFields := struct {
				ID, Reason, Desc, Source string
				Count                    int
				Token                    string
			}{gotDL.MessageID, gotDL.DeadLetterReason, gotDL.DeadLetterErrorDescription, gotDL.DeadLetterSource, gotDL.DeliveryCount, gotDL.LockToken}
			if diff := cmp.Diff(wantDL, gotFields); diff != "" {
				t.Errorf("dead letter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExplicitDeadLetter(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "bad", Body: []byte("{}"), Subject: "onboard"})
	m := mustReceiveOne(t, q, "onboard")
	clk.Advance(2 * time.Second)
	if err := q.DeadLetter(ctx, "onboard", m.LockToken, "ValidationFailed", "vendor unknown"); err != nil {
		t.Fatalf("DeadLetter: %v", err)
	}
	dl := mustDeadLetters(t, q, "onboard", Filter{})
	want := m
	want.LockToken, want.LockedUntil = "", time.Time{}
	want.DeadLetterReason = "ValidationFailed"
	want.DeadLetterErrorDescription = "vendor unknown"
	want.DeadLetterSource = "onboard"
	want.DeadLetteredTime = t0.Add(2 * time.Second)
	if diff := cmp.Diff([]Message{want}, dl); diff != "" {
		t.Errorf("DeadLetters (-want +got):\n%s", diff)
	}
	if got := mustReceive(t, q, "onboard", 1); len(got) != 0 {
		t.Errorf("dead-lettered message was delivered again")
	}
}
