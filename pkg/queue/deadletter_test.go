package queue

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// seedDeadLetters dead-letters a, b, c, d at t0+1m..+4m with the reasons
// ValidationFailed, SeatUnavailable, ValidationFailed, SeatUnavailable.
func seedDeadLetters(t *testing.T, q *Queue, clk *fakeClock) {
	t.Helper()
	reasons := map[string]string{"a": "ValidationFailed", "b": "SeatUnavailable", "c": "ValidationFailed", "d": "SeatUnavailable"}
	for _, id := range []string{"a", "b", "c", "d"} {
		mustSend(t, q, "onboard", Message{
			MessageID: id, Body: []byte("body-" + id), Subject: "onboard",
			ApplicationProperties: map[string]any{"vendor": "Vendor1"},
		})
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		clk.Advance(time.Minute)
		m := mustReceiveOne(t, q, "onboard")
		if m.MessageID != id {
			t.Fatalf("received %s, want %s", m.MessageID, id)
		}
		if err := q.DeadLetter(context.Background(), "onboard", m.LockToken, reasons[id], "because "+id); err != nil {
			t.Fatalf("DeadLetter %s: %v", id, err)
		}
	}
}

var filterCases = []struct {
	name string
	f    Filter
	want []string
}{
	{"all", Filter{}, []string{"a", "b", "c", "d"}},
	{"reason", Filter{Reason: "ValidationFailed"}, []string{"a", "c"}},
	{"since (inclusive)", Filter{Since: t0.Add(2 * time.Minute)}, []string{"b", "c", "d"}},
	{"until (exclusive)", Filter{Until: t0.Add(3 * time.Minute)}, []string{"a", "b"}},
	{"since and until", Filter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, []string{"b", "c"}},
	{"message ids", Filter{MessageIDs: []string{"d", "a", "zz"}}, []string{"a", "d"}},
	{"limit", Filter{Limit: 2}, []string{"a", "b"}},
	{"reason and limit", Filter{Reason: "SeatUnavailable", Limit: 1}, []string{"b"}},
	{"no match", Filter{Reason: "Nope"}, []string{}},
}

func TestDeadLettersFilter(t *testing.T) {
	q, clk, _ := openTest(t, nil)
	seedDeadLetters(t, q, clk)
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ids(mustDeadLetters(t, q, "onboard", tt.f))); diff != "" {
				t.Errorf("DeadLetters ids (-want +got):\n%s", diff)
			}
		})
	}
	if got := mustDeadLetters(t, q, "offboard", Filter{}); len(got) != 0 {
		t.Errorf("offboard dead letters %v, want none", ids(got))
	}
}

func TestReplayDeadLetters(t *testing.T) {
	ctx := context.Background()
	all := []string{"a", "b", "c", "d"}
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			q, clk, _ := openTest(t, nil)
			seedDeadLetters(t, q, clk)
			clk.Advance(time.Hour)
			now := clk.Now()
			n, err := q.ReplayDeadLetters(ctx, "onboard", tt.f)
			if err != nil {
				t.Fatalf("ReplayDeadLetters: %v", err)
			}
			if n != len(tt.want) {
				t.Errorf("replayed %d, want %d", n, len(tt.want))
			}
			if diff := cmp.Diff(without(all, tt.want), ids(mustDeadLetters(t, q, "onboard", Filter{}))); diff != "" {
				t.Errorf("remaining dead letters (-want +got):\n%s", diff)
			}
			active, err := q.Peek(ctx, "onboard", 10)
			if err != nil {
				t.Fatal(err)
			}
			var want []Message
			for i, id := range tt.want {
				want = append(want, Message{
					MessageID: id, Body: []byte("body-" + id), Subject: "onboard",
					ApplicationProperties: map[string]any{"vendor": "Vendor1"},
					TimeToLive:            DefaultTTL,
					SequenceNumber:        int64(5 + i),
					EnqueuedTime:          now,
					ExpiresAt:             now.Add(DefaultTTL),
				})
			}
			if want == nil {
				want = []Message{}
			}
			if diff := cmp.Diff(want, active); diff != "" {
				t.Errorf("replayed messages (-want +got):\n%s", diff)
			}
			// Replayed messages are ordinary messages again.
			for range tt.want {
				m := mustReceiveOne(t, q, "onboard")
				if m.DeliveryCount != 1 {
					t.Errorf("replayed %s DeliveryCount %d, want 1", m.MessageID, m.DeliveryCount)
				}
				if err := q.Complete(ctx, "onboard", m.LockToken); err != nil {
					t.Errorf("Complete replayed %s: %v", m.MessageID, err)
				}
			}
		})
	}
}

func TestReplayIsNotDroppedByDuplicateDetection(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "m1", Body: []byte("x")})
	m := mustReceiveOne(t, q, "onboard")
	if err := q.DeadLetter(ctx, "onboard", m.LockToken, "Transient", ""); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // well inside the 10-minute window
	n, err := q.ReplayDeadLetters(ctx, "onboard", Filter{MessageIDs: []string{"m1"}})
	if err != nil || n != 1 {
		t.Fatalf("ReplayDeadLetters = %d, %v; want 1", n, err)
	}
	got := mustReceiveOne(t, q, "onboard")
	if got.MessageID != "m1" || got.SequenceNumber != 2 || got.DeliveryCount != 1 {
		t.Errorf("replayed %s seq %d count %d, want m1 seq 2 count 1", got.MessageID, got.SequenceNumber, got.DeliveryCount)
	}
	// The producer's duplicate history is untouched: a resend is still dropped.
	if r := mustSend(t, q, "onboard", Message{MessageID: "m1"}); !r.Duplicate || r.SequenceNumber != 1 {
		t.Errorf("resend after replay = %+v, want duplicate of seq 1", r)
	}
}

func TestReplayKeepsMessageTTL(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "short", TimeToLive: 10 * time.Minute})
	clk.Advance(10 * time.Minute)
	dl := mustDeadLetters(t, q, "onboard", Filter{Reason: ReasonTTLExpired})
	if len(dl) != 1 {
		t.Fatalf("expired dead letters %v, want [short]", ids(dl))
	}
	if n, err := q.ReplayDeadLetters(ctx, "onboard", Filter{Reason: ReasonTTLExpired}); err != nil || n != 1 {
		t.Fatalf("ReplayDeadLetters = %d, %v", n, err)
	}
	m := mustReceiveOne(t, q, "onboard")
	if want := clk.Now().Add(10 * time.Minute); !m.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %s, want %s", m.ExpiresAt, want)
	}
}

func TestPurgeDeadLetters(t *testing.T) {
	all := []string{"a", "b", "c", "d"}
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			q, clk, _ := openTest(t, nil)
			seedDeadLetters(t, q, clk)
			n, err := q.PurgeDeadLetters(context.Background(), "onboard", tt.f)
			if err != nil {
				t.Fatalf("PurgeDeadLetters: %v", err)
			}
			if n != len(tt.want) {
				t.Errorf("purged %d, want %d", n, len(tt.want))
			}
			if diff := cmp.Diff(without(all, tt.want), ids(mustDeadLetters(t, q, "onboard", Filter{}))); diff != "" {
				t.Errorf("remaining dead letters (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(Counts{DeadLettered: 4 - len(tt.want)}, mustCounts(t, q, "onboard")); diff != "" {
				t.Errorf("Counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeadLetterPropertiesRoundTrip(t *testing.T) {
	q, clk, _ := openTest(t, nil)
	seedDeadLetters(t, q, clk)
	dl := mustDeadLetters(t, q, "onboard", Filter{MessageIDs: []string{"a"}})
	want := Message{
		MessageID: "a", Body: []byte("body-a"), Subject: "onboard",
		ApplicationProperties: map[string]any{"vendor": "Vendor1"},
		TimeToLive:            DefaultTTL, SequenceNumber: 1, DeliveryCount: 1,
		EnqueuedTime: t0, ExpiresAt: t0.Add(DefaultTTL),
		DeadLetterReason: "ValidationFailed", DeadLetterErrorDescription: "because a",
		DeadLetterSource: "onboard", DeadLetteredTime: t0.Add(time.Minute),
	}
	if diff := cmp.Diff([]Message{want}, dl); diff != "" {
		t.Errorf("DeadLetters (-want +got):\n%s", diff)
	}
}

func without(all, drop []string) []string {
	out := []string{}
	for _, a := range all {
		keep := true
		for _, d := range drop {
			if a == d {
				keep = false
			}
		}
		if keep {
			out = append(out, a)
		}
	}
	return out
}
