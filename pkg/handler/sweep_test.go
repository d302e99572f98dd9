package handler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

func timerEnvelope(t *testing.T) []byte {
	t.Helper()
	env, err := funchost.EncodeTimer("timer", funchost.TimerInfo{Last: t0.Add(-24 * time.Hour), Next: t0.Add(24 * time.Hour), LastUpdated: t0})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestSweepTwiceSendsSameMessageIDs(t *testing.T) {
	r := newRig(t)
	r.sweep.expired = []engine.Expiry{
		{UPN: "a@abc.com", ContractEnd: t0.Add(-time.Hour), MessageID: "offboard-a-1", Payload: []byte(`{"requestId":"offboard-a-1"}`)},
		{UPN: "b@abc.com", ContractEnd: t0.Add(-2 * time.Hour), MessageID: "offboard-b-1", Payload: []byte(`{"requestId":"offboard-b-1"}`)},
	}
	r.sweep.deleted = []string{"old@abc.com"}
	r.sweep.warned = []engine.Warning{{UPN: "soon@abc.com", Sponsor: "pat@abc.com"}}
	for i := 0; i < 2; i++ {
		status, ctype, resp := r.invoke(t, "expiry-sweep", timerEnvelope(t))
		if status != 200 || ctype != "application/json" {
			t.Fatalf("sweep %d: status %d %q; logs %v", i, status, ctype, resp.Logs)
		}
		// a bus that sends one by one cannot tell a duplicate: sent only
		want := map[string]any{"expired": 2.0, "sent": 2.0, "failed": 0.0, "warned": 1.0, "deleted": 1.0}
		if diff := cmp.Diff(want, resp.ReturnValue); diff != "" {
			t.Errorf("ReturnValue (-want +got):\n%s", diff)
		}
		r.clock.Advance(time.Minute)
	}
	var ids []string
	for _, m := range r.bus.sent {
		if m.Kind != "offboard" || m.CorrelationID != m.MessageID {
			t.Errorf("sent %+v", m)
		}
		ids = append(ids, m.MessageID)
	}
	want := []string{"offboard-a-1", "offboard-b-1", "offboard-a-1", "offboard-b-1"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("message ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Time{t0, t0.Add(time.Minute)}, r.sweep.nows); diff != "" {
		t.Errorf("sweep times (-want +got):\n%s", diff)
	}
}

func TestSweepFailures(t *testing.T) {
	tests := []struct {
		name       string
		busErr     error
		expiredErr error
		envelope   []byte
		status     int
	}{
		{name: "bus down: 500", busErr: errors.New("amqp: detached"), status: 500},
		{name: "directory down: 500", expiredErr: errors.New("graph: 503"), status: 500},
		{name: "malformed timer: 400", envelope: []byte(`{"Data":{"timer":5},"Metadata":{}}`), status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.sweep.expired = []engine.Expiry{{MessageID: "offboard-a-1", Payload: []byte(`{}`)}}
			r.sweep.expiredErr, r.bus.err = tt.expiredErr, tt.busErr
			env := tt.envelope
			if env == nil {
				env = timerEnvelope(t)
			}
			status, ctype, resp := r.invoke(t, "expiry-sweep", env)
			if status != tt.status || ctype != "application/json" {
				t.Fatalf("status %d %q, want %d; logs %v", status, ctype, tt.status, resp.Logs)
			}
		})
	}
}

// The reconcile timer runs a real (not dry) reconcile and replies its
// counts; a failed run replies 500 with the counts so far.
func TestReconcileTimer(t *testing.T) {
	r := newRig(t)
	r.recon.rep = engine.Reconciliation{Checked: 3, Busy: []string{"c@abc.com"}, Drifts: []engine.Drift{
		{UPN: "a@abc.com", What: "licenses", Repair: "assign X", Repaired: true},
		{UPN: "b@abc.com", What: "marker", Report: "not ours"},
	}}
	status, _, resp := r.invoke(t, "reconcile", timerEnvelope(t))
	want := map[string]any{"checked": 3.0, "drifts": 2.0, "repaired": 1.0, "reported": 1.0, "busy": 1.0}
	if status != 200 || !cmp.Equal(want, resp.ReturnValue) || !cmp.Equal([]bool{false}, r.recon.runs) {
		t.Fatalf("status %d, reply %v, runs %v", status, resp.ReturnValue, r.recon.runs)
	}
	r.recon.err = errJournalDown
	if status, _, resp := r.invoke(t, "reconcile", timerEnvelope(t)); status != 500 || !strings.Contains(strings.Join(resp.Logs, "\n"), "reconcile incomplete") {
		t.Fatalf("failing run: %d %v", status, resp.Logs)
	}
	if status, _, _ := r.invoke(t, "reconcile", []byte(`{"Data":{}}`)); status != 400 {
		t.Fatalf("malformed timer envelope: %d", status)
	}
}

// batchBus is a fakeBus that takes batches and detects duplicates, as the
// embedded queue does (every message id it has seen).
type batchBus struct {
	*fakeBus
	batches []int
	seen    map[string]bool
}

func (b *batchBus) SendBatch(_ context.Context, ms []OutMessage) (BatchResult, error) {
	b.batches = append(b.batches, len(ms))
	b.sent = append(b.sent, ms...)
	res := BatchResult{Counted: true}
	for _, m := range ms {
		if b.seen[m.MessageID] {
			res.Duplicates++
		}
		if b.seen == nil {
			b.seen = map[string]bool{}
		}
		b.seen[m.MessageID] = true
	}
	return res, nil
}

// A second sweep that finds the same expiries sends the same message ids,
// which duplicate detection drops: its reply and its log line say so
// (sent, and of those enqueued and dropped), instead of counting them as
// enqueued again.
func TestSweepReportsDuplicatesApart(t *testing.T) {
	bus := &batchBus{fakeBus: &fakeBus{}}
	r := newRig(t, func(c *Config) { c.Bus = bus })
	r.sweep.expired = []engine.Expiry{
		{UPN: "a@abc.com", MessageID: "offboard-a-1", Payload: []byte(`{}`)},
		{UPN: "b@abc.com", MessageID: "offboard-b-1", Payload: []byte(`{}`)},
	}
	for i, want := range []struct {
		enqueued, duplicates float64
		line                 string
	}{
		{2, 0, "2 sent: 2 enqueued, 0 dropped as duplicates"},
		{0, 2, "2 sent: 0 enqueued, 2 dropped as duplicates"},
	} {
		status, _, resp := r.invoke(t, "expiry-sweep", timerEnvelope(t))
		if status != 200 {
			t.Fatalf("sweep %d: status %d; logs %v", i+1, status, resp.Logs)
		}
		got := resp.ReturnValue.(map[string]any)
		if got["sent"] != 2.0 || got["enqueued"] != want.enqueued || got["duplicates"] != want.duplicates {
			t.Errorf("sweep %d replied %v, want 2 sent, %v enqueued, %v duplicates", i+1, got, want.enqueued, want.duplicates)
		}
		if !strings.Contains(strings.Join(resp.Logs, "\n"), want.line) {
			t.Errorf("sweep %d logs %q, want %q", i+1, resp.Logs, want.line)
		}
	}
}

// On a bus that takes batches the sweep enqueues in slices of SweepBatch:
// every expired account once, in order, each batch as soon as the listing
// has found it (the sweep never holds more than one batch).
func TestSweepEnqueuesInBatches(t *testing.T) {
	bus := &batchBus{fakeBus: &fakeBus{}}
	r := newRig(t, func(c *Config) { c.Bus = bus })
	n := 2*SweepBatch + 1
	for i := range n {
		id := fmt.Sprintf("expiry-%04d", i)
		r.sweep.expired = append(r.sweep.expired, engine.Expiry{UPN: id + "@abc.com", MessageID: id, Payload: []byte(`{}`)})
	}
	r.sweep.handing = func(i int) {
		if want := i / SweepBatch * SweepBatch; len(bus.sent) != want {
			t.Errorf("before expiry %d was handed over %d were sent, want %d", i, len(bus.sent), want)
		}
	}
	status, _, resp := r.invoke(t, "expiry-sweep", timerEnvelope(t))
	if status != 200 {
		t.Fatalf("status %d; logs %v", status, resp.Logs)
	}
	if diff := cmp.Diff([]int{SweepBatch, SweepBatch, 1}, bus.batches); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if len(bus.sent) != n || bus.sent[n-1].MessageID != fmt.Sprintf("expiry-%04d", n-1) {
		t.Errorf("%d sent, want %d in order", len(bus.sent), n)
	}
	if got := resp.ReturnValue.(map[string]any)["enqueued"]; got != float64(n) {
		t.Errorf("enqueued %v, want %d", got, n)
	}
	if got := resp.ReturnValue.(map[string]any)["duplicates"]; got != 0.0 {
		t.Errorf("duplicates %v, want 0", got)
	}
}
