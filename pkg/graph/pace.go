package graph

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	khttp "github.com/microsoft/kiota-http-go"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Write pacing defaults: Graph allows 3,000 identity writes per 150 s per
// app per tenant (REFERENCE §2 "Faults, limits, consistency"; DOCS
// throttling-limits). vendorflow paces itself to 80 % of that, the level
// above which Graph starts sending x-ms-throttle-limit-percentage, so that
// the quota is respected by pacing rather than discovered by 429s.
const (
	DefaultWriteLimit  = 2400
	DefaultWriteWindow = 150 * time.Second
)

// Feedback constants shared by every WriteBudget implementation.
const (
	// PressureTarget is the share of Graph's limit vendorflow aims at: a
	// budget told that use is p > PressureTarget slows its rate by
	// PressureTarget/p.
	PressureTarget = 0.8
	// DefaultThrottlePause is the pause applied on a 429 without a usable
	// Retry-After.
	DefaultThrottlePause = time.Second
	// ThrottlePercentageHeader is the header Graph sends once an app has used
	// more than 80 % of a limit; its value is the share of the limit in use,
	// 0.8 to 1.8 (REFERENCE §2).
	ThrottlePercentageHeader = "x-ms-throttle-limit-percentage"
)

// WriteBudget is the port through which the adapter paces its writes
// (every method but GET and HEAD) under Graph's write quota. The default is
// an in-process pacer (NewLocalWriteBudget); pkg/writebudget provides one
// kept in Table Storage and shared by every instance of the service.
//
// The pace middleware calls Reserve before each write attempt (retries
// included), waits the returned duration on Config.Clock, sends the write
// and then reports what Graph answered: Throttled for a 429 and Pressure
// for an x-ms-throttle-limit-percentage header. Implementations must be
// safe for concurrent use.
type WriteBudget interface {
	// Reserve claims one write and returns how long the caller must wait
	// before sending it. An error means the budget could not be consulted;
	// the write is then not sent and fails as Transient.
	Reserve(ctx context.Context) (wait time.Duration, err error)
	// Throttled reports a 429: Graph asked for no more requests for
	// retryAfter (already parsed; fractional seconds kept). Every user of
	// the budget should pause until then.
	Throttled(ctx context.Context, retryAfter time.Duration) error
	// Pressure reports x-ms-throttle-limit-percentage: use is the share of
	// Graph's limit in use (0.8 to 1.8). Above PressureTarget the budget
	// slows down by PressureTarget/use and recovers over its window.
	Pressure(ctx context.Context, use float64) error
}

// NewLocalWriteBudget returns the in-process pacer: at most limit writes in
// any window on c, paused by Throttled and slowed by Pressure. It is what
// New uses when Config.WriteBudget is nil; it paces one process only.
func NewLocalWriteBudget(c clock.Clock, limit int, window time.Duration) WriteBudget {
	return newWritePacer(c, limit, window)
}

// slowFactor is the rate multiplier after pressure signals: the lowest of
// PressureTarget/use over the signals seen, recovering linearly to 1 over
// recovery after the last decrease (pkg/writebudget computes the same from
// the factor kept in its shared row).
func slowFactor(factor float64, since, now time.Time, recovery time.Duration) float64 {
	if factor >= 1 || recovery <= 0 {
		return 1
	}
	el := now.Sub(since)
	if el <= 0 {
		return factor
	}
	if el >= recovery {
		return 1
	}
	return factor + (1-factor)*float64(el)/float64(recovery)
}

// pressureFactor is the factor a pressure signal use asks for (1 when use
// is at or below PressureTarget), never below minSlowFactor.
func pressureFactor(use float64) float64 {
	if !(use > PressureTarget) {
		return 1
	}
	return max(PressureTarget/use, minSlowFactor)
}

// minSlowFactor bounds how far pressure can slow a budget.
const minSlowFactor = 0.1

// writePacer admits at most limit writes in any window on the injected
// clock. Each write reserves a slot: now, or the moment the write `limit`
// places earlier leaves the window, whichever is later; the caller then
// waits until its slot. Reservations are kept in time order.
//
// Feedback: Throttled moves every later slot to the end of the pause;
// Pressure lowers the effective limit to limit·factor (at least 1), the
// factor recovering to 1 over one window (slowFactor).
type writePacer struct {
	mu     sync.Mutex
	clock  clock.Clock
	limit  int
	window time.Duration
	slots  []time.Time // the last `limit` reserved slots, oldest first
	paused time.Time   // no slot before this
	factor float64     // slow factor at factorAt (1 = full rate)
	since  time.Time
}

func newWritePacer(c clock.Clock, limit int, window time.Duration) *writePacer {
	return &writePacer{clock: c, limit: limit, window: window, factor: 1}
}

// Reserve implements WriteBudget.
func (p *writePacer) Reserve(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return p.reserve(), nil
}

// reserve returns how long the caller must wait before it may write.
func (p *writePacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	at := now
	if p.paused.After(at) {
		at = p.paused
	}
	if n := len(p.slots); n > 0 && p.slots[n-1].After(at) {
		at = p.slots[n-1]
	}
	eff := p.limit
	if f := slowFactor(p.factor, p.since, now, p.window); f < 1 {
		eff = max(1, int(float64(p.limit)*f))
	}
	if n := len(p.slots); n >= eff {
		if free := p.slots[n-eff].Add(p.window); free.After(at) {
			at = free
		}
	}
	if len(p.slots) == p.limit {
		p.slots = append(p.slots[:0], p.slots[1:]...)
	}
	p.slots = append(p.slots, at)
	return at.Sub(now)
}

// Throttled implements WriteBudget.
func (p *writePacer) Throttled(_ context.Context, retryAfter time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.clock.Now().Add(retryAfter); until.After(p.paused) {
		p.paused = until
	}
	return nil
}

// Pressure implements WriteBudget.
func (p *writePacer) Pressure(_ context.Context, use float64) error {
	want := pressureFactor(use)
	if want >= 1 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	if want < slowFactor(p.factor, p.since, now, p.window) {
		p.factor, p.since = want, now
	}
	return nil
}

// paceMiddleware delays writes (every method but GET and HEAD) as the
// write budget says, and tells the budget what Graph answered. It sits
// below the retry middleware, so retried writes are paced and observed
// too.
type paceMiddleware struct {
	budget WriteBudget
	clock  clock.Clock
	stats  *statsRecorder
	log    *slog.Logger
}

// Intercept implements khttp.Middleware.
func (m paceMiddleware) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return p.Next(req, index)
	}
	ctx := req.Context()
	d, err := m.budget.Reserve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		m.stats.budgetFailed()
		return nil, domain.Wrap(domain.Transient, err, "graph: write budget unavailable")
	}
	if d > 0 {
		m.stats.paced(d)
		if err := m.clock.Sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	resp, err := p.Next(req, index)
	if err == nil && resp != nil {
		m.observe(ctx, req, resp)
	}
	return resp, err
}

// observe passes a 429's Retry-After and the throttle percentage header
// on to the budget. Feedback errors are logged, never returned: the write
// itself has been answered.
func (m paceMiddleware) observe(ctx context.Context, req *http.Request, resp *http.Response) {
	if resp.StatusCode == http.StatusTooManyRequests {
		d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), m.clock.Now())
		if !ok {
			d = DefaultThrottlePause
		}
		m.stats.throttled()
		if err := m.budget.Throttled(ctx, d); err != nil {
			m.logFeedback(ctx, req, "throttled", err)
		}
	}
	if use, ok := ParseThrottlePercentage(resp.Header.Get(ThrottlePercentageHeader)); ok && use > PressureTarget {
		m.stats.pressured()
		if err := m.budget.Pressure(ctx, use); err != nil {
			m.logFeedback(ctx, req, "pressure", err)
		}
	}
}

func (m paceMiddleware) logFeedback(ctx context.Context, req *http.Request, kind string, err error) {
	if m.log == nil {
		return
	}
	m.log.LogAttrs(ctx, slog.LevelWarn, "graph write budget feedback failed",
		slog.String("kind", kind), slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Any("error", err))
}

// ParseThrottlePercentage reads x-ms-throttle-limit-percentage: a share of
// the limit ("0.85", 0.8 to 1.8 per the docs). A value above 10 is taken as
// a percentage ("85") to be safe.
func ParseThrottlePercentage(v string) (float64, bool) {
	v = strings.TrimSuffix(strings.TrimSpace(v), "%")
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || math.IsNaN(f) || f > 1e4 {
		return 0, false
	}
	if f > 10 {
		f /= 100
	}
	return f, true
}
