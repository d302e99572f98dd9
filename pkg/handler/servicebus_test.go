package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

const body = `{"schemaVersion":1,"requestId":"req-1"}`

func sbEnvelope(t *testing.T, attempt any) []byte {
	t.Helper()
	m := funchost.ServiceBusMessage{Body: []byte(body), MessageID: "msg-1", DeliveryCount: 1, EnqueuedTime: t0}
	if attempt != nil {
		m.ApplicationProperties = map[string]any{PropAttempt: attempt}
	}
	env, err := funchost.EncodeServiceBus("message", m)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestServiceBus(t *testing.T) {
	out := func(id string, attempt int) OutMessage {
		// every copy carries the original's enqueue time as its intent
		return OutMessage{MessageID: id, Kind: "onboard", Body: []byte(body), Attempt: attempt, CorrelationID: "req-1", IntentAt: t0}
	}
	tests := []struct {
		name      string
		attempt   any // application property; nil = absent
		res       engine.Result
		err       error
		busErr    error
		status    int
		scheduled []scheduled
		parked    []Parked
		action    string
		outcome   string // told to Config.Observer
	}{
		{
			name:    "done: 200, no bus traffic",
			outcome: SettledDone,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestDone},
			status:  200, action: "none",
		},
		{
			name:    "already done: 200, no bus traffic",
			outcome: SettledDone,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestDone, AlreadyDone: true},
			status:  200, action: "none",
		},
		{
			name:    "superseded: 200, no bus traffic",
			outcome: SettledSuperseded,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestSuperseded},
			status:  200, action: "none",
		},
		{
			name:    "invalid: parked on the first delivery with its reason",
			outcome: SettledParked,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestParked, Code: domain.Invalid, Reason: "vendor: unknown vendor"},
			status:  200, action: "parked",
			parked: []Parked{{OutMessage: out("msg-1", 0), Code: "invalid", Reason: "vendor: unknown vendor"}},
		},
		{
			name:    "business: parked",
			outcome: SettledParked,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestParked, Code: domain.Business, Reason: "no free seat"},
			status:  200, action: "parked",
			parked: []Parked{{OutMessage: out("msg-1", 0), Code: "business", Reason: "no free seat"}},
		},
		{
			name:    "transient, first run: scheduled after the base backoff with attempt 1",
			outcome: SettledRetrying,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient, Reason: "429"},
			status:  200, action: "scheduled",
			scheduled: []scheduled{{out(RetryMessageID("req-1", "msg-1", 1), 1), t0.Add(30 * time.Second)}},
		},
		{
			name:    "transient, attempt 3 (float64): backoff doubles",
			outcome: SettledRetrying,
			attempt: float64(3),
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient},
			status:  200, action: "scheduled",
			scheduled: []scheduled{{out(RetryMessageID("req-1", "msg-1", 4), 4), t0.Add(240 * time.Second)}},
		},
		{
			name:    "transient, attempt as a string; Retry-After longer than the backoff wins",
			outcome: SettledRetrying,
			attempt: "2",
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient, RetryAfter: 10 * time.Minute},
			status:  200, action: "scheduled",
			scheduled: []scheduled{{out(RetryMessageID("req-1", "msg-1", 3), 3), t0.Add(10 * time.Minute)}},
		},
		{
			name:    "transient, attempt 7: backoff capped at 30m",
			outcome: SettledRetrying,
			attempt: json.Number("7"),
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient},
			status:  200, action: "scheduled",
			scheduled: []scheduled{{out(RetryMessageID("req-1", "msg-1", 8), 8), t0.Add(30 * time.Minute)}},
		},
		{
			name:    "attempt past max: parked, gave up",
			outcome: SettledParked,
			attempt: float64(8),
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient, Reason: "503 from Graph"},
			status:  200, action: "parked",
			parked: []Parked{{OutMessage: out("msg-1", 8), Code: "transient", Reason: "gave up after 9 attempts: 503 from Graph"}},
		},
		{
			name:    "waiting for the write budget, even past max: deferred, attempt unchanged",
			outcome: SettledDeferred,
			attempt: float64(8),
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient, RetryAfter: 7 * time.Second, Deferred: true},
			status:  200, action: "deferred",
			scheduled: []scheduled{{out(DeferMessageID("msg-1"), 8), t0.Add(7 * time.Second)}},
		},
		{
			name:    "unreadable attempt counts from 0",
			outcome: SettledRetrying,
			attempt: "many",
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Internal},
			status:  200, action: "scheduled",
			scheduled: []scheduled{{out(RetryMessageID("req-1", "msg-1", 1), 1), t0.Add(30 * time.Second)}},
		},
		{
			name:    "processor error: 500 so the host abandons",
			outcome: SettledFailed,
			err:     errJournalDown,
			status:  500,
		},
		{
			name:    "unexpected engine status: 500",
			outcome: SettledFailed,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRunning},
			status:  500,
		},
		{
			name:    "bus down while parking: 500",
			outcome: SettledFailed,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestParked, Code: domain.Invalid},
			busErr:  fmt.Errorf("amqp: link detached"),
			status:  500,
		},
		{
			name:    "bus down while scheduling: 500",
			outcome: SettledFailed,
			res:     engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient},
			busErr:  fmt.Errorf("amqp: link detached"),
			status:  500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var settled []Settled
			r := newRig(t, func(c *Config) { c.Observer = func(s Settled) { settled = append(settled, s) } })
			r.proc.res, r.proc.err = tt.res, tt.err
			r.bus.err = tt.busErr
			status, ctype, resp := r.invoke(t, "onboard", sbEnvelope(t, tt.attempt))
			if status != tt.status {
				t.Fatalf("status = %d, want %d; logs %v", status, tt.status, resp.Logs)
			}
			if ctype != "application/json" {
				t.Errorf("Content-Type = %q", ctype)
			}
			if diff := cmp.Diff([]call{{"onboard", body}}, r.proc.calls); diff != "" {
				t.Errorf("processor calls (-want +got):\n%s", diff)
			}
			if !r.proc.hadDeadline {
				t.Error("the run had no deadline")
			}
			if diff := cmp.Diff(tt.scheduled, r.bus.scheduled); diff != "" {
				t.Errorf("scheduled (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.parked, r.bus.parked); diff != "" {
				t.Errorf("parked (-want +got):\n%s", diff)
			}
			if len(r.bus.sent) != 0 {
				t.Errorf("sent %v", r.bus.sent)
			}
			if tt.status == 200 {
				rv, _ := resp.ReturnValue.(map[string]any)
				if rv["action"] != tt.action {
					t.Errorf("ReturnValue = %v, want action %q", resp.ReturnValue, tt.action)
				}
			}
			if diff := cmp.Diff([]Settled{{Kind: "onboard", Outcome: tt.outcome}}, settled); diff != "" {
				t.Errorf("settled (-want +got):\n%s", diff)
			}
			if strings.Contains(r.logs.String(), "schemaVersion") {
				t.Error("a message body reached the logs")
			}
			for _, line := range strings.Split(strings.TrimSpace(r.logs.String()), "\n") {
				if !strings.Contains(line, `"invocationId":"inv-1"`) || !strings.Contains(line, `"messageId":"msg-1"`) || !strings.Contains(line, `"requestId":"req-1"`) {
					t.Errorf("a log line lacks the invocation's ids: %s", line)
				}
			}
		})
	}
}

func TestServiceBusOffboardKind(t *testing.T) {
	r := newRig(t)
	r.proc.res = engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient}
	if status, _, _ := r.invoke(t, "offboard", sbEnvelope(t, nil)); status != 200 {
		t.Fatalf("status = %d", status)
	}
	if r.proc.calls[0].Kind != "offboard" || r.bus.scheduled[0].Msg.Kind != "offboard" {
		t.Errorf("kind not carried: %v %v", r.proc.calls, r.bus.scheduled)
	}
}

// The message's enqueue time reaches the engine as the request's intent
// time, which orders competing requests for one account.
func TestServiceBusPassesIntentTime(t *testing.T) {
	r := newRig(t)
	r.proc.res = engine.Result{RequestID: "req-1", Status: domain.RequestDone}
	if status, _, _ := r.invoke(t, "onboard", sbEnvelope(t, nil)); status != 200 {
		t.Fatalf("status = %d", status)
	}
	if len(r.proc.intents) != 1 || !r.proc.intents[0].Equal(t0) {
		t.Fatalf("intent times = %v, want [%v]", r.proc.intents, t0)
	}
}

// A copy of a request (a retry, a deferral) carries the original's
// enqueue time, and that, not the copy's own, is the intent the engine
// is given; a copy it sends carries it on. A deferral made before the
// journal had seen the request used to give the request the copy's later
// enqueue time, which could put an older request ahead of a newer one for
// the same account (found by the long chaos run).
func TestServiceBusCopiesKeepTheIntentTime(t *testing.T) {
	r := newRig(t)
	r.proc.res = engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient}
	first := t0.Add(-time.Hour)
	m := funchost.ServiceBusMessage{Body: []byte(body), MessageID: "msg-1", DeliveryCount: 1, EnqueuedTime: t0,
		ApplicationProperties: map[string]any{PropIntentAt: first.Format(time.RFC3339Nano)}}
	env, err := funchost.EncodeServiceBus("message", m)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := r.invoke(t, "onboard", env); status != 200 {
		t.Fatalf("status = %d", status)
	}
	if len(r.proc.intents) != 1 || !r.proc.intents[0].Equal(first) {
		t.Fatalf("intent times = %v, want [%v]", r.proc.intents, first)
	}
	if len(r.bus.scheduled) != 1 || !r.bus.scheduled[0].Msg.IntentAt.Equal(first) {
		t.Fatalf("the retry carries %v, want %v", r.bus.scheduled, first)
	}
	if got := r.bus.scheduled[0].Msg.AppProperties()[PropIntentAt]; got != first.UTC().Format(time.RFC3339Nano) {
		t.Fatalf("the retry's %s property = %v", PropIntentAt, got)
	}
}

// TestServiceBusMalformed feeds the captured bad envelopes of pkg/funchost:
// each is a 400 (the host abandons it; the broker dead-letters it after
// MaxDeliveryCount), never a panic, and nothing reaches the engine.
func TestServiceBusMalformed(t *testing.T) {
	files, err := filepath.Glob("../funchost/testdata/bad_*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		if strings.Contains(f, "bad_http_") || strings.Contains(f, "bad_timer_") || strings.Contains(f, "bad_resp_") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			env, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := newRig(t)
			status, ctype, resp := r.invoke(t, "onboard", env)
			if status != http.StatusBadRequest || ctype != "application/json" {
				t.Fatalf("status %d %q, want 400 application/json; logs %v", status, ctype, resp.Logs)
			}
			if len(r.proc.calls) != 0 {
				t.Errorf("the engine ran: %v", r.proc.calls)
			}
		})
	}
}

// An envelope over the decoder's cap is a 413 and nothing reaches the
// engine; one just under the cap is not refused for its size.
func TestServiceBusEnvelopeTooLarge(t *testing.T) {
	envelope := func(size int) []byte {
		return []byte(`{"Data":{"message":"` + strings.Repeat("a", size) + `"}}`)
	}
	r := newRig(t)
	status, _, resp := r.invoke(t, "onboard", envelope(int(funchost.DefaultMaxServiceBusBytes)+1))
	if status != http.StatusRequestEntityTooLarge || len(resp.Logs) == 0 || !strings.Contains(resp.Logs[0], "too large") {
		t.Fatalf("status %d, logs %v; want 413 saying too large", status, resp.Logs)
	}
	if len(r.proc.calls) != 0 {
		t.Errorf("the engine ran: %v", r.proc.calls)
	}
	if status, _, _ := newRig(t).invoke(t, "onboard", envelope(int(funchost.DefaultMaxServiceBusBytes)-64)); status == http.StatusRequestEntityTooLarge {
		t.Error("an envelope under the cap was refused as too large")
	}
}

// TestServiceBusFixtures runs captured good envelopes: every body form the
// host has been seen to send reaches the engine.
func TestServiceBusFixtures(t *testing.T) {
	for _, name := range []string{"sb_minimal.json", "sb_binary.json", "sb_quoted_json.json", "sb_raw_object.json", "sb_doubly_quoted.json"} {
		t.Run(name, func(t *testing.T) {
			env, err := os.ReadFile(filepath.Join("../funchost/testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			r := newRig(t)
			r.proc.res = engine.Result{RequestID: "x", Status: domain.RequestDone}
			if status, _, resp := r.invoke(t, "onboard", env); status != 200 {
				t.Fatalf("status %d; logs %v", status, resp.Logs)
			}
			if len(r.proc.calls) != 1 {
				t.Fatalf("engine calls %d", len(r.proc.calls))
			}
		})
	}
}

func TestServiceBusPanicIs500(t *testing.T) {
	r := newRig(t)
	r.proc.panicValue = "boom"
	status, ctype, _ := r.invoke(t, "onboard", sbEnvelope(t, nil))
	if status != 500 || ctype != "application/json" {
		t.Fatalf("status %d %q", status, ctype)
	}
}

// deliver hands the handler one delivery of message id with the given
// attempt property and delivery count, as the host does.
func (r *rig) deliver(t *testing.T, id string, attempt, deliveryCount int) int {
	t.Helper()
	m := funchost.ServiceBusMessage{
		Body: []byte(body), MessageID: id, DeliveryCount: deliveryCount, EnqueuedTime: t0,
		ApplicationProperties: map[string]any{PropAttempt: attempt},
	}
	env, err := funchost.EncodeServiceBus("message", m)
	if err != nil {
		t.Fatal(err)
	}
	status, _, resp := r.invoke(t, "onboard", env)
	if status != 200 {
		t.Fatalf("delivery of %s: status %d; logs %v", id, status, resp.Logs)
	}
	return status
}

// TestRetryIDsAfterReplay follows a request through a run that retries
// until it is parked, and a replay of the parked message: the replayed
// run's first retry must not reuse "-retry-1" of the first run (Service Bus
// duplicate detection includes scheduled messages and would drop it
// silently), and a redelivery of one message must schedule the same id, so
// that two hosts retrying one delivery collapse into one retry.
func TestRetryIDsAfterReplay(t *testing.T) {
	r := newRig(t)
	r.h.cfg.MaxAttempts = 2
	r.proc.res = engine.Result{RequestID: "req-1", Status: domain.RequestRetrying, Code: domain.Transient, Reason: "503"}
	used := map[string]string{} // message id -> what used it

	// First run: the original, its two retries, then parked.
	id := "req-1"
	used[id] = "original"
	for attempt := 0; attempt < 2; attempt++ {
		r.deliver(t, id, attempt, 1)
		next := r.bus.scheduled[len(r.bus.scheduled)-1].Msg
		if !strings.Contains(next.MessageID, fmt.Sprintf("-retry-%d-", attempt+1)) {
			t.Fatalf("retry id %q lacks -retry-%d-", next.MessageID, attempt+1)
		}
		if what, ok := used[next.MessageID]; ok {
			t.Fatalf("retry %d reuses %q of the %s", attempt+1, next.MessageID, what)
		}
		used[next.MessageID] = fmt.Sprintf("first run's retry %d", attempt+1)
		id = next.MessageID
	}
	r.deliver(t, id, 2, 1)
	if len(r.bus.parked) != 1 {
		t.Fatalf("parked %v, want the last retry", r.bus.parked)
	}
	parkedID := r.bus.parked[0].MessageID

	// The replay: a copy with the replay id and attempt 0, as both
	// DeadLetterStores send it.
	replayed := ReplayMessageID(parkedID, 17)
	if _, ok := used[replayed]; ok {
		t.Fatalf("replay id %q was used before", replayed)
	}
	used[replayed] = "replay"
	before := len(r.bus.scheduled)
	r.deliver(t, replayed, 0, 1)
	first := r.bus.scheduled[before].Msg
	if first.Attempt != 1 {
		t.Errorf("replayed run's retry has attempt %d, want 1", first.Attempt)
	}
	if what, ok := used[first.MessageID]; ok {
		t.Fatalf("replayed run's first retry reuses %q of the %s: duplicate detection would drop it", first.MessageID, what)
	}

	// A redelivery of the replayed message (the host abandoned it after
	// the retry was scheduled, or a second host got it) schedules the same id.
	r.deliver(t, replayed, 0, 2)
	if again := r.bus.scheduled[before+1].Msg.MessageID; again != first.MessageID {
		t.Errorf("redelivery scheduled %q, want the same id %q", again, first.MessageID)
	}
	for _, s := range r.bus.scheduled {
		if len(s.Msg.MessageID) > MaxMessageID {
			t.Errorf("retry id %q is longer than %d", s.Msg.MessageID, MaxMessageID)
		}
	}
}

// fakeAdmission answers Delay with a fixed wait, or an error.
type fakeAdmission struct {
	d   time.Duration
	err error
}

func (a fakeAdmission) Delay(context.Context) (time.Duration, error) { return a.d, a.err }

// A message whose first Graph write would wait longer than MaxHold is not
// run: it is rescheduled for when the token is due, with its attempt count
// unchanged, and the delivery completes. Up to MaxHold, or when the budget
// cannot say, it runs.
func TestServiceBusDefersWhenTheWriteBudgetIsFar(t *testing.T) {
	tests := []struct {
		name     string
		adm      fakeAdmission
		deferred bool
	}{
		{"tokens now", fakeAdmission{d: 0}, false},
		{"within MaxHold", fakeAdmission{d: DefaultMaxHold}, false},
		{"beyond MaxHold", fakeAdmission{d: DefaultMaxHold + 1500*time.Millisecond}, true},
		{"budget unavailable", fakeAdmission{err: errors.New("table down")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var settled []Settled
			r := newRig(t, func(c *Config) {
				c.Admission = tt.adm
				c.Observer = func(s Settled) { settled = append(settled, s) }
			})
			r.proc.res = engine.Result{RequestID: "req-1", Status: domain.RequestDone}
			status, _, resp := r.invoke(t, "onboard", sbEnvelope(t, 2))
			if status != 200 {
				t.Fatalf("status = %d", status)
			}
			want := Settled{Kind: "onboard", Outcome: SettledDone}
			if tt.deferred {
				want = Settled{Kind: "onboard", Outcome: SettledDeferred, Admission: true}
			}
			if diff := cmp.Diff([]Settled{want}, settled); diff != "" {
				t.Errorf("settled (-want +got):\n%s", diff)
			}
			if ran := len(r.proc.calls) == 1; ran == tt.deferred {
				t.Fatalf("engine runs %d, want deferred %v", len(r.proc.calls), tt.deferred)
			}
			if !tt.deferred {
				if len(r.bus.scheduled) != 0 {
					t.Errorf("scheduled %v", r.bus.scheduled)
				}
				return
			}
			if len(r.bus.scheduled) != 1 {
				t.Fatalf("scheduled %v, want one deferral", r.bus.scheduled)
			}
			got := r.bus.scheduled[0]
			if got.Msg.Attempt != 2 || got.Msg.MessageID != DeferMessageID("msg-1") || got.Msg.Kind != "onboard" || string(got.Msg.Body) != body {
				t.Errorf("deferred copy %+v", got.Msg)
			}
			if want := t0.Add(tt.adm.d); !got.At.Equal(want) {
				t.Errorf("deferred to %v, want %v", got.At, want)
			}
			var reply sbReply
			b, _ := json.Marshal(resp.ReturnValue)
			if err := json.Unmarshal(b, &reply); err != nil || reply.Status != "deferred" || reply.Action != "scheduled" {
				t.Errorf("reply %s (%v)", b, err)
			}
		})
	}
}
