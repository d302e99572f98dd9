package queue

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestReopenFindsEverything leaves a handle open with a message locked (as a
// crashed process would), then opens the file again: every message, lock,
// dead letter, duplicate-detection entry and sequence counter is there, and
// the orphaned lock expires into a redelivery.
func TestReopenFindsEverything(t *testing.T) {
	ctx := context.Background()
	q1, clk, cfg := openTest(t, nil)
	mustSend(t, q1, "onboard", Message{MessageID: "locked", Body: []byte("1")})
	mustSend(t, q1, "onboard", Message{MessageID: "waiting", Body: []byte("2")})
	mustSend(t, q1, "onboard", Message{MessageID: "scheduled", ScheduledEnqueueTime: t0.Add(time.Hour)})
	mustSend(t, q1, "onboard", Message{MessageID: "dead"})
	mustSend(t, q1, "offboard", Message{MessageID: "off"})
	if got := mustReceiveOne(t, q1, "onboard"); got.MessageID != "locked" {
		t.Fatalf("received %s, want locked", got.MessageID)
	}
	next := mustReceive(t, q1, "onboard", 2)
	if diff := cmp.Diff([]string{"waiting", "dead"}, ids(next)); diff != "" {
		t.Fatalf("second receive (-want +got):\n%s", diff)
	}
	if err := q1.Abandon(ctx, "onboard", next[0].LockToken); err != nil {
		t.Fatal(err)
	}
	if err := q1.DeadLetter(ctx, "onboard", next[1].LockToken, "Parked", "x"); err != nil {
		t.Fatal(err)
	}
	wantActive, err := q1.Peek(ctx, "onboard", 10)
	if err != nil {
		t.Fatal(err)
	}
	wantDead := mustDeadLetters(t, q1, "onboard", Filter{})
	wantCounts := mustCounts(t, q1, "onboard")
	if diff := cmp.Diff(Counts{Active: 1, Scheduled: 1, Locked: 1, DeadLettered: 1}, wantCounts); diff != "" {
		t.Errorf("counts before the crash (-want +got):\n%s", diff)
	}

	// "Crash": q1 stays open and is never used again. A second process opens
	// the file.
	q2 := openCfg(t, cfg)
	check := func(q *Queue, label string) {
		t.Helper()
		gotActive, err := q.Peek(ctx, "onboard", 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantActive, gotActive); diff != "" {
			t.Errorf("%s: active messages (-want +got):\n%s", label, diff)
		}
		if diff := cmp.Diff(wantDead, mustDeadLetters(t, q, "onboard", Filter{})); diff != "" {
			t.Errorf("%s: dead letters (-want +got):\n%s", label, diff)
		}
		if diff := cmp.Diff(wantCounts, mustCounts(t, q, "onboard")); diff != "" {
			t.Errorf("%s: counts (-want +got):\n%s", label, diff)
		}
	}
	check(q2, "second handle")
	if err := q2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := q1.Close(); err != nil {
		t.Fatal(err)
	}
	q3 := openCfg(t, cfg)
	check(q3, "after reopen")

	// The abandoned message is receivable at once; the orphaned lock holds
	// until it expires, then that message is redelivered.
	type got struct {
		ID    string
		Count int
	}
	receive := func() []got {
		out := []got{}
		for _, m := range mustReceive(t, q3, "onboard", 10) {
			out = append(out, got{m.MessageID, m.DeliveryCount})
		}
		return out
	}
	if diff := cmp.Diff([]got{{"waiting", 2}}, receive()); diff != "" {
		t.Errorf("receive while the orphaned lock holds (-want +got):\n%s", diff)
	}
	clk.Advance(DefaultLockDuration)
	if diff := cmp.Diff([]got{{"locked", 2}, {"waiting", 3}}, receive()); diff != "" {
		t.Errorf("receive after the locks expired (-want +got):\n%s", diff)
	}
	// Sequence counters and duplicate history persisted too.
	if r := mustSend(t, q3, "onboard", Message{MessageID: "locked"}); !r.Duplicate {
		t.Errorf("resend of a persisted id not detected as duplicate")
	}
	if r := mustSend(t, q3, "onboard", Message{MessageID: "new"}); r.SequenceNumber != 5 {
		t.Errorf("next sequence number %d, want 5", r.SequenceNumber)
	}
	if r := mustSend(t, q3, "offboard", Message{MessageID: "new"}); r.SequenceNumber != 2 {
		t.Errorf("offboard next sequence number %d, want 2", r.SequenceNumber)
	}
}
