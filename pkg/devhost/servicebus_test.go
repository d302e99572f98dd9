package devhost

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// decodeSB decodes an invocation as the handler does.
func decodeSB(t *testing.T, c call) funchost.ServiceBusMessage {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, "http://x"+c.path, bytes.NewReader(c.body))
	r.Header.Set(funchost.HeaderInvocationID, c.invocationID)
	m, err := funchost.DecodeServiceBus(r, "message")
	if err != nil {
		t.Fatalf("decode invocation: %v", err)
	}
	return m
}

func TestServiceBusInvocationCompletes(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	bus, err := NewQueueBus(q, funcapp.Queues{})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"requestId":"r-1","upn":"a@b.c"}`)
	if err := bus.Send(context.Background(), handler.OutMessage{MessageID: "m-1", Kind: "onboard", Body: body, Attempt: 2, CorrelationID: "r-1"}); err != nil {
		t.Fatal(err)
	}
	srv, calls := fakeHandler(t, okReply)
	_, invs := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("onboard", "offboard"), PollInterval: time.Hour})

	c := next(t, calls)
	inv := next(t, invs)
	if c.path != "/onboard" || c.invocationID == "" || c.invocationID != inv.InvocationID {
		t.Errorf("path %q invocation id %q (host reported %q)", c.path, c.invocationID, inv.InvocationID)
	}
	// The body travels as dataType binary: Data.message is base64.
	var env struct{ Data map[string]json.RawMessage }
	if err := json.Unmarshal(c.body, &env); err != nil {
		t.Fatal(err)
	}
	if got, want := string(env.Data["message"]), `"eyJyZXF1ZXN0SWQiOiJyLTEiLCJ1cG4iOiJhQGIuYyJ9"`; got != want {
		t.Errorf("Data.message = %s, want %s", got, want)
	}
	m := decodeSB(t, c)
	got := struct {
		Body, MessageID, CorrelationID, ContentType string
		DeliveryCount                               int
		Attempt                                     any
		Enqueued                                    time.Time
	}{string(m.Body), m.MessageID, m.CorrelationID, m.ContentType, m.DeliveryCount, m.ApplicationProperties[handler.PropAttempt], m.EnqueuedTime}
	want := got
	want.Body, want.MessageID, want.CorrelationID, want.ContentType = string(body), "m-1", "r-1", "application/json"
	want.DeliveryCount, want.Attempt, want.Enqueued = 1, float64(2), t0
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded invocation (-want +got):\n%s", diff)
	}
	if inv.Outcome != OutcomeCompleted || inv.Err != nil || inv.Status != 200 {
		t.Errorf("invocation = %+v, want completed", inv)
	}
	counts, err := q.Counts(context.Background(), "vendorflow-onboard")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(queue.Counts{}, counts); diff != "" {
		t.Errorf("queue counts after completion (-want +got):\n%s", diff)
	}
}

func TestFailedInvocationAbandonsUntilDeadLettered(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 3)
	bus, _ := NewQueueBus(q, funcapp.Queues{})
	if err := bus.Send(context.Background(), handler.OutMessage{MessageID: "m-1", Kind: "offboard", Body: []byte(`{}`), CorrelationID: "r-9"}); err != nil {
		t.Fatal(err)
	}
	srv, calls := fakeHandler(t, func(call) (int, any) { return http.StatusInternalServerError, map[string]any{} })
	_, invs := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("offboard"), PollInterval: time.Hour})

	var deliveries []int
	for range 3 {
		c := next(t, calls)
		inv := next(t, invs)
		if c.path != "/offboard" || inv.Outcome != OutcomeAbandoned || inv.Status != 500 {
			t.Fatalf("call %q invocation %+v, want abandoned 500", c.path, inv)
		}
		deliveries = append(deliveries, decodeSB(t, c).DeliveryCount)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, deliveries); diff != "" {
		t.Errorf("delivery counts (-want +got):\n%s", diff)
	}
	dls, err := bus.List(context.Background(), handler.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || dls[0].Source != handler.SourceDeadLetter || dls[0].Code != queue.ReasonMaxDeliveryCountExceeded ||
		dls[0].DeliveryCount != 3 || dls[0].RequestID != "r-9" || dls[0].Queue != "vendorflow-offboard" {
		t.Errorf("dead letters = %+v", dls)
	}
	select {
	case c := <-calls:
		t.Errorf("unexpected delivery after dead-lettering: %s", c.path)
	default:
	}
}

// A host that died holding the lock loses nothing: once the lock expires the
// message is delivered again with DeliveryCount+1.
func TestLockExpiryRedelivers(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	bus, _ := NewQueueBus(q, funcapp.Queues{})
	if err := bus.Send(context.Background(), handler.OutMessage{MessageID: "m-1", Kind: "onboard", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if got, err := q.Receive(context.Background(), "vendorflow-onboard", 1); err != nil || len(got) != 1 {
		t.Fatalf("crashed host's receive: %v, %d messages", err, len(got))
	}
	srv, calls := fakeHandler(t, okReply)
	_, invs := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("onboard"), PollInterval: time.Hour})
	clk.awaitWaiter(t) // the dispatcher waits for the lock to expire
	select {
	case c := <-calls:
		t.Fatalf("delivered while still locked: %s", c.path)
	default:
	}
	clk.Advance(queue.DefaultLockDuration)
	if got := decodeSB(t, next(t, calls)).DeliveryCount; got != 2 {
		t.Errorf("DeliveryCount = %d, want 2", got)
	}
	if inv := next(t, invs); inv.Outcome != OutcomeCompleted {
		t.Errorf("invocation = %+v, want completed", inv)
	}
}

func TestScheduledMessageWaitsForItsTime(t *testing.T) {
	clk := newFakeClock(t0)
	q := openQueue(t, clk, 0)
	bus, _ := NewQueueBus(q, funcapp.Queues{})
	srv, calls := fakeHandler(t, okReply)
	_, invs := startHost(t, Config{Queue: q, HandlerURL: srv.URL, Clock: clk, Functions: onlyFunctions("onboard"), PollInterval: time.Hour})
	clk.awaitWaiter(t) // idle
	clk.drainWaiting()
	if err := bus.Schedule(context.Background(), handler.OutMessage{MessageID: "m-1", Kind: "onboard", Body: []byte(`{}`), Attempt: 1}, t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	clk.awaitWaiter(t)           // woken by the send, now waiting for the scheduled time
	clk.Advance(4 * time.Minute) // the dispatcher's wait is not yet due
	select {
	case c := <-calls:
		t.Fatalf("delivered before its time: %s", c.path)
	default:
	}
	clk.Advance(time.Minute)
	m := decodeSB(t, next(t, calls))
	if !m.EnqueuedTime.Equal(t0.Add(5*time.Minute)) || m.DeliveryCount != 1 {
		t.Errorf("EnqueuedTime %s DeliveryCount %d", m.EnqueuedTime, m.DeliveryCount)
	}
	next(t, invs)
}
