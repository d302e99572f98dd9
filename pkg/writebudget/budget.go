package writebudget

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/tables"
)

// Defaults for Config.
const (
	// DefaultLimit and DefaultWindow: 80 % of Graph's 3,000 writes per
	// 150 s per app per tenant, as graph.DefaultWriteLimit.
	DefaultLimit  = 2400
	DefaultWindow = 150 * time.Second
	// DefaultSlice is the most tokens one compare-and-swap takes.
	DefaultSlice = 5
	// DefaultHold is how long a taken token may wait to be spent.
	DefaultHold = time.Second
	// DefaultBurstSpan is the burst allowed, as time at the full rate.
	DefaultBurstSpan = 5 * time.Second
	// DefaultTable is the table name (after the Settings prefix).
	DefaultTable = "writebudget"
	// DefaultMaxAttempts bounds the compare-and-swap attempts of one change.
	DefaultMaxAttempts = 64

	partitionKey = "graphwrites"
	// DefaultPressureTarget is graph.PressureTarget, the share of Graph's
	// limit its in-process pacer aims at.
	DefaultPressureTarget = 0.8
	// minFactor: the same floor as pkg/graph's in-process pacer.
	minFactor = 0.1
	ppm       = 1_000_000
)

// Config configures a Budget. Every instance sharing a Key must use the
// same Limit, Window and Burst.
type Config struct {
	// Key names the budget row: what Graph counts a quota for, normally
	// "<tenant id>/<client id>" or the tenant id (see the package doc).
	// Required.
	Key string
	// Limit writes are allowed in any Window, summed over every instance.
	// Defaults 2,400 per 150 s.
	Limit  int
	Window time.Duration
	// Burst is the most tokens the bucket holds (default 5 s of the rate,
	// at least 1, at most Limit/2).
	Burst int
	// Slice is the most tokens one instance takes per compare-and-swap
	// (default 5).
	Slice int
	// Hold is how long after its time a taken token may still be spent
	// (default 1 s); later it is dropped.
	Hold time.Duration
	// Table is the table name after the Settings prefix (default
	// "writebudget").
	Table string
	// Clock is what waits and the bucket are measured on (default
	// clock.Real{}).
	Clock clock.Clock
	// MaxAttempts bounds the compare-and-swap attempts of one change under
	// contention (default 64).
	MaxAttempts int
	// PressureTarget is the share of Graph's limit this budget means to
	// use (default 0.8): an x-ms-throttle-limit-percentage above it slows
	// the rate by PressureTarget/use. Set it to Limit's share of the quota,
	// so that a budget run at 95 % of the quota is not slowed for using
	// what it was given, only for more (another app on the same quota).
	PressureTarget float64
}

func (c *Config) setDefaults() {
	if c.Limit == 0 {
		c.Limit = DefaultLimit
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.Burst == 0 && c.Limit > 0 && c.Window > 0 {
		c.Burst = int(float64(c.Limit) * float64(DefaultBurstSpan) / float64(c.Window))
		c.Burst = min(max(c.Burst, 1), max(c.Limit/2, 1))
	}
	if c.Slice == 0 {
		c.Slice = DefaultSlice
	}
	if c.Hold == 0 {
		c.Hold = DefaultHold
	}
	if c.Table == "" {
		c.Table = DefaultTable
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.PressureTarget == 0 {
		c.PressureTarget = DefaultPressureTarget
	}
}

func (c *Config) validate() error {
	switch {
	case c.Key == "":
		return errors.New("writebudget: Key is required (the tenant id, or tenant/client id)")
	case c.Limit < 2 || c.Window <= 0:
		return fmt.Errorf("writebudget: Limit %d per Window %v: want at least 2 writes per positive window", c.Limit, c.Window)
	case c.Burst < 1 || c.Burst >= c.Limit:
		return fmt.Errorf("writebudget: Burst %d must be within 1..Limit-1", c.Burst)
	case c.Slice < 1 || c.Hold < 0 || c.MaxAttempts < 1:
		return errors.New("writebudget: Slice and MaxAttempts must be positive, Hold not negative")
	case !(c.PressureTarget > 0 && c.PressureTarget <= 1):
		return fmt.Errorf("writebudget: PressureTarget %v must be within (0, 1]", c.PressureTarget)
	}
	return nil
}

// Stats counts a Budget's work since Open.
type Stats struct {
	// Refills are successful compare-and-swaps taking tokens, Taken the
	// tokens they took and Expired those dropped unspent after Hold.
	Refills, Taken, Expired int
	// Conflicts are 412 answers: another instance changed the row first.
	Conflicts int
	// Pauses and Slowdowns are the changes Throttled and Pressure wrote.
	Pauses, Slowdowns int
}

// Budget is a Graph write budget kept in one Table Storage row and shared
// by every instance that opens it with the same Key. It satisfies
// graph.WriteBudget and is safe for concurrent use.
type Budget struct {
	cfg      Config
	tbl      *aztables.Client
	rk       string
	interval time.Duration // T: one token per interval at the full rate
	tau      time.Duration // burst tolerance, (Burst-1)·T

	mu      sync.Mutex
	local   []time.Time // taken tokens, in time order
	pending int         // callers inside Reserve
	refill  chan struct{}
	lastErr error
	stats   Stats

	// opMu serialises this instance's Table operations and guards the
	// cached row.
	opMu   sync.Mutex
	cached *state
	etag   azcore.ETag

	beforeUpdate func(ctx context.Context) // test hook: between read and update
}

// Open opens (creating if needed) the budget table on svc and returns the
// budget of cfg.Key. The row is created on first use.
func Open(ctx context.Context, svc *tables.Service, cfg Config) (*Budget, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	tbl, err := svc.Table(ctx, cfg.Table)
	if err != nil {
		return nil, fmt.Errorf("writebudget: %w", err)
	}
	span := cfg.Window + cfg.Hold
	n := int64(cfg.Limit - cfg.Burst)
	interval := time.Duration((int64(span) + n - 1) / n) // ceil: never faster than the bound allows
	return &Budget{
		cfg:      cfg,
		tbl:      tbl,
		rk:       tables.Key(cfg.Key),
		interval: interval,
		tau:      time.Duration(cfg.Burst-1) * interval,
	}, nil
}

// Interval is the time between tokens at the full rate.
func (b *Budget) Interval() time.Duration { return b.interval }

// Stats returns the counters since Open.
func (b *Budget) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// Reserve implements graph.WriteBudget: it claims one token and returns
// how long to wait before the write. It takes a slice of tokens from the
// row when this instance has none left.
func (b *Budget) Reserve(ctx context.Context) (time.Duration, error) {
	b.mu.Lock()
	b.pending++
	defer func() {
		b.mu.Lock()
		b.pending--
		b.mu.Unlock()
	}()
	for {
		if err := ctx.Err(); err != nil {
			b.mu.Unlock()
			return 0, err
		}
		now := b.cfg.Clock.Now()
		b.dropExpired(now)
		if len(b.local) > 0 {
			at := b.local[0]
			b.local = b.local[1:]
			b.mu.Unlock()
			return max(at.Sub(now), 0), nil
		}
		if ch := b.refill; ch != nil {
			// Another caller is taking tokens for this instance: wait for
			// it, then look again.
			b.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				b.mu.Lock()
				continue
			}
			b.mu.Lock()
			if err := b.lastErr; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				b.mu.Unlock()
				return 0, err
			}
			continue
		}
		n := min(b.cfg.Slice, b.pending)
		ch := make(chan struct{})
		b.refill = ch
		b.mu.Unlock()

		times, err := b.take(ctx, n)

		b.mu.Lock()
		b.refill, b.lastErr = nil, err
		close(ch)
		if err != nil {
			b.mu.Unlock()
			return 0, err
		}
		b.stats.Refills++
		b.stats.Taken += len(times)
		b.local = append(b.local, times...)
	}
}

// Delay reports how long a write asked for now would wait, without taking
// a token: until this instance's next local token, or else until the
// bucket's next token as the row last read says (0 before the first read).
// It costs no Table request; the handler asks it before it starts a run.
func (b *Budget) Delay(context.Context) (time.Duration, error) {
	b.mu.Lock()
	now := b.cfg.Clock.Now()
	b.dropExpired(now)
	if len(b.local) > 0 {
		d := b.local[0].Sub(now)
		b.mu.Unlock()
		return max(d, 0), nil
	}
	b.mu.Unlock()
	st := b.cachedState()
	if st == nil {
		return 0, nil
	}
	at := max(now.UnixNano(), st.TAT-int64(b.tau), st.PausedUntil)
	return time.Duration(at - now.UnixNano()), nil
}

// dropExpired drops local tokens whose time is more than Hold ago. b.mu
// is held.
func (b *Budget) dropExpired(now time.Time) {
	cut := 0
	for cut < len(b.local) && now.Sub(b.local[cut]) > b.cfg.Hold {
		cut++
	}
	if cut > 0 {
		b.stats.Expired += cut
		b.local = append(b.local[:0], b.local[cut:]...)
	}
}

// take takes n tokens from the row and returns their times.
func (b *Budget) take(ctx context.Context, n int) ([]time.Time, error) {
	var times []time.Time
	err := b.change(ctx, func(s *state, now time.Time) bool {
		times = s.take(now, n, b)
		return true
	})
	return times, err
}

// Throttled implements graph.WriteBudget: Graph answered 429 with
// Retry-After retryAfter, so no instance writes before now+retryAfter, and
// the bucket is empty then.
func (b *Budget) Throttled(ctx context.Context, retryAfter time.Duration) error {
	until := b.cfg.Clock.Now().Add(max(retryAfter, 0))
	b.mu.Lock()
	keep := b.local[:0]
	for _, at := range b.local {
		if !at.Before(until) {
			keep = append(keep, at)
		}
	}
	b.local = keep
	b.mu.Unlock()
	if s := b.cachedState(); s != nil && s.PausedUntil >= until.UnixNano() {
		return nil // the row already holds a pause at least as long (pauses only grow)
	}
	changed := false
	err := b.change(ctx, func(s *state, _ time.Time) bool {
		changed = s.pause(until, b.tau)
		return changed
	})
	if err == nil && changed {
		b.mu.Lock()
		b.stats.Pauses++
		b.mu.Unlock()
	}
	return err
}

// Pressure implements graph.WriteBudget: Graph says use (0.8 to 1.8) of
// its limit is in use; above 0.8 every instance slows to 0.8/use of the
// rate, recovering over Window.
func (b *Budget) Pressure(ctx context.Context, use float64) error {
	want := pressureFactor(use, b.cfg.PressureTarget)
	if want >= 1 {
		return nil
	}
	now := b.cfg.Clock.Now()
	if s := b.cachedState(); s != nil && s.factor(now, b.cfg.Window) <= want+1e-3 {
		return nil
	}
	changed := false
	err := b.change(ctx, func(s *state, now time.Time) bool {
		if want < s.factor(now, b.cfg.Window) {
			s.SlowPPM, s.SlowSince, changed = int64(math.Round(want*ppm)), now.UnixNano(), true
		}
		return changed
	})
	if err == nil && changed {
		b.mu.Lock()
		b.stats.Slowdowns++
		b.mu.Unlock()
	}
	return err
}

func (b *Budget) cachedState() *state {
	b.opMu.Lock()
	defer b.opMu.Unlock()
	if b.cached == nil {
		return nil
	}
	c := *b.cached
	return &c
}

// change applies fn to the row with compare-and-swap: fn gets the row
// read (or cached) and the time, and reports whether it changed it. A 412
// (another instance won) re-reads and retries; a 404 creates the row.
func (b *Budget) change(ctx context.Context, fn func(*state, time.Time) bool) error {
	b.opMu.Lock()
	defer b.opMu.Unlock()
	for attempt := 0; attempt < b.cfg.MaxAttempts; attempt++ {
		if b.cached == nil {
			if err := b.load(ctx); err != nil {
				return err
			}
		}
		s := *b.cached
		if !fn(&s, b.cfg.Clock.Now()) {
			return nil
		}
		s.Limit, s.WindowMS = int64(b.cfg.Limit), b.cfg.Window.Milliseconds()
		if b.beforeUpdate != nil {
			b.beforeUpdate(ctx)
		}
		body, err := json.Marshal(s.entity(b.rk))
		if err != nil {
			return fmt.Errorf("writebudget: %w", err)
		}
		etag := b.etag
		resp, err := b.tbl.UpdateEntity(ctx, body, &aztables.UpdateEntityOptions{IfMatch: &etag, UpdateMode: aztables.UpdateModeReplace})
		switch st := tables.Status(err); {
		case err == nil:
			b.cached, b.etag = &s, resp.ETag
			return nil
		case st == http.StatusPreconditionFailed, st == http.StatusNotFound:
			if st == http.StatusPreconditionFailed {
				b.mu.Lock()
				b.stats.Conflicts++
				b.mu.Unlock()
			}
			b.cached = nil
		default:
			b.cached = nil
			return fmt.Errorf("writebudget: update %s: %w", b.cfg.Key, err)
		}
	}
	return fmt.Errorf("writebudget: %s: gave up after %d conflicting updates", b.cfg.Key, b.cfg.MaxAttempts)
}

// load reads the row into the cache, creating it when it does not exist.
// b.opMu is held.
func (b *Budget) load(ctx context.Context) error {
	for range 3 {
		resp, err := b.tbl.GetEntity(ctx, partitionKey, b.rk, nil)
		if err == nil {
			s, err := parseState(resp.Value)
			if err != nil {
				return err
			}
			b.cached, b.etag = &s, resp.ETag
			return nil
		}
		if tables.Status(err) != http.StatusNotFound {
			return fmt.Errorf("writebudget: read %s: %w", b.cfg.Key, err)
		}
		s := state{SlowPPM: ppm, Limit: int64(b.cfg.Limit), WindowMS: b.cfg.Window.Milliseconds()}
		body, err := json.Marshal(s.entity(b.rk))
		if err != nil {
			return fmt.Errorf("writebudget: %w", err)
		}
		add, err := b.tbl.AddEntity(ctx, body, nil)
		if err == nil {
			b.cached, b.etag = &s, add.ETag
			return nil
		}
		if tables.Status(err) != http.StatusConflict {
			return fmt.Errorf("writebudget: create %s: %w", b.cfg.Key, err)
		}
		// 409: another instance created it first; read theirs.
	}
	return fmt.Errorf("writebudget: %s: the row keeps vanishing", b.cfg.Key)
}

// state is the row's content (see the package doc); times are Unix ns.
type state struct {
	TAT         int64
	PausedUntil int64
	SlowPPM     int64
	SlowSince   int64
	Limit       int64
	WindowMS    int64
}

// factor is the slow factor at now: SlowPPM at SlowSince, recovering
// linearly to 1 over recovery.
func (s *state) factor(now time.Time, recovery time.Duration) float64 {
	f := float64(s.SlowPPM) / ppm
	if s.SlowPPM <= 0 || f >= 1 || recovery <= 0 {
		return 1
	}
	el := now.UnixNano() - s.SlowSince
	if el <= 0 {
		return f
	}
	if el >= int64(recovery) {
		return 1
	}
	return f + (1-f)*float64(el)/float64(recovery)
}

// take takes n tokens at now and returns their times (GCRA, see the
// package doc).
func (s *state) take(now time.Time, n int, b *Budget) []time.Time {
	f := max(s.factor(now, b.cfg.Window), minFactor)
	step := int64(math.Ceil(float64(b.interval) / f))
	tau := int64(b.tau)
	nowNS := now.UnixNano()
	times := make([]time.Time, 0, n)
	for range n {
		at := max(nowNS, s.TAT-tau, s.PausedUntil)
		s.TAT = max(s.TAT, nowNS) + step
		times = append(times, time.Unix(0, at).UTC())
	}
	return times
}

// pause holds every token until until and leaves the bucket empty then.
func (s *state) pause(until time.Time, tau time.Duration) bool {
	u := until.UnixNano()
	changed := false
	if u > s.PausedUntil {
		s.PausedUntil, changed = u, true
	}
	if t := u + int64(tau); t > s.TAT {
		s.TAT, changed = t, true
	}
	return changed
}

func (s *state) entity(rowKey string) aztables.EDMEntity {
	return aztables.EDMEntity{
		Entity: aztables.Entity{PartitionKey: partitionKey, RowKey: rowKey},
		Properties: map[string]any{
			"TAT":         aztables.EDMInt64(s.TAT),
			"PausedUntil": aztables.EDMInt64(s.PausedUntil),
			"SlowPPM":     aztables.EDMInt64(s.SlowPPM),
			"SlowSince":   aztables.EDMInt64(s.SlowSince),
			"Limit":       aztables.EDMInt64(s.Limit),
			"WindowMS":    aztables.EDMInt64(s.WindowMS),
		},
	}
}

func parseState(body []byte) (state, error) {
	var e aztables.EDMEntity
	if err := json.Unmarshal(body, &e); err != nil {
		return state{}, fmt.Errorf("writebudget: unreadable row: %w", err)
	}
	get := func(name string) int64 {
		switch v := e.Properties[name].(type) {
		case aztables.EDMInt64:
			return int64(v)
		case int32:
			return int64(v)
		case float64:
			return int64(v)
		}
		return 0
	}
	s := state{TAT: get("TAT"), PausedUntil: get("PausedUntil"), SlowPPM: get("SlowPPM"), SlowSince: get("SlowSince"), Limit: get("Limit"), WindowMS: get("WindowMS")}
	if s.SlowPPM <= 0 {
		s.SlowPPM = ppm
	}
	return s, nil
}

// pressureFactor is the factor a throttle percentage use asks for, as
// pkg/graph does for its in-process pacer.
func pressureFactor(use, target float64) float64 {
	if !(use > target) {
		return 1
	}
	return max(target/use, minFactor)
}
