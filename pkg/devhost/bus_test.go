package devhost

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

func TestQueueBusSendDetectsDuplicates(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, newFakeClock(t0), 0)
	bus, _ := NewQueueBus(q, funcapp.Queues{Onboard: "on", Offboard: "off", Parked: "park"})
	m := handler.OutMessage{MessageID: "r-1-retry-1", Kind: "onboard", Body: []byte(`{"a":1}`), CorrelationID: "r-1"}
	for range 2 {
		if err := bus.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := bus.Send(ctx, handler.OutMessage{MessageID: "x", Kind: "audit"}); err == nil {
		t.Error("Send with an unknown kind succeeded")
	}
	got, err := q.Peek(ctx, "on", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].MessageID != "r-1-retry-1" || got[0].CorrelationID != "r-1" {
		t.Errorf("onboard queue = %+v, want the one message", got)
	}
}

// SendBatch says which messages it dropped, in the order they were given,
// across queues: a copy within the batch and one accepted earlier.
func TestQueueBusSendBatchMarksDropped(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, newFakeClock(t0), 0)
	bus, _ := NewQueueBus(q, funcapp.Queues{Onboard: "on", Offboard: "off", Parked: "park"})
	msg := func(id, kind string) handler.OutMessage {
		return handler.OutMessage{MessageID: id, Kind: kind, Body: []byte(`{}`), CorrelationID: id}
	}
	if err := bus.Send(ctx, msg("off-1", "offboard")); err != nil {
		t.Fatal(err)
	}
	res, err := bus.SendBatch(ctx, []handler.OutMessage{
		msg("on-1", "onboard"), msg("off-1", "offboard"), msg("on-2", "onboard"), msg("on-1", "onboard"), msg("off-2", "offboard"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := handler.BatchResult{Duplicates: 2, Dropped: []bool{false, true, false, true, false}, Counted: true}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("SendBatch (-want +got):\n%s", diff)
	}
}

func TestQueueBusScheduleParkReplay(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	bus, _ := NewQueueBus(q, funcapp.Queues{})

	at := t0.Add(10 * time.Minute)
	if err := bus.Schedule(ctx, handler.OutMessage{MessageID: "r-1-retry-3", Kind: "offboard", Body: []byte(`{}`), Attempt: 3, CorrelationID: "r-1"}, at); err != nil {
		t.Fatal(err)
	}
	c, _ := q.Counts(ctx, "vendorflow-offboard")
	if diff := cmp.Diff(queue.Counts{Scheduled: 1}, c); diff != "" {
		t.Errorf("offboard counts after Schedule (-want +got):\n%s", diff)
	}
	peek, _ := q.Peek(ctx, "vendorflow-offboard", 1)
	if len(peek) != 1 || !peek[0].EnqueuedTime.Equal(at) || peek[0].ApplicationProperties[handler.PropAttempt] != json.Number("3") {
		t.Errorf("scheduled message = %+v", peek)
	}

	body := []byte(`{"requestId":"r-2","upn":"bad"}`)
	clk.Advance(time.Second)
	if err := bus.Park(ctx, handler.Parked{
		OutMessage: handler.OutMessage{MessageID: "r-2", Kind: "onboard", Body: body, Attempt: 4, CorrelationID: "r-2"},
		Code:       "InvalidUPN", Reason: "upn has no domain",
	}); err != nil {
		t.Fatal(err)
	}
	list, err := bus.List(ctx, handler.Filter{Source: handler.SourceParked})
	if err != nil {
		t.Fatal(err)
	}
	want := []handler.DeadLetter{{
		Source: handler.SourceParked, Queue: "vendorflow-parked", MessageID: "r-2", RequestID: "r-2",
		Reason: "upn has no domain", Code: "InvalidUPN", EnqueuedAt: t0.Add(time.Second), DeadLetteredAt: t0.Add(time.Second),
		Attempts: 4, Body: body,
	}}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("parked list (-want +got):\n%s", diff)
	}
	for _, f := range []handler.Filter{{Reason: "NO DOMAIN"}, {RequestIDs: []string{"r-2"}}, {MessageIDs: []string{"r-2"}}} {
		if got, _ := bus.List(ctx, f); len(got) != 1 {
			t.Errorf("List(%+v) = %d entries, want 1", f, len(got))
		}
	}
	for _, f := range []handler.Filter{{Reason: "quota"}, {RequestIDs: []string{"r-3"}}, {Source: handler.SourceDeadLetter}, {Since: t0.Add(time.Minute)}} {
		if got, _ := bus.List(ctx, f); len(got) != 0 {
			t.Errorf("List(%+v) = %d entries, want 0", f, len(got))
		}
	}

	n, err := bus.Replay(ctx, handler.Filter{RequestIDs: []string{"r-2"}})
	if err != nil || n != 1 {
		t.Fatalf("Replay = %d, %v; want 1", n, err)
	}
	if got, _ := bus.List(ctx, handler.Filter{}); len(got) != 0 {
		t.Errorf("after replay the dead letters are %+v", got)
	}
	back, _ := q.Peek(ctx, "vendorflow-onboard", 10)
	if len(back) != 1 {
		t.Fatalf("onboard queue after replay = %+v", back)
	}
	gotBack := map[string]any{"id": back[0].MessageID, "corr": back[0].CorrelationID, "body": string(back[0].Body), "attempt": back[0].ApplicationProperties[handler.PropAttempt]}
	wantBack := map[string]any{"id": "r-2-replay-1", "corr": "r-2", "body": string(body), "attempt": json.Number("0")}
	if diff := cmp.Diff(wantBack, gotBack); diff != "" {
		t.Errorf("replayed message (-want +got):\n%s", diff)
	}
}

func TestQueueBusDeadLetterReplayAndPurge(t *testing.T) {
	ctx := context.Background()
	q := openQueue(t, newFakeClock(t0), 1)
	bus, _ := NewQueueBus(q, funcapp.Queues{})
	for _, id := range []string{"a", "b"} {
		if err := bus.Send(ctx, handler.OutMessage{MessageID: id, Kind: "onboard", Body: []byte(`{}`), CorrelationID: "req-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, _ := q.Receive(ctx, "vendorflow-onboard", 2)
	for _, m := range msgs {
		if err := q.Abandon(ctx, "vendorflow-onboard", m.LockToken); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := bus.List(ctx, handler.Filter{Reason: "maxdeliverycount"})
	if len(list) != 2 || list[0].Reason != "MaxDeliveryCountExceeded: Message could not be consumed after 1 delivery attempts." {
		t.Fatalf("dead letters = %+v", list)
	}
	dead, _ := q.DeadLetters(ctx, "vendorflow-onboard", queue.Filter{MessageIDs: []string{"a"}})
	if len(dead) != 1 {
		t.Fatalf("dead letters a = %+v", dead)
	}
	if n, err := bus.Replay(ctx, handler.Filter{MessageIDs: []string{"a"}}); err != nil || n != 1 {
		t.Fatalf("Replay = %d, %v", n, err)
	}
	// A copy with a new id, as servicebus.Bus.Replay sends it.
	active, _ := q.Peek(ctx, "vendorflow-onboard", 10)
	if want := handler.ReplayMessageID("a", dead[0].SequenceNumber); len(active) != 1 || active[0].MessageID != want || active[0].CorrelationID != "req-a" || active[0].DeliveryCount != 0 {
		t.Errorf("active after replay = %+v, want one message %s", active, want)
	}
	if got, _ := bus.List(ctx, handler.Filter{MessageIDs: []string{"a"}}); len(got) != 0 {
		t.Errorf("the replayed original is still listed: %+v", got)
	}
	if n, err := bus.Purge(ctx, handler.Filter{}); err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	if got, _ := bus.List(ctx, handler.Filter{}); len(got) != 0 {
		t.Errorf("after purge: %+v", got)
	}
	if _, err := bus.List(ctx, handler.Filter{Source: "elsewhere"}); err == nil {
		t.Error("unknown source accepted")
	}
}

// TestQueueBusReplayGivesRetriesNewIDs: a message whose delivery scheduled
// its first retry and was then dead-lettered (the host crashed before
// answering) is replayed. The replayed run's first retry must get an id
// the queue has not seen, or duplicate detection, which includes scheduled
// messages, would drop it silently; a redelivery of the replayed message
// schedules the same id, which collapses.
func TestQueueBusReplayGivesRetriesNewIDs(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 1)
	bus, _ := NewQueueBus(q, funcapp.Queues{})
	const on = "vendorflow-onboard"
	if err := bus.Send(ctx, handler.OutMessage{MessageID: "r-1", Kind: "onboard", Body: []byte(`{}`), Attempt: 2, CorrelationID: "r-1"}); err != nil {
		t.Fatal(err)
	}
	retry := func(delivered queue.Message) handler.OutMessage {
		return handler.OutMessage{
			MessageID: handler.RetryMessageID("r-1", delivered.MessageID, 3), Kind: "onboard",
			Body: delivered.Body, Attempt: 3, CorrelationID: "r-1",
		}
	}
	at := t0.Add(time.Hour) // still scheduled when the replay runs

	// First run: schedules its retry, then its delivery is abandoned and
	// the queue dead-letters it (MaxDeliveryCount 1).
	got, _ := q.Receive(ctx, on, 1)
	if len(got) != 1 {
		t.Fatalf("received %+v", got)
	}
	firstRetry := retry(got[0])
	if err := bus.Schedule(ctx, firstRetry, at); err != nil {
		t.Fatal(err)
	}
	if err := q.Abandon(ctx, on, got[0].LockToken); err != nil {
		t.Fatal(err)
	}
	if n, err := bus.Replay(ctx, handler.Filter{RequestIDs: []string{"r-1"}, Source: handler.SourceDeadLetter}); err != nil || n != 1 {
		t.Fatalf("Replay = %d, %v", n, err)
	}

	// The replayed run: its delivery keeps the attempt count of the broker
	// dead letter, and its retry is a new message.
	got, _ = q.Receive(ctx, on, 1)
	if len(got) != 1 || got[0].MessageID == "r-1" || got[0].ApplicationProperties[handler.PropAttempt] != json.Number("2") {
		t.Fatalf("replayed delivery = %+v", got)
	}
	second := retry(got[0])
	if second.MessageID == firstRetry.MessageID {
		t.Fatalf("the replayed run's retry reuses %s", second.MessageID)
	}
	for range 2 { // the delivery and a redelivery of it
		if err := bus.Schedule(ctx, retry(got[0]), at); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := q.Counts(ctx, on)
	if c.Scheduled != 2 {
		t.Errorf("scheduled retries = %d, want 2 (the first run's and the replayed run's, its redelivery collapsed)", c.Scheduled)
	}
}
