package queue

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDuplicateDetection(t *testing.T) {
	type send struct {
		after time.Duration // clock advance before this send
		queue string
		id    string
		want  SendResult
	}
	tests := []struct {
		name     string
		complete bool // complete the first message before the resends
		sends    []send
	}{
		{"same id at once is dropped", false, []send{
			{0, "onboard", "m1", SendResult{SequenceNumber: 1}},
			{0, "onboard", "m1", SendResult{SequenceNumber: 1, Duplicate: true}},
		}},
		{"dropped until the window ends, accepted at its end", false, []send{
			{0, "onboard", "m1", SendResult{SequenceNumber: 1}},
			{10*time.Minute - time.Nanosecond, "onboard", "m1", SendResult{SequenceNumber: 1, Duplicate: true}},
			{time.Nanosecond, "onboard", "m1", SendResult{SequenceNumber: 2}},
			{time.Minute, "onboard", "m1", SendResult{SequenceNumber: 2, Duplicate: true}},
		}},
		{"a dropped duplicate does not extend the window", false, []send{
			{0, "onboard", "m1", SendResult{SequenceNumber: 1}},
			{9 * time.Minute, "onboard", "m1", SendResult{SequenceNumber: 1, Duplicate: true}},
			{time.Minute, "onboard", "m1", SendResult{SequenceNumber: 2}},
		}},
		{"other ids and other queues are not duplicates", false, []send{
			{0, "onboard", "m1", SendResult{SequenceNumber: 1}},
			{0, "onboard", "m2", SendResult{SequenceNumber: 2}},
			{0, "offboard", "m1", SendResult{SequenceNumber: 1}},
		}},
		{"dropped even after the first was completed", true, []send{
			{0, "onboard", "m1", SendResult{SequenceNumber: 1}},
			{time.Minute, "onboard", "m1", SendResult{SequenceNumber: 1, Duplicate: true}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk, _ := openTest(t, nil)
			var got []SendResult
			var want []SendResult
			for i, s := range tt.sends {
				clk.Advance(s.after)
				got = append(got, mustSend(t, q, s.queue, Message{MessageID: s.id, Body: []byte{byte(i)}}))
				want = append(want, s.want)
				if i == 0 && tt.complete {
					m := mustReceiveOne(t, q, s.queue)
					if err := q.Complete(context.Background(), s.queue, m.LockToken); err != nil {
						t.Fatal(err)
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("send results (-want +got):\n%s", diff)
			}
			// Only accepted sends are stored.
			stored := 0
			for _, w := range want {
				if !w.Duplicate {
					stored++
				}
			}
			if tt.complete {
				stored--
			}
			peeked := 0
			for _, name := range []string{"onboard", "offboard"} {
				ms, err := q.Peek(context.Background(), name, 100)
				if err != nil {
					t.Fatal(err)
				}
				peeked += len(ms)
			}
			if peeked != stored {
				t.Errorf("stored %d messages, want %d", peeked, stored)
			}
		})
	}
}

func TestDuplicateWindowConfigurable(t *testing.T) {
	q, clk, _ := openTest(t, func(c *Config) { c.DuplicateDetectionWindow = time.Minute })
	mustSend(t, q, "onboard", Message{MessageID: "m1"})
	clk.Advance(time.Minute)
	if r := mustSend(t, q, "onboard", Message{MessageID: "m1"}); r.Duplicate {
		t.Errorf("send after a 1-minute window was dropped")
	}
}

// A batch is one transaction: every message stored in order, duplicates
// (against the history and within the batch) dropped and reported, and a
// message that fails the checks fails the batch with nothing stored.
func TestSendBatch(t *testing.T) {
	q, _, _ := openTest(t, nil)
	ctx := context.Background()
	mustSend(t, q, "onboard", Message{MessageID: "m1", Body: []byte("1")})
	got, err := q.SendBatch(ctx, "onboard", []Message{
		{MessageID: "m2", Body: []byte("2")},
		{MessageID: "m1", Body: []byte("again")},
		{MessageID: "m3", Body: []byte("3")},
		{MessageID: "m3", Body: []byte("twice")},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []SendResult{{SequenceNumber: 2}, {SequenceNumber: 1, Duplicate: true}, {SequenceNumber: 3}, {SequenceNumber: 3, Duplicate: true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("results (-want +got)\n%s", diff)
	}
	if _, err := q.SendBatch(ctx, "onboard", []Message{{MessageID: "m4"}, {MessageID: "m5", TimeToLive: -1}}); err == nil {
		t.Fatal("a batch with an invalid message was accepted")
	}
	ms := mustReceive(t, q, "onboard", 10)
	if diff := cmp.Diff([]string{"m1", "m2", "m3"}, ids(ms)); diff != "" {
		t.Errorf("stored (-want +got)\n%s", diff)
	}
}
