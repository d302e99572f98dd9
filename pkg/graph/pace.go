package graph

import (
	"context"
	"fmt"
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

// NewLocalWriteBudget returns the in-process pacer: a token bucket refilled
// continuously at limit per window (GCRA, as pkg/writebudget's shared one),
// holding a burst of LocalBurstShare of the limit, so that no window
// holds more than limit writes and a backlog flows at the rate instead of
// spending the window's quota at once and then stalling. Throttled pauses
// it, Pressure slows it. It is what New uses when Config.WriteBudget is
// nil; it paces one process only. target is the share of Graph's quota
// limit stands for (0: PressureTarget): an x-ms-throttle-limit-percentage
// above it slows the pacer, one at or below it does not, so that a pacer
// given 95 % of the quota is not slowed for using it.
func NewLocalWriteBudget(c clock.Clock, limit int, window time.Duration, target float64) WriteBudget {
	p := newWritePacer(c, limit, window)
	if target > 0 && target <= 1 {
		p.target = target
	}
	return p
}

// LocalBurstShare is the burst the in-process pacer allows, as a share of
// its limit: 5 s of Graph's 150 s window (pkg/writebudget's
// DefaultBurstSpan), scaled with the window, so that a scaled-down quota
// keeps the same shape (and the same sustained rate, (limit − burst) per
// window).
const LocalBurstShare = 1.0 / 30

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
// is at or below target), never below minSlowFactor.
func pressureFactor(use, target float64) float64 {
	if !(use > target) {
		return 1
	}
	return max(target/use, minSlowFactor)
}

// minSlowFactor bounds how far pressure can slow a budget.
const minSlowFactor = 0.1

// writePacer is a GCRA token bucket on the injected clock. A write at now
// gets the token at max(now, tat − τ, paused), and tat moves to
// max(tat, now) + T/f: T is the interval between tokens at the full rate,
// τ = (burst − 1)·T lets burst tokens go at once after an idle spell, and
// f ≤ 1 is the slow factor. Any window of length W then holds at most
// burst + W/T tokens, so T = W/(limit − burst) keeps every window at or
// under limit.
//
// Feedback: Throttled moves paused to the end of the pause and tat to
// paused + τ, so the bucket is empty when the pause ends (no burst after
// it); Pressure lowers f to PressureTarget/use, recovering to 1 over one
// window (slowFactor).
type writePacer struct {
	mu       sync.Mutex
	clock    clock.Clock
	window   time.Duration
	interval time.Duration // T
	tau      time.Duration
	tat      time.Time
	paused   time.Time
	factor   float64 // slow factor at since (1 = full rate)
	since    time.Time
	target   float64 // the share of the quota limit stands for
}

func newWritePacer(c clock.Clock, limit int, window time.Duration) *writePacer {
	burst := min(max(int(float64(limit)*LocalBurstShare), 1), max(limit/2, 1))
	interval := time.Duration(math.Ceil(float64(window) / float64(max(limit-burst, 1))))
	return &writePacer{clock: c, window: window, interval: interval, tau: time.Duration(burst-1) * interval, factor: 1, target: PressureTarget}
}

// Reserve implements WriteBudget.
func (p *writePacer) Reserve(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return p.reserve(), nil
}

// reserve takes a token and returns how long the caller must wait for it.
func (p *writePacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	f := max(slowFactor(p.factor, p.since, now, p.window), minSlowFactor)
	step := time.Duration(math.Ceil(float64(p.interval) / f))
	at := now
	if t := p.tat.Add(-p.tau); t.After(at) {
		at = t
	}
	if p.paused.After(at) {
		at = p.paused
	}
	if p.tat.Before(now) {
		p.tat = now
	}
	p.tat = p.tat.Add(step)
	return at.Sub(now)
}

// Delay reports how long a write asked for now would wait, without
// taking a token: what the handler asks before it starts a run.
func (p *writePacer) Delay(context.Context) (time.Duration, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	at := now
	if t := p.tat.Add(-p.tau); t.After(at) {
		at = t
	}
	if p.paused.After(at) {
		at = p.paused
	}
	return at.Sub(now), nil
}

// Throttled implements WriteBudget.
func (p *writePacer) Throttled(_ context.Context, retryAfter time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.clock.Now().Add(retryAfter); until.After(p.paused) {
		p.paused = until
	}
	if t := p.paused.Add(p.tau); t.After(p.tat) {
		p.tat = t
	}
	return nil
}

// Pressure implements WriteBudget.
func (p *writePacer) Pressure(_ context.Context, use float64) error {
	want := pressureFactor(use, p.target)
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

// delayer is a WriteBudget that can say how long a write would wait
// without taking a token (both the local pacer and pkg/writebudget can).
type delayer interface {
	Delay(ctx context.Context) (time.Duration, error)
}

// budgetWait is the error of a write whose token would come after the
// request's deadline: Transient, RetryAfter the wait, domain.ErrBudgetWait.
func budgetWait(d time.Duration) error {
	return &domain.Error{Code: domain.Transient, RetryAfter: d, Err: domain.ErrBudgetWait,
		Message: fmt.Sprintf("graph: the write budget has no token before the run's deadline (next in %s)", d.Round(time.Millisecond))}
}

// Intercept implements khttp.Middleware.
func (m paceMiddleware) Intercept(p khttp.Pipeline, index int, req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return p.Next(req, index)
	}
	ctx := req.Context()
	// Before a token is taken, ask whether it would come in time: a token
	// reserved and then not used is capacity lost to every instance.
	if q, ok := m.budget.(delayer); ok {
		if _, has := ctx.Deadline(); has {
			if d, err := q.Delay(ctx); err == nil && outlasts(ctx, d) {
				m.stats.deferred()
				return nil, budgetWait(d)
			}
		}
	}
	d, err := m.budget.Reserve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		m.stats.budgetFailed()
		return nil, domain.Wrap(domain.Transient, err, "graph: write budget unavailable")
	}
	if d > 0 && outlasts(ctx, d) {
		// (the token went to someone else between Delay and Reserve)
		m.stats.deferred()
		return nil, budgetWait(d)
	}
	m.stats.reserved(d)
	if d > 0 {
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
