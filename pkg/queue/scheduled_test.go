package queue

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScheduledMessageInvisibleUntilItsTime(t *testing.T) {
	q, clk, _ := openTest(t, nil)
	at := t0.Add(5 * time.Minute)
	mustSend(t, q, "onboard", Message{MessageID: "later", ScheduledEnqueueTime: at})
	if got := mustReceive(t, q, "onboard", 1); len(got) != 0 {
		t.Fatalf("scheduled message received early")
	}
	if diff := cmp.Diff(Counts{Scheduled: 1}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("Counts (-want +got):\n%s", diff)
	}
	clk.Advance(5*time.Minute - time.Nanosecond)
	if got := mustReceive(t, q, "onboard", 1); len(got) != 0 {
		t.Fatalf("scheduled message received 1ns early")
	}
	clk.Advance(time.Nanosecond)
	got := mustReceiveOne(t, q, "onboard")
	type times struct{ Scheduled, Enqueued, Expires time.Time }
	if diff := cmp.Diff(times{at, at, at.Add(DefaultTTL)}, times{got.ScheduledEnqueueTime, got.EnqueuedTime, got.ExpiresAt}); diff != "" {
		t.Errorf("times (-want +got):\n%s", diff)
	}
}

func TestScheduledInThePastIsImmediate(t *testing.T) {
	q, _, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "past", ScheduledEnqueueTime: t0.Add(-time.Hour)})
	got := mustReceiveOne(t, q, "onboard")
	if !got.ScheduledEnqueueTime.IsZero() || !got.EnqueuedTime.Equal(t0) {
		t.Errorf("ScheduledEnqueueTime %s EnqueuedTime %s, want zero and %s", got.ScheduledEnqueueTime, got.EnqueuedTime, t0)
	}
}

func TestNextVisible(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, q *Queue)
		want   time.Time
		wantOK bool
	}{
		{"empty queue", func(t *testing.T, q *Queue) {}, time.Time{}, false},
		{"visible now", func(t *testing.T, q *Queue) {
			mustSend(t, q, "onboard", Message{MessageID: "a"})
		}, t0, true},
		{"scheduled", func(t *testing.T, q *Queue) {
			mustSend(t, q, "onboard", Message{MessageID: "a", ScheduledEnqueueTime: t0.Add(time.Hour)})
		}, t0.Add(time.Hour), true},
		{"earliest of scheduled and locked", func(t *testing.T, q *Queue) {
			mustSend(t, q, "onboard", Message{MessageID: "a"})
			mustSend(t, q, "onboard", Message{MessageID: "b", ScheduledEnqueueTime: t0.Add(time.Hour)})
			mustReceiveOne(t, q, "onboard")
		}, t0.Add(DefaultLockDuration), true},
		{"only dead letters", func(t *testing.T, q *Queue) {
			mustSend(t, q, "onboard", Message{MessageID: "a"})
			m := mustReceiveOne(t, q, "onboard")
			if err := q.DeadLetter(context.Background(), "onboard", m.LockToken, "x", ""); err != nil {
				t.Fatal(err)
			}
		}, time.Time{}, false},
		{"other queue only", func(t *testing.T, q *Queue) {
			mustSend(t, q, "offboard", Message{MessageID: "a"})
		}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _, _ := openTest(t, nil)
			tt.setup(t, q)
			got, ok, err := q.NextVisible(context.Background(), "onboard")
			if err != nil {
				t.Fatalf("NextVisible: %v", err)
			}
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("NextVisible = %s, %v; want %s, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
