package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/writebudget"
)

// Both budgets satisfy the port.
var (
	_ WriteBudget = (*writePacer)(nil)
	_ WriteBudget = (*writebudget.Budget)(nil)
)

// The pacer is a token bucket refilled continuously: a burst of a 30th of
// the limit (5 s of Graph's 150 s) goes at once, then one write every
// window/(limit − burst).
func TestWritePacer(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	tests := []struct {
		name   string
		limit  int
		window time.Duration
		gaps   []time.Duration // clock advance before each write
		want   []time.Duration // wait per write
	}{
		// 3000 per 150 s: burst 100 (5 s), then every 150 s/2900
		{"Graph's quota", 3000, 150 * time.Second, make([]time.Duration, 102), append(make([]time.Duration, 100), 51724138, 103448276)},
		// scaled tenfold down, the same shape: burst 10, every 15 s/290
		{"a scaled quota", 300, 15 * time.Second, make([]time.Duration, 12), append(make([]time.Duration, 10), 51724138, 103448276)},
		// 2 per second: burst 1, every second
		{"writes at the rate never wait", 2, time.Second, []time.Duration{0, time.Second, time.Second, 1500 * ms}, []time.Duration{0, 0, 0, 0}},
		// 4 per second: burst 1, every 1/3 s; an idle spell refills the
		// bucket, up to the burst
		{"an idle spell refills the burst", 4, time.Second, []time.Duration{0, 0, 0, 1100 * ms, 0}, []time.Duration{0, 333333334, 666666668, 0, 333333334}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			p := newWritePacer(clk, tt.limit, tt.window)
			var got []time.Duration
			for _, g := range tt.gaps {
				clk.Advance(g)
				got = append(got, p.reserve())
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("waits (-want +got)\n%s", d)
			}
		})
	}
}

// Under a quota of limit writes per window, a backlog flows at the rate:
// in no window are there more than limit writes, in no tenth of a window
// more than the burst and a tenth of the rate, and 3 windows' worth of
// writes take at least 3 windows less the burst.
func TestWritePacerNeverExceedsTheWindow(t *testing.T) {
	for _, q := range []struct {
		limit  int
		window time.Duration
	}{{5, time.Second}, {300, 15 * time.Second}, {3000, 150 * time.Second}} {
		t.Run(fmt.Sprintf("%d per %s", q.limit, q.window), func(t *testing.T) {
			clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
			p := newWritePacer(clk, q.limit, q.window)
			var at []time.Time
			for range 3 * q.limit {
				if err := clk.Sleep(context.Background(), p.reserve()); err != nil {
					t.Fatal(err)
				}
				at = append(at, clk.Now())
			}
			burst := min(max(int(float64(q.limit)*LocalBurstShare), 1), max(q.limit/2, 1))
			most := func(w time.Duration) int {
				n, j := 0, 0
				for i := range at {
					for j < len(at) && at[j].Sub(at[i]) < w {
						j++
					}
					n = max(n, j-i)
				}
				return n
			}
			if n := most(q.window); n > q.limit {
				t.Errorf("%d writes in one window, want at most %d", n, q.limit)
			}
			if n, bound := most(q.window/10), burst+int(math.Ceil(float64(q.limit-burst)/10)); n > bound {
				t.Errorf("%d writes in a tenth of the window, want at most %d (burst %d and a tenth of the rate)", n, bound, burst)
			}
			if span, floor := at[len(at)-1].Sub(at[0]), time.Duration(float64(q.window)*float64(3*q.limit-burst)/float64(q.limit-burst)); span < floor-q.window/q.window {
				t.Errorf("%d writes took %v, want at least %v", len(at), span, floor)
			}
		})
	}
}

// A 429's Retry-After pauses every later write until it has passed; the
// pause does not stack on top of the window.
func TestWritePacerThrottledPauses(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter time.Duration
		advance    time.Duration // clock advance after the 429
		want       time.Duration // wait of the next write
	}{
		{"fractional Retry-After", 2128 * time.Millisecond, 0, 2128 * time.Millisecond},
		{"partly waited out", 2128 * time.Millisecond, 2 * time.Second, 128 * time.Millisecond},
		{"over", time.Second, 3 * time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			p := newWritePacer(clk, 100, time.Second)
			if err := p.Throttled(context.Background(), tt.retryAfter); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tt.advance)
			if got := p.reserve(); got != tt.want {
				t.Fatalf("wait = %v, want %v", got, tt.want)
			}
		})
	}
}

// x-ms-throttle-limit-percentage slows the pacer's rate to
// rate·0.8/use, recovering linearly over one window: the interval between
// writes once the burst is spent grows by 1/factor.
func TestWritePacerPressureSlowsDown(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		use     []float64     // pressure signals at t0
		advance time.Duration // before the writes
		factor  float64       // the rate's share afterwards
	}{
		{"no signal", nil, 0, 1},
		{"at 80 % nothing changes", []float64{0.8}, 0, 1},
		{"use 1.0 → 0.8 of the rate", []float64{1.0}, 0, 0.8},
		{"the lowest of several signals", []float64{1.6, 0.9}, 0, 0.5},
		{"half recovered", []float64{1.6}, 5 * time.Second, 0.75},
		{"recovered after a window", []float64{1.6}, 10 * time.Second, 1},
		{"never below minSlowFactor", []float64{1.8, 1e3}, 0, minSlowFactor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			p := newWritePacer(clk, 10, 10*time.Second) // burst 1, every 10/9 s
			for _, u := range tt.use {
				if err := p.Pressure(context.Background(), u); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(tt.advance)
			var waits []time.Duration
			for range 12 {
				waits = append(waits, p.reserve())
			}
			gap := waits[11] - waits[10]
			want := time.Duration(math.Ceil(float64(p.interval) / tt.factor))
			if diff := gap - want; diff < -time.Microsecond || diff > time.Microsecond {
				t.Fatalf("interval after the burst = %v, want %v (waits %v)", gap, want, waits)
			}
		})
	}
}

func TestParseThrottlePercentage(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0.85", 0.85, true}, {" 1.8 ", 1.8, true}, {"85", 0.85, true}, {"85%", 0.85, true},
		{"", 0, false}, {"x", 0, false}, {"-1", 0, false}, {"NaN", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseThrottlePercentage(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseThrottlePercentage(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// fakeBudget records what the middleware reserves and reports.
type fakeBudget struct {
	mu        sync.Mutex
	wait      time.Duration
	err       error
	reserved  int
	throttles []time.Duration
	pressure  []float64
}

func (b *fakeBudget) Reserve(context.Context) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reserved++
	return b.wait, b.err
}

func (b *fakeBudget) Delay(context.Context) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wait, b.err
}

func (b *fakeBudget) Throttled(_ context.Context, d time.Duration) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.throttles = append(b.throttles, d)
	return nil
}

func (b *fakeBudget) Pressure(_ context.Context, u float64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pressure = append(b.pressure, u)
	return nil
}

// pipelineFunc answers the middleware's Next.
type pipelineFunc func(*http.Request) (*http.Response, error)

func (f pipelineFunc) Next(req *http.Request, _ int) (*http.Response, error) { return f(req) }

// The middleware reserves for writes only, waits on the clock, and feeds
// a 429's Retry-After (fractional) and the throttle percentage back.
func TestPaceMiddlewareFeedback(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		method       string
		status       int
		header       map[string]string
		wantReserved int
		wantThrottle []time.Duration
		wantPressure []float64
	}{
		{"read is not paced", http.MethodGet, 429, map[string]string{"Retry-After": "3", ThrottlePercentageHeader: "0.9"}, 0, nil, nil},
		{"write, plain success", http.MethodPatch, 204, nil, 1, nil, nil},
		{"429 with fractional Retry-After", http.MethodPost, 429, map[string]string{"Retry-After": "2.128"}, 1, []time.Duration{2128 * time.Millisecond}, nil},
		{"429 without Retry-After", http.MethodDelete, 429, nil, 1, []time.Duration{DefaultThrottlePause}, nil},
		{"throttle percentage", http.MethodPost, 201, map[string]string{ThrottlePercentageHeader: "0.93"}, 1, nil, []float64{0.93}},
		{"429 with both", http.MethodPost, 429, map[string]string{"Retry-After": "1", ThrottlePercentageHeader: "1.2"}, 1, []time.Duration{time.Second}, []float64{1.2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			b := &fakeBudget{wait: 250 * time.Millisecond}
			m := paceMiddleware{budget: b, clock: clk, stats: newStatsRecorder(nil)}
			req := httptest.NewRequest(tt.method, "https://graph.microsoft.com/v1.0/users", nil)
			resp, err := m.Intercept(pipelineFunc(func(*http.Request) (*http.Response, error) {
				h := http.Header{}
				for k, v := range tt.header {
					h.Set(k, v)
				}
				return &http.Response{StatusCode: tt.status, Header: h, Body: http.NoBody}, nil
			}), 0, req)
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("Intercept = %v, %v", resp, err)
			}
			if b.reserved != tt.wantReserved {
				t.Errorf("reserved %d, want %d", b.reserved, tt.wantReserved)
			}
			if d := cmp.Diff(tt.wantThrottle, b.throttles); d != "" {
				t.Errorf("throttles (-want +got)\n%s", d)
			}
			if d := cmp.Diff(tt.wantPressure, b.pressure); d != "" {
				t.Errorf("pressure (-want +got)\n%s", d)
			}
			wantSleeps := []time.Duration(nil)
			if tt.wantReserved > 0 {
				wantSleeps = []time.Duration{250 * time.Millisecond}
			}
			if d := cmp.Diff(wantSleeps, clk.Sleeps()); d != "" {
				t.Errorf("sleeps (-want +got)\n%s", d)
			}
		})
	}
}

// A budget that cannot be consulted fails the write as Transient without
// sending it.
func TestPaceMiddlewareBudgetError(t *testing.T) {
	b := &fakeBudget{err: errors.New("table unreachable")}
	stats := newStatsRecorder(nil)
	m := paceMiddleware{budget: b, clock: clock.NewFake(time.Unix(0, 0)), stats: stats}
	sent := false
	_, err := m.Intercept(pipelineFunc(func(*http.Request) (*http.Response, error) {
		sent = true
		return nil, nil
	}), 0, httptest.NewRequest(http.MethodPost, "https://graph.microsoft.com/v1.0/users", nil))
	if domain.ErrorCode(err) != domain.Transient || sent {
		t.Fatalf("err = %v (code %q), sent = %v; want Transient, not sent", err, domain.ErrorCode(err), sent)
	}
	if st := stats.snapshot(); st.WriteBudgetErrors != 1 {
		t.Fatalf("WriteBudgetErrors = %d", st.WriteBudgetErrors)
	}
}

// A write whose token is due after the request's deadline is not sent and
// not waited for: it fails as Transient with the wait as its Retry-After,
// marked domain.ErrBudgetWait through the whole client, so that the run is
// deferred rather than counted as a failed attempt; and no token is taken
// for it (Delay is asked first).
func TestWriteBudgetWaitPastTheDeadline(t *testing.T) {
	sent := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent++
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	b := &fakeBudget{wait: time.Hour}
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	c, err := New(Config{BaseURL: srv.URL + "/v1.0", HTTPClient: srv.Client(), Clock: clk, WriteBudget: b})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = c.DeleteUser(ctx, "u1")
	if domain.ErrorCode(err) != domain.Transient || !errors.Is(err, domain.ErrBudgetWait) || domain.RetryAfterOf(err) != time.Hour {
		t.Fatalf("err = %v (retry after %v); want Transient, ErrBudgetWait, 1h", err, domain.RetryAfterOf(err))
	}
	if sent != 0 || len(clk.Sleeps()) != 0 || b.reserved != 0 {
		t.Fatalf("sent %d, waited %v, reserved %d tokens; want none of these (a token taken and not used is capacity lost)", sent, clk.Sleeps(), b.reserved)
	}
}

// A Client built with Config.WriteBudget reserves its writes from it (not
// from a pacer of its own) and reports Graph's 429s to it: the lead wires
// pkg/writebudget in here.
func TestConfigWriteBudgetReplacesPacer(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0.5")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	b := &fakeBudget{}
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	c, err := New(Config{BaseURL: srv.URL + "/v1.0", HTTPClient: srv.Client(), Clock: clk, WriteBudget: b, WriteLimit: 1, WriteWindow: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(context.Background(), "u1"); err != nil {
		t.Fatal(err)
	}
	if b.reserved != 2 || len(b.throttles) != 1 || b.throttles[0] != 500*time.Millisecond {
		t.Fatalf("reserved %d, throttles %v; want 2 reservations (one per attempt) and one 0.5s throttle", b.reserved, b.throttles)
	}
	if st := c.Stats(); st.WriteThrottles != 1 || st.PacedWrites != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A pacer given 95 % of the quota is slowed only for using more than
// that: 0.9 is its own share at work, 1.0 means someone else writes too.
func TestLocalWriteBudgetPressureTarget(t *testing.T) {
	for _, tt := range []struct {
		use  float64
		slow bool
	}{{0.9, false}, {0.95, false}, {1.0, true}} {
		clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
		b := NewLocalWriteBudget(clk, 10, 10*time.Second, 0.95).(*writePacer)
		if err := b.Pressure(context.Background(), tt.use); err != nil {
			t.Fatal(err)
		}
		if slowed := slowFactor(b.factor, b.since, clk.Now(), b.window) < 1; slowed != tt.slow {
			t.Errorf("use %.2f at target 0.95: slowed %v, want %v", tt.use, slowed, tt.slow)
		}
	}
}

// Delay tells the wait a write asked for now would get, and takes nothing.
func TestWritePacerDelayTakesNoToken(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	p := newWritePacer(clk, 4, time.Second) // burst 1, every 1/3 s
	ctx := context.Background()
	delay := func() time.Duration {
		d, err := p.Delay(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	steps := []struct {
		name string
		got  func() time.Duration
		want time.Duration
	}{
		{"idle", delay, 0},
		{"the burst", p.reserve, 0},
		{"next token", delay, 333333334},
		{"asking again takes nothing", delay, 333333334},
		{"the token asked about", p.reserve, 333333334},
		{"after it", delay, 666666668},
	}
	for _, s := range steps {
		if got := s.got(); got != s.want {
			t.Fatalf("%s: %v, want %v", s.name, got, s.want)
		}
	}
	if err := p.Throttled(ctx, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := delay(); got != 2*time.Second {
		t.Fatalf("after a 429 asking 2s: %v", got)
	}
}

// Both budgets answer Delay, which the handler asks before a run.
var (
	_ interface {
		Delay(context.Context) (time.Duration, error)
	} = (*writePacer)(nil)
	_ interface {
		Delay(context.Context) (time.Duration, error)
	} = (*writebudget.Budget)(nil)
)
