package queue

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSendReceiveComplete(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, nil)
	in := Message{
		MessageID:     "onboard-vendor1-a",
		Body:          []byte(`{"vendor":"Vendor1"}`),
		ContentType:   "application/json",
		CorrelationID: "corr-1",
		Subject:       "onboard",
		ApplicationProperties: map[string]any{
			"attempt": 3, "source": "procurement", "urgent": true, "tags": []any{"a", "b"},
		},
	}
	res := mustSend(t, q, "onboard", in)
	if diff := cmp.Diff(SendResult{SequenceNumber: 1}, res); diff != "" {
		t.Errorf("Send (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Counts{Active: 1}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("Counts after send (-want +got):\n%s", diff)
	}

	clk.Advance(time.Second)
	got := mustReceiveOne(t, q, "onboard")
	want := in
	want.ApplicationProperties = map[string]any{
		"attempt": json.Number("3"), "source": "procurement", "urgent": true, "tags": []any{"a", "b"},
	}
	want.SequenceNumber = 1
	want.DeliveryCount = 1
	want.EnqueuedTime = t0
	want.ExpiresAt = t0.Add(DefaultTTL)
	want.TimeToLive = DefaultTTL
	want.LockedUntil = t0.Add(time.Second + DefaultLockDuration)
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Message{}, "LockToken")); diff != "" {
		t.Errorf("Receive (-want +got):\n%s", diff)
	}
	if len(got.LockToken) != 36 {
		t.Errorf("LockToken = %q, want a UUID", got.LockToken)
	}
	if diff := cmp.Diff(Counts{Locked: 1}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("Counts while locked (-want +got):\n%s", diff)
	}
	if more := mustReceive(t, q, "onboard", 5); len(more) != 0 {
		t.Errorf("second Receive got %v, want nothing while locked", seqs(more))
	}

	if err := q.Complete(ctx, "onboard", got.LockToken); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if diff := cmp.Diff(Counts{}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("Counts after complete (-want +got):\n%s", diff)
	}
	if err := q.Complete(ctx, "onboard", got.LockToken); !errors.Is(err, ErrLockLost) {
		t.Errorf("second Complete = %v, want ErrLockLost", err)
	}
}

func TestReceiveFIFOAndBatch(t *testing.T) {
	q, _, _ := openTest(t, nil)
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		mustSend(t, q, "onboard", Message{MessageID: id})
	}
	steps := []struct {
		max  int
		want []int64
	}{
		{2, []int64{1, 2}},
		{10, []int64{3, 4, 5}},
		{1, []int64{}},
	}
	for i, s := range steps {
		if diff := cmp.Diff(s.want, seqs(mustReceive(t, q, "onboard", s.max))); diff != "" {
			t.Errorf("step %d Receive(%d) seqs (-want +got):\n%s", i, s.max, diff)
		}
	}
}

func TestQueuesAreIndependent(t *testing.T) {
	q, _, _ := openTest(t, nil)
	for _, name := range []string{"onboard", "offboard", "onboard", "parked", "offboard"} {
		mustSend(t, q, name, Message{Body: []byte(name)})
	}
	want := map[string][]int64{"onboard": {1, 2}, "offboard": {1, 2}, "parked": {1}}
	for name, w := range want {
		got := mustReceive(t, q, name, 10)
		if diff := cmp.Diff(w, seqs(got)); diff != "" {
			t.Errorf("%s seqs (-want +got):\n%s", name, diff)
		}
		for _, m := range got {
			if string(m.Body) != name {
				t.Errorf("%s received body %q", name, m.Body)
			}
		}
	}
}

func TestSendGeneratesMessageID(t *testing.T) {
	q, _, _ := openTest(t, nil)
	r1 := mustSend(t, q, "onboard", Message{})
	r2 := mustSend(t, q, "onboard", Message{})
	if r1.Duplicate || r2.Duplicate {
		t.Fatalf("empty MessageIDs treated as duplicates: %+v %+v", r1, r2)
	}
	got := mustReceive(t, q, "onboard", 2)
	if len(got) != 2 || got[0].MessageID == "" || got[0].MessageID == got[1].MessageID {
		t.Errorf("generated ids %v, want two distinct non-empty", ids(got))
	}
	if got[0].Body == nil {
		t.Errorf("nil body came back nil, want empty")
	}
}

func TestInvalidArguments(t *testing.T) {
	ctx := context.Background()
	q, _, _ := openTest(t, func(c *Config) { c.MaxMessageSize = 10 })
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"empty queue name", func() error { _, err := q.Send(ctx, "", Message{}); return err }, ErrInvalidArgument},
		{"queue name with space", func() error { _, err := q.Send(ctx, "on board", Message{}); return err }, ErrInvalidArgument},
		{"queue name ending in dash", func() error { _, err := q.Receive(ctx, "onboard-", 1); return err }, ErrInvalidArgument},
		{"body too large", func() error { _, err := q.Send(ctx, "onboard", Message{Body: make([]byte, 11)}); return err }, ErrMessageTooLarge},
		{"message id too long", func() error {
			_, err := q.Send(ctx, "onboard", Message{MessageID: strings.Repeat("x", 129)})
			return err
		}, ErrInvalidArgument},
		{"properties not JSON", func() error {
			_, err := q.Send(ctx, "onboard", Message{ApplicationProperties: map[string]any{"c": make(chan int)}})
			return err
		}, ErrInvalidArgument},
		{"negative ttl", func() error { _, err := q.Send(ctx, "onboard", Message{TimeToLive: -time.Second}); return err }, ErrInvalidArgument},
		{"receive zero", func() error { _, err := q.Receive(ctx, "onboard", 0); return err }, ErrInvalidArgument},
		{"peek zero", func() error { _, err := q.Peek(ctx, "onboard", 0); return err }, ErrInvalidArgument},
		{"negative filter limit", func() error { _, err := q.DeadLetters(ctx, "onboard", Filter{Limit: -1}); return err }, ErrInvalidArgument},
		{"empty lock token", func() error { return q.Complete(ctx, "onboard", "") }, ErrLockLost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if diff := cmp.Diff(Counts{}, mustCounts(t, q, "onboard")); diff != "" {
		t.Errorf("rejected sends stored something (-want +got):\n%s", diff)
	}
}

func TestPeekDoesNotLock(t *testing.T) {
	ctx := context.Background()
	q, clk, _ := openTest(t, nil)
	mustSend(t, q, "onboard", Message{MessageID: "a"})
	mustSend(t, q, "onboard", Message{MessageID: "b"})
	mustSend(t, q, "onboard", Message{MessageID: "later", ScheduledEnqueueTime: t0.Add(time.Hour)})
	locked := mustReceiveOne(t, q, "onboard")
	peeked, err := q.Peek(ctx, "onboard", 10)
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "b", "later"}, ids(peeked)); diff != "" {
		t.Errorf("Peek ids (-want +got):\n%s", diff)
	}
	for _, m := range peeked {
		if m.LockToken != "" {
			t.Errorf("Peek returned a lock token for %s", m.MessageID)
		}
	}
	if peeked[0].DeliveryCount != 1 || peeked[1].DeliveryCount != 0 {
		t.Errorf("Peek delivery counts %d,%d, want 1,0", peeked[0].DeliveryCount, peeked[1].DeliveryCount)
	}
	// Peek changed nothing: b is still the next receivable message.
	clk.Advance(time.Second)
	if got := mustReceiveOne(t, q, "onboard"); got.MessageID != "b" || got.DeliveryCount != 1 {
		t.Errorf("after Peek received %s/%d, want b/1", got.MessageID, got.DeliveryCount)
	}
	if err := q.Complete(ctx, "onboard", locked.LockToken); err != nil {
		t.Errorf("Complete after Peek: %v", err)
	}
	if got, _ := q.Peek(ctx, "onboard", 1); len(got) != 1 || got[0].MessageID != "b" {
		t.Errorf("Peek(1) = %v, want [b]", ids(got))
	}
}

func TestChangesSignalsSend(t *testing.T) {
	q, _, _ := openTest(t, nil)
	ch := q.Changes()
	select {
	case <-ch:
		t.Fatal("Changes closed before any change")
	default:
	}
	mustSend(t, q, "onboard", Message{MessageID: "a"})
	select {
	case <-ch:
	default:
		t.Fatal("Changes not closed after Send")
	}
	ch = q.Changes()
	mustSend(t, q, "onboard", Message{MessageID: "a"}) // duplicate: nothing new
	select {
	case <-ch:
		t.Fatal("Changes closed after a dropped duplicate")
	default:
	}
	m := mustReceiveOne(t, q, "onboard")
	if err := q.Abandon(context.Background(), "onboard", m.LockToken); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("Changes not closed after Abandon")
	}
	ch = q.Changes()
	m = mustReceiveOne(t, q, "onboard")
	if err := q.DeadLetter(context.Background(), "onboard", m.LockToken, "x", ""); err != nil {
		t.Fatal(err)
	}
	if n, err := q.ReplayDeadLetters(context.Background(), "onboard", Filter{}); err != nil || n != 1 {
		t.Fatalf("ReplayDeadLetters = %d, %v", n, err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("Changes not closed after ReplayDeadLetters")
	}
}
