package servicebus

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/handler"
)

// seedAll fills the four sources:
//
//	parking queue  p-1 (r-1, onboard), p-2 (r-2, offboard)      at t0+1m, t0+2m
//	parking DLQ    p-3 (r-3) after too many abandons            at t0+1m
//	onboard DLQ    d-1 (r-1)                                    at t0+1m
//	offboard DLQ   d-2 (r-4), d-3 (r-5)                         at t0+1m, t0+2m
//
// Equal times keep source order: parking, parking DLQ, onboard DLQ,
// offboard DLQ.
func seedAll(fb *fakeBroker) {
	fb.seed(parkedQ, parkedMsg("p-1", "r-1", "onboard", "Invalid", "vendor unknown", 0))
	fb.seed(parkedQ, parkedMsg("p-2", "r-2", "offboard", "RetriesExhausted", "graph 503 after 8 attempts", 8))
	p3 := parkedMsg("p-3", "r-3", "onboard", "NoSeat", "no free Remote Assist seat", 1)
	p3.DeadLetterReason = ptr("MaxDeliveryCountExceeded")
	p3.DeliveryCount = 10
	fb.seed(parkedDLQ, p3)
	fb.seed(onboardDLQ, deadMsg("d-1", "r-1", 0, 10))
	fb.seed(offDLQ, deadMsg("d-2", "r-4", 2, 10))
	d3 := deadMsg("d-3", "r-5", 0, 1)
	d3.DeadLetterReason, d3.DeadLetterErrorDescription = ptr("TTLExpiredException"), nil
	fb.seed(offDLQ, d3)
}

func TestListMapping(t *testing.T) {
	b, fb := testBus(t, func(c *Config) { c.PageSize = 1 }) // page through every source
	seedAll(fb)
	got, err := b.List(context.Background(), handler.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	body := func(r string) []byte { return []byte(`{"requestId":"` + r + `"}`) }
	const maxDeliveries = "MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts."
	want := []handler.DeadLetter{
		{Source: "parked", Queue: "vendorflow-parked", MessageID: "p-1", RequestID: "r-1", Code: "Invalid", Reason: "vendor unknown",
			EnqueuedAt: at(1), DeadLetteredAt: at(1), Body: body("r-1")},
		{Source: "parked", Queue: "vendorflow-parked", MessageID: "p-3", RequestID: "r-3", Code: "NoSeat",
			Reason:     "no free Remote Assist seat (dead-lettered from the parking queue: MaxDeliveryCountExceeded)",
			EnqueuedAt: at(1), DeadLetteredAt: at(1), Attempts: 1, Body: body("r-3")},
		{Source: "deadletter", Queue: "vendorflow-onboard", MessageID: "d-1", RequestID: "r-1", Code: "MaxDeliveryCountExceeded",
			Reason: maxDeliveries, EnqueuedAt: at(1), DeadLetteredAt: at(1), DeliveryCount: 10, Body: body("r-1")},
		{Source: "deadletter", Queue: "vendorflow-offboard", MessageID: "d-2", RequestID: "r-4", Code: "MaxDeliveryCountExceeded",
			Reason: maxDeliveries, EnqueuedAt: at(1), DeadLetteredAt: at(1), Attempts: 2, DeliveryCount: 10, Body: body("r-4")},
		{Source: "parked", Queue: "vendorflow-parked", MessageID: "p-2", RequestID: "r-2", Code: "RetriesExhausted", Reason: "graph 503 after 8 attempts",
			EnqueuedAt: at(2), DeadLetteredAt: at(2), Attempts: 8, Body: body("r-2")},
		{Source: "deadletter", Queue: "vendorflow-offboard", MessageID: "d-3", RequestID: "r-5", Code: "TTLExpiredException",
			Reason: "TTLExpiredException", EnqueuedAt: at(2), DeadLetteredAt: at(2), DeliveryCount: 1, Body: body("r-5")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	// Peeking locks nothing and counts no delivery.
	if diff := cmp.Diff(map[string]uint32{"p-1": 0, "p-2": 0}, fb.deliveryCounts(parkedQ)); diff != "" {
		t.Errorf("delivery counts after List (-want +got):\n%s", diff)
	}
	if fb.openedRecv != 4 || fb.closedRecv != 4 {
		t.Errorf("receivers opened %d, closed %d; want 4 and 4", fb.openedRecv, fb.closedRecv)
	}
}

func TestListFilter(t *testing.T) {
	tests := []struct {
		name    string
		f       handler.Filter
		want    []string
		wantErr string
	}{
		{"all", handler.Filter{}, []string{"p-1", "p-3", "d-1", "d-2", "p-2", "d-3"}, ""},
		{"parked only", handler.Filter{Source: handler.SourceParked}, []string{"p-1", "p-3", "p-2"}, ""},
		{"dead letters only", handler.Filter{Source: handler.SourceDeadLetter}, []string{"d-1", "d-2", "d-3"}, ""},
		{"by message id", handler.Filter{MessageIDs: []string{"d-2", "p-2", "nope"}}, []string{"d-2", "p-2"}, ""},
		{"by request id", handler.Filter{RequestIDs: []string{"r-1"}}, []string{"p-1", "d-1"}, ""},
		{"by reason, any case", handler.Filter{Reason: "maxdelivery"}, []string{"p-3", "d-1", "d-2"}, ""},
		{"since", handler.Filter{Since: t0.Add(2 * time.Minute)}, []string{"p-2", "d-3"}, ""},
		{"all parts must match", handler.Filter{RequestIDs: []string{"r-1"}, Source: handler.SourceDeadLetter}, []string{"d-1"}, ""},
		{"nothing", handler.Filter{MessageIDs: []string{"nope"}}, nil, ""},
		{"unknown source", handler.Filter{Source: "inbox"}, nil, `unknown dead-letter source "inbox"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, fb := testBus(t, nil)
			seedAll(fb)
			got, err := b.List(context.Background(), tc.f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range got {
				ids = append(ids, d.MessageID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("listed ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListMaxList(t *testing.T) {
	b, fb := testBus(t, func(c *Config) { c.MaxList, c.PageSize = 3, 2 })
	for _, id := range []string{"p-1", "p-2", "p-3", "p-4"} {
		fb.seed(parkedQ, parkedMsg(id, "r", "onboard", "Invalid", "x", 0))
	}
	got, err := b.List(context.Background(), handler.Filter{Source: handler.SourceParked})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("listed %d messages, want MaxList = 3", len(got))
	}
}

// replayCase is one Replay or Purge run against seedAll.
type replayCase struct {
	name     string
	edit     func(*Config)
	prepare  func(*fakeBroker)
	f        handler.Filter
	wantN    int
	wantErr  string
	events   []string               // the broker's send/settle log, in order
	remain   map[entityKey][]string // message ids left per entity
	sent     []sentMessage          // for replay: the copies
	counts   map[string]uint32      // delivery counts on the parking queue afterwards
	skipSent bool
}

func TestReplay(t *testing.T) {
	copyOf := func(queue, id, requestID, kind string, attempt int) sentMessage {
		return sentMessage{Queue: queue, Message: &azservicebus.Message{
			MessageID: &id, CorrelationID: &requestID, ContentType: ptr("application/json"),
			Body:                  []byte(`{"requestId":"` + requestID + `"}`),
			ApplicationProperties: map[string]any{handler.PropAttempt: attempt, handler.PropKind: kind},
		}}
	}
	full := map[entityKey][]string{
		parkedQ: {"p-1", "p-2"}, parkedDLQ: {"p-3"}, onboardDLQ: {"d-1"}, offDLQ: {"d-2", "d-3"},
	}
	with := func(k entityKey, ids ...string) map[entityKey][]string {
		m := map[entityKey][]string{}
		for kk, v := range full {
			m[kk] = v
		}
		m[k] = ids
		return m
	}
	tests := []replayCase{
		{
			name:  "one parked message: copy sent before the original is completed, the other abandoned",
			f:     handler.Filter{MessageIDs: []string{"p-2"}},
			wantN: 1,
			events: []string{
				"send vendorflow-offboard p-2-replay-2",
				"complete vendorflow-parked p-2",
				"abandon vendorflow-parked p-1",
			},
			remain: with(parkedQ, "p-1"),
			// Attempt reset to 0 for a parked message.
			sent:   []sentMessage{copyOf("vendorflow-offboard", "p-2-replay-2", "r-2", "offboard", 0)},
			counts: map[string]uint32{"p-1": 1},
		},
		{
			name:  "a broker dead letter keeps its attempt count and goes back to its own queue's kind",
			f:     handler.Filter{MessageIDs: []string{"d-2"}},
			wantN: 1,
			events: []string{
				"send vendorflow-offboard d-2-replay-1",
				"complete vendorflow-offboard/$dlq d-2",
				"abandon vendorflow-offboard/$dlq d-3", // received in the same batch
			},
			remain: with(offDLQ, "d-3"),
			sent:   []sentMessage{copyOf("vendorflow-offboard", "d-2-replay-1", "r-4", "offboard", 2)},
		},
		{
			name:  "by request id across sources",
			f:     handler.Filter{RequestIDs: []string{"r-1"}},
			wantN: 2,
			events: []string{
				"send vendorflow-onboard p-1-replay-1",
				"complete vendorflow-parked p-1",
				"abandon vendorflow-parked p-2",
				"send vendorflow-onboard d-1-replay-1",
				"complete vendorflow-onboard/$dlq d-1",
			},
			remain: map[entityKey][]string{parkedQ: {"p-2"}, parkedDLQ: {"p-3"}, offDLQ: {"d-2", "d-3"}},
			sent: []sentMessage{
				copyOf("vendorflow-onboard", "p-1-replay-1", "r-1", "onboard", 0),
				copyOf("vendorflow-onboard", "d-1-replay-1", "r-1", "onboard", 0),
			},
		},
		{
			name:     "everything",
			f:        handler.Filter{},
			wantN:    6,
			remain:   map[entityKey][]string{},
			skipSent: true,
		},
		{
			name:    "send failure abandons the original instead of completing it",
			prepare: func(fb *fakeBroker) { fb.failSend["vendorflow-onboard"] = errTest },
			f:       handler.Filter{Source: handler.SourceParked},
			wantN:   0,
			wantErr: "replay p-1 from vendorflow-parked to vendorflow-onboard: injected",
			events: []string{
				"send-failed vendorflow-onboard p-1-replay-1",
				"abandon vendorflow-parked p-1",
				"abandon vendorflow-parked p-2",
			},
			remain: full,
			counts: map[string]uint32{"p-1": 1, "p-2": 1},
		},
		{
			name:    "complete failure after the send leaves a duplicate for the idempotent steps",
			prepare: func(fb *fakeBroker) { fb.failComplete = errTest },
			f:       handler.Filter{MessageIDs: []string{"d-1"}},
			wantErr: "complete d-1 on vendorflow-onboard/$deadletterqueue: injected",
			events: []string{
				"send vendorflow-onboard d-1-replay-1",
				"complete-failed vendorflow-onboard/$dlq d-1",
				"abandon vendorflow-onboard/$dlq d-1",
			},
			remain: full,
			sent:   []sentMessage{copyOf("vendorflow-onboard", "d-1-replay-1", "r-1", "onboard", 0)},
		},
		{
			name: "a parked message without a kind cannot be replayed",
			prepare: func(fb *fakeBroker) {
				fb.seed(parkedQ, parkedMsg("p-9", "r-9", "", "Invalid", "unparseable", 0))
			},
			f:       handler.Filter{MessageIDs: []string{"p-9"}},
			wantErr: `replay p-9 from vendorflow-parked: unknown message kind ""`,
			events: []string{
				"abandon vendorflow-parked p-1",
				"abandon vendorflow-parked p-2",
				"abandon vendorflow-parked p-9",
			},
			remain: with(parkedQ, "p-1", "p-2", "p-9"),
		},
		{
			name:    "a match locked by another receiver is left in place after ReceiveWait",
			prepare: func(fb *fakeBroker) { fb.lockAll(offDLQ) },
			f:       handler.Filter{MessageIDs: []string{"d-3"}},
			wantN:   0,
			remain:  full,
		},
		{
			name:  "MaxReplay bounds the messages received per source",
			edit:  func(c *Config) { c.MaxReplay = 1 },
			f:     handler.Filter{MessageIDs: []string{"p-2", "d-3"}},
			wantN: 0,
			events: []string{
				"abandon vendorflow-parked p-1",
				"abandon vendorflow-offboard/$dlq d-2",
			},
			remain: full,
		},
		{
			name:    "unknown source",
			f:       handler.Filter{Source: "inbox"},
			wantErr: "unknown dead-letter source",
			remain:  full,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runSettle(t, tc, (*Bus).Replay)
		})
	}
}

func TestPurge(t *testing.T) {
	full := map[entityKey][]string{
		parkedQ: {"p-1", "p-2"}, parkedDLQ: {"p-3"}, onboardDLQ: {"d-1"}, offDLQ: {"d-2", "d-3"},
	}
	tests := []replayCase{
		{
			name:  "by request id",
			f:     handler.Filter{RequestIDs: []string{"r-1"}},
			wantN: 2,
			events: []string{
				"complete vendorflow-parked p-1",
				"abandon vendorflow-parked p-2",
				"complete vendorflow-onboard/$dlq d-1",
			},
			remain: map[entityKey][]string{parkedQ: {"p-2"}, parkedDLQ: {"p-3"}, offDLQ: {"d-2", "d-3"}},
		},
		{
			name:  "by reason, skipping a non-match",
			f:     handler.Filter{Reason: "ttlexpired"},
			wantN: 1,
			events: []string{
				"complete vendorflow-offboard/$dlq d-3",
				"abandon vendorflow-offboard/$dlq d-2",
			},
			remain: map[entityKey][]string{parkedQ: {"p-1", "p-2"}, parkedDLQ: {"p-3"}, onboardDLQ: {"d-1"}, offDLQ: {"d-2"}},
		},
		{
			name:   "all parked",
			f:      handler.Filter{Source: handler.SourceParked},
			wantN:  3,
			remain: map[entityKey][]string{onboardDLQ: {"d-1"}, offDLQ: {"d-2", "d-3"}},
		},
		{
			name:   "all",
			f:      handler.Filter{},
			wantN:  6,
			remain: map[entityKey][]string{},
		},
		{
			name:    "complete failure",
			prepare: func(fb *fakeBroker) { fb.failComplete = errTest },
			f:       handler.Filter{MessageIDs: []string{"p-1"}},
			wantErr: "purge: complete p-1 on vendorflow-parked: injected",
			remain:  full,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.skipSent = true
			runSettle(t, tc, (*Bus).Purge)
		})
	}
}

func runSettle(t *testing.T, tc replayCase, op func(*Bus, context.Context, handler.Filter) (int, error)) {
	t.Helper()
	b, fb := testBus(t, tc.edit)
	seedAll(fb)
	if tc.prepare != nil {
		tc.prepare(fb)
	}
	fb.events = nil
	n, err := op(b, context.Background(), tc.f)
	if tc.wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	if n != tc.wantN {
		t.Errorf("n = %d, want %d", n, tc.wantN)
	}
	if tc.events != nil {
		if diff := cmp.Diff(tc.events, fb.events); diff != "" {
			t.Errorf("broker events (-want +got):\n%s", diff)
		}
	}
	got := map[entityKey][]string{}
	for _, k := range []entityKey{parkedQ, parkedDLQ, onboardDLQ, offDLQ} {
		if ids := fb.ids(k); len(ids) > 0 {
			got[k] = ids
		}
	}
	if diff := cmp.Diff(tc.remain, got, cmp.AllowUnexported(entityKey{})); diff != "" {
		t.Errorf("messages left (-want +got):\n%s", diff)
	}
	if !tc.skipSent {
		if diff := cmp.Diff(tc.sent, fb.sent); diff != "" {
			t.Errorf("copies sent (-want +got):\n%s", diff)
		}
	}
	if tc.counts != nil {
		if diff := cmp.Diff(tc.counts, fb.deliveryCounts(parkedQ)); diff != "" {
			t.Errorf("parking queue delivery counts (-want +got):\n%s", diff)
		}
	}
	if fb.openedRecv != fb.closedRecv {
		t.Errorf("receivers opened %d, closed %d", fb.openedRecv, fb.closedRecv)
	}
	// Nothing is left locked: every received message was completed or abandoned.
	for k, ss := range fb.entities {
		for _, s := range ss {
			if s.locked && k != offDLQ {
				t.Errorf("%s %s left locked", k, s.msg.MessageID)
			}
		}
	}
}
