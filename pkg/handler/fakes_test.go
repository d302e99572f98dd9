package handler

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/logctx"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type call struct {
	Kind    string
	Payload string
}

type fakeProcessor struct {
	mu          sync.Mutex
	res         engine.Result
	err         error
	panicValue  any
	calls       []call
	hadDeadline bool
	intents     []time.Time
}

func (p *fakeProcessor) ProcessWith(ctx context.Context, kind string, payload []byte, o engine.ProcessOptions) (engine.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.panicValue != nil {
		panic(p.panicValue)
	}
	_, p.hadDeadline = ctx.Deadline()
	p.calls = append(p.calls, call{kind, string(payload)})
	p.intents = append(p.intents, o.IntentAt)
	return p.res, p.err
}

type scheduled struct {
	Msg OutMessage
	At  time.Time
}

type fakeBus struct {
	mu        sync.Mutex
	err       error
	sent      []OutMessage
	scheduled []scheduled
	parked    []Parked
}

func (b *fakeBus) Send(_ context.Context, m OutMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.sent = append(b.sent, m)
	return nil
}

func (b *fakeBus) Schedule(_ context.Context, m OutMessage, at time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.scheduled = append(b.scheduled, scheduled{m, at})
	return nil
}

func (b *fakeBus) Park(_ context.Context, p Parked) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.parked = append(b.parked, p)
	return nil
}

type fakeDeadLetters struct {
	items    []DeadLetter
	err      error
	listed   []Filter
	replayed []Filter
	purged   []Filter
}

func (d *fakeDeadLetters) List(_ context.Context, f Filter) ([]DeadLetter, error) {
	d.listed = append(d.listed, f)
	if d.err != nil {
		return nil, d.err
	}
	var out []DeadLetter
	for _, it := range d.items {
		if f.Matches(it) {
			out = append(out, it)
		}
	}
	return out, nil
}

func (d *fakeDeadLetters) Replay(_ context.Context, f Filter) (int, error) {
	d.replayed = append(d.replayed, f)
	return len(d.items), d.err
}

func (d *fakeDeadLetters) Purge(_ context.Context, f Filter) (int, error) {
	d.purged = append(d.purged, f)
	return len(d.items), d.err
}

type fakeStatus struct {
	records map[string]domain.RequestRecord
	steps   map[string][]domain.StepRecord
	err     error
}

func (s *fakeStatus) Request(_ context.Context, id string) (domain.RequestRecord, error) {
	if s.err != nil {
		return domain.RequestRecord{}, s.err
	}
	r, ok := s.records[id]
	if !ok {
		return domain.RequestRecord{}, domain.Errorf(domain.NotFound, "request %s not found", id)
	}
	return r, nil
}

func (s *fakeStatus) Steps(_ context.Context, id string) ([]domain.StepRecord, error) {
	return s.steps[id], nil
}

type fakeSweeper struct {
	expired    []engine.Expiry
	warned     []engine.Warning
	deleted    []string
	expiredErr error
	nows       []time.Time
	// handing, when set, is called before the i-th expiry is handed over
	handing func(i int)
}

func (s *fakeSweeper) ScanContracts(_ context.Context, now time.Time, expired func(engine.Expiry) error) (engine.ContractScan, error) {
	s.nows = append(s.nows, now)
	for i, x := range s.expired {
		if s.handing != nil {
			s.handing(i)
		}
		if err := expired(x); err != nil {
			return engine.ContractScan{Expired: i}, err
		}
	}
	return engine.ContractScan{Expired: len(s.expired)}, s.expiredErr
}

func (s *fakeSweeper) WarnSoon(_ context.Context, now time.Time, _ []domain.User) ([]engine.Warning, error) {
	return s.warned, nil
}

func (s *fakeSweeper) DeletePastRetention(_ context.Context, now time.Time) ([]string, error) {
	return s.deleted, nil
}

type fakeReconciler struct {
	rep  engine.Reconciliation
	err  error
	runs []bool // dryRun of each call
}

func (f *fakeReconciler) Reconcile(_ context.Context, _ time.Time, dryRun bool) (engine.Reconciliation, error) {
	f.runs = append(f.runs, dryRun)
	return f.rep, f.err
}

// rig is a Handler over fakes.
type rig struct {
	h      *Handler
	clock  *clock.Fake
	proc   *fakeProcessor
	bus    *fakeBus
	dl     *fakeDeadLetters
	status *fakeStatus
	sweep  *fakeSweeper
	recon  *fakeReconciler
	logs   *strings.Builder
}

func newRig(t *testing.T, opts ...func(*Config)) *rig {
	t.Helper()
	r := &rig{
		clock:  clock.NewFake(t0),
		proc:   &fakeProcessor{},
		bus:    &fakeBus{},
		dl:     &fakeDeadLetters{},
		status: &fakeStatus{},
		sweep:  &fakeSweeper{},
		recon:  &fakeReconciler{},
		logs:   &strings.Builder{},
	}
	cfg := Config{
		Processor: r.proc, Bus: r.bus, DeadLetters: r.dl, Status: r.status, Sweeper: r.sweep, Reconciler: r.recon,
		Clock: r.clock,
		// as the binary builds its loggers (cmd/vendorflow root.go)
		Logger: slog.New(logctx.NewHandler(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.h = h
	return r
}

// invoke sends envelope to /function as the host does and returns the
// status, the Content-Type and the decoded reply.
func (r *rig) invoke(t *testing.T, function string, envelope []byte) (int, string, funchost.Response) {
	t.Helper()
	req, err := funchost.NewRequest(context.Background(), "http://127.0.0.1:7071", function, "inv-1", envelope)
	if err != nil {
		t.Fatal(err)
	}
	return r.do(t, req)
}

func (r *rig) do(t *testing.T, req *http.Request) (int, string, funchost.Response) {
	t.Helper()
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	resp, err := funchost.DecodeResponse(body)
	if err != nil {
		t.Fatalf("reply is not a host response: %v: %s", err, body)
	}
	return rec.Code, rec.Header().Get("Content-Type"), resp
}

var errJournalDown = errors.New("journal: disk I/O error")
