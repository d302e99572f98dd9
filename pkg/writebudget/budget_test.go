package writebudget_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/secret"
	"github.com/vendorflow/vendorflow/pkg/tables"
	"github.com/vendorflow/vendorflow/pkg/tables/tablestest"
	"github.com/vendorflow/vendorflow/pkg/writebudget"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// instances opens n budgets on one Azurite table with one key: n instances
// of the service sharing one budget row.
func instances(t *testing.T, n int, clk clock.Clock, mod func(*writebudget.Config)) []*writebudget.Budget {
	t.Helper()
	svc, err := tables.Open(tablestest.Settings(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.DeleteTable(context.Background(), writebudget.DefaultTable) })
	var bs []*writebudget.Budget
	for range n {
		cfg := writebudget.Config{Key: "tenant-1/app-1", Clock: clk}
		if mod != nil {
			mod(&cfg)
		}
		b, err := writebudget.Open(context.Background(), svc, cfg)
		if err != nil {
			t.Fatal(err)
		}
		bs = append(bs, b)
	}
	return bs
}

// small is a scaled quota: 30 writes per 3 s, a burst of 4 and tokens
// spendable for 250 ms, so T = ceil(3.25 s / 26) = 125 ms.
func small(c *writebudget.Config) {
	c.Limit, c.Window, c.Burst, c.Hold = 30, 3*time.Second, 4, 250*time.Millisecond
}

// Two instances with four goroutines each reserve as fast as they can
// while the fake clock advances in 100 ms rounds (frozen within a round, so
// that a write's time is exactly now + wait). However the goroutines
// interleave, no window of 3 s holds more than 30 writes, no 500 ms holds
// more than the burst plus the rate allows, and the budget is used: the
// writes are about T apart on average.
func TestSharedBudgetNeverExceedsTheLimit(t *testing.T) {
	clk := clock.NewFake(t0)
	bs := instances(t, 2, clk, small)
	const goroutines, rounds = 4, 40
	var (
		mu    sync.Mutex
		times []time.Time
	)
	ctx := context.Background()
	for range rounds {
		var wg sync.WaitGroup
		errs := make(chan error, len(bs)*goroutines)
		for _, b := range bs {
			for range goroutines {
				wg.Go(func() {
					now := clk.Now()
					d, err := b.Reserve(ctx)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					times = append(times, now.Add(d))
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		clk.Advance(100 * time.Millisecond)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	if len(times) != len(bs)*goroutines*rounds {
		t.Fatalf("%d writes admitted, want %d", len(times), len(bs)*goroutines*rounds)
	}
	// At most 30 in any closed 3 s window: the 31st after any write is
	// more than 3 s later.
	for i := 30; i < len(times); i++ {
		if gap := times[i].Sub(times[i-30]); gap <= 3*time.Second {
			t.Fatalf("writes %d and %d are %v apart: 31 writes within 3s", i-30, i, gap)
		}
	}
	// Smooth: within 500 ms at most Burst + (500 ms + Hold)/T = 4 + 6.
	for i := 10; i < len(times); i++ {
		if gap := times[i].Sub(times[i-10]); gap <= 500*time.Millisecond {
			t.Fatalf("writes %d and %d are %v apart: a burst of 11 within 500ms", i-10, i, gap)
		}
	}
	// Used: 320 writes at one per 125 ms after the burst take about 40 s;
	// tokens dropped unspent stretch that only a little.
	span := times[len(times)-1].Sub(times[0])
	ideal := time.Duration(len(times)-4) * bs[0].Interval()
	if span > ideal*12/10 {
		t.Errorf("320 writes took %v, want about %v", span, ideal)
	}
	for i, b := range bs {
		st := b.Stats()
		t.Logf("instance %d: %+v", i, st)
		if st.Refills >= st.Taken {
			t.Errorf("instance %d: %d refills for %d tokens: slices were not used", i, st.Refills, st.Taken)
		}
	}
}

// A 429 seen by one instance pauses the other until Retry-After has passed
// (fractional seconds kept), and writes then resume at the rate, without a
// burst.
func TestThrottledPausesEveryInstance(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		advance    time.Duration // before the other instance reserves
		want       time.Duration
	}{
		{"fractional Retry-After", 2128 * time.Millisecond, 0, 2128 * time.Millisecond},
		{"partly waited out", 2128 * time.Millisecond, 2 * time.Second, 128 * time.Millisecond},
		{"over", 500 * time.Millisecond, time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			bs := instances(t, 2, clk, small)
			ctx := context.Background()
			if _, err := bs[1].Reserve(ctx); err != nil { // B already holds the row cached
				t.Fatal(err)
			}
			if err := bs[0].Throttled(ctx, tt.retryAfter); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tt.advance)
			d, err := bs[1].Reserve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d != tt.want {
				t.Fatalf("wait = %v, want %v", d, tt.want)
			}
			if tt.want == 0 {
				return
			}
			// The bucket is empty when the pause ends: the next write comes
			// one interval later.
			clk.Advance(d)
			d2, err := bs[0].Reserve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if d2 != bs[0].Interval() {
				t.Fatalf("after the pause: wait %v, want one interval %v", d2, bs[0].Interval())
			}
		})
	}
}

// x-ms-throttle-limit-percentage reported by one instance slows the
// other: once the burst is spent, writes are T·use/0.8 apart, recovering
// to T over one window.
func TestPressureSlowsAdmission(t *testing.T) {
	tests := []struct {
		name    string
		use     []float64
		advance time.Duration // after the signals
		gap     func(T time.Duration) time.Duration
	}{
		{"no signal", nil, 0, func(T time.Duration) time.Duration { return T }},
		{"at 80 % nothing changes", []float64{0.8}, 0, func(T time.Duration) time.Duration { return T }},
		{"use 1.0", []float64{1.0}, 0, func(T time.Duration) time.Duration { return T * 10 / 8 }},
		{"use 1.6, the lowest of several", []float64{1.6, 0.9, 1.2}, 0, func(T time.Duration) time.Duration { return 2 * T }},
		{"recovered after a window", []float64{1.6}, 3 * time.Second, func(T time.Duration) time.Duration { return T }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(t0)
			bs := instances(t, 2, clk, small)
			ctx := context.Background()
			for _, u := range tt.use {
				if err := bs[0].Pressure(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(tt.advance)
			var waits []time.Duration
			for range 12 {
				d, err := bs[1].Reserve(ctx)
				if err != nil {
					t.Fatal(err)
				}
				waits = append(waits, d)
			}
			want := tt.gap(bs[1].Interval())
			if got := waits[11] - waits[10]; got != want {
				t.Fatalf("gap between writes = %v, want %v (waits %v)", got, want, waits)
			}
		})
	}
}

// A conditional update that loses the race (412) re-reads the row and
// retries: both instances' tokens are counted, none twice.
func TestContentionIsRetried(t *testing.T) {
	clk := clock.NewFake(t0)
	bs := instances(t, 2, clk, small)
	ctx := context.Background()
	if _, err := bs[0].Reserve(ctx); err != nil { // creates the row; A caches it
		t.Fatal(err)
	}
	var once sync.Once
	bs[0].SetBeforeUpdate(func(ctx context.Context) {
		once.Do(func() {
			// B changes the row between A's read and A's update.
			if _, err := bs[1].Reserve(ctx); err != nil {
				t.Error(err)
			}
		})
	})
	if _, err := bs[0].Reserve(ctx); err != nil {
		t.Fatal(err)
	}
	if got := bs[0].Stats().Conflicts; got != 1 {
		t.Fatalf("conflicts = %d, want 1", got)
	}
	row, err := bs[0].ReadRow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Three tokens from a full bucket at t0: TAT = t0 + 3T.
	if want := t0.Add(3 * bs[0].Interval()); !row.TAT.Equal(want) {
		t.Fatalf("TAT = %v, want %v (three tokens)", row.TAT, want)
	}
}

// Open refuses a budget without a key or with a burst as large as the
// limit, before it touches the account.
func TestOpenValidates(t *testing.T) {
	svc, err := tables.Open(tables.Settings{ConnectionString: secret.New("AccountName=x;AccountKey=eA==;TableEndpoint=http://127.0.0.1:1/x;")})
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []writebudget.Config{
		{},
		{Key: "t", Limit: 10, Burst: 10},
		{Key: "t", Limit: 1},
	} {
		if _, err := writebudget.Open(context.Background(), svc, cfg); err == nil {
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// Delay tells, without a Table request and without taking a token, how long
// a write asked for now would wait: nothing before the row was read, the
// next local token's time while the instance holds some, else the bucket's
// next token as the row last read says.
func TestDelayTakesNoToken(t *testing.T) {
	clk := clock.NewFake(t0)
	b := instances(t, 1, clk, small)[0]
	ctx := context.Background()
	delay := func() time.Duration {
		d, err := b.Delay(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := delay(); d != 0 {
		t.Fatalf("before any write: %v", d)
	}
	var last time.Duration
	for range 4 + 3 { // the burst of 4, then three at the rate
		d, err := b.Reserve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last = d
	}
	// The instance took its tokens in slices of Slice (5): it holds none
	// now, so Delay reads the cached row: the next token is one interval
	// after the last one handed out.
	before := b.Stats()
	want := last + b.Interval()
	for range 3 {
		if d := delay(); d != want {
			t.Fatalf("delay %v, want %v (the token after the last, %v)", d, want, last)
		}
	}
	if after := b.Stats(); after.Refills != before.Refills || after.Taken != before.Taken {
		t.Errorf("Delay changed the budget: %+v → %+v", before, after)
	}
	d, err := b.Reserve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d != want {
		t.Errorf("the write after asking waits %v, want the %v asked about", d, want)
	}
}
