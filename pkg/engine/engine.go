// Package engine runs vendorflow's requests step by step. Every step is an
// "ensure": it reads the directory, converges it to the desired state and
// records what it did in the journal, so that running it twice, or again
// after a crash half-way, leaves the same result as running it once.
//
// The engine retries transient failures within a bounded budget (honouring
// the server's Retry-After), parks permanent ones with their reason, and
// resumes a request from its first unfinished step.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/logctx"
)

// Config configures an Engine.
type Config struct {
	Tenant    domain.Tenant
	Directory Directory
	Journal   Journal
	// Clock is the time source; every wait between attempts is a
	// Clock.Sleep (clock.Fake advances instead of waiting). Default
	// clock.Real{}.
	Clock  clock.Clock
	Logger *slog.Logger
	// MaxAttempts bounds the attempts of one step within one run (default 6).
	MaxAttempts int
	// BaseBackoff and MaxBackoff shape the exponential backoff used when the
	// server gives no Retry-After (defaults 500ms and 30s).
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
	// RunBudget is one run's deadline (default 2m, well under a Service
	// Bus lock of 5m): its steps' Graph calls, and the waits between their
	// attempts, end by then, and never later than the caller's deadline
	// less SettleReserve. When it is spent the request is left "retrying"
	// for the caller to reschedule.
	RunBudget time.Duration
	// LeaseTTL is how long a run's hold on an account lasts unless renewed
	// (default 1m, less than RunBudget). A run renews it before every step
	// attempt and every wait, so it lapses only when the run has crashed or
	// stalled; another delivery of the same request then takes over.
	LeaseTTL time.Duration
	// SKUCacheTTL is how long the tenant's subscribed SKUs, read once, are
	// reused by this process (default 1m; negative: read every time). A
	// cached list that shows no free seat, or an assignLicense that finds
	// none, is read again before the request is parked.
	SKUCacheTTL time.Duration
	// NaiveCalls runs the call sequence vendorflow had before its call
	// economy: look the user up before creating it, read it again before
	// every step, list memberships and passes of new accounts, no SKU cache,
	// one PATCH per change, and one journal transaction per journal call
	// (no Journal.Batch). It exists as the benchmarks' baseline
	// (scripts/bench.sh calls); production leaves it off.
	NaiveCalls bool
	// Observer, when set, is told of every step transition (the demo prints
	// them, pkg/metrics counts them). It must not block.
	Observer func(Event)
	// OnLease, when set, is told how each run's claim on its account's
	// lease ended and how long the run waited for it (pkg/metrics). It
	// must not block.
	OnLease func(LeaseClaim)
	// Hooks are test points.
	Hooks Hooks
}

// Hooks let tests inject crashes. A hook that returns an error stops the run
// at once, as a crash would: nothing more is written to the journal.
type Hooks struct {
	// AfterEffects runs after a step's directory effects and before the
	// journal records the step done.
	AfterEffects func(requestID string, step domain.Step) error
	// AfterStep runs after the journal recorded the step done.
	AfterStep func(requestID string, step domain.Step) error
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 6
	}
	if c.BaseBackoff == 0 {
		c.BaseBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.RunBudget == 0 {
		c.RunBudget = 2 * time.Minute
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = min(time.Minute, c.RunBudget/2)
	}
	if c.SKUCacheTTL == 0 {
		c.SKUCacheTTL = time.Minute
	}
	if c.NaiveCalls {
		c.SKUCacheTTL = -1
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Directory == nil:
		return errors.New("engine: Directory is required")
	case c.Journal == nil:
		return errors.New("engine: Journal is required")
	case c.MaxAttempts < 1:
		return errors.New("engine: MaxAttempts must be at least 1")
	case c.LeaseTTL <= 0 || c.LeaseTTL >= c.RunBudget:
		// a redelivery must be able to outwait a crashed run's lease
		return fmt.Errorf("engine: LeaseTTL (%s) must be positive and shorter than RunBudget (%s)", c.LeaseTTL, c.RunBudget)
	}
	return c.Tenant.Validate()
}

// Engine processes onboard and offboard requests.
type Engine struct {
	cfg  Config
	dir  Directory
	j    Journal
	clk  clock.Clock
	log  *slog.Logger
	skus skuCache
}

// New returns an Engine.
func New(cfg Config) (*Engine, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, dir: cfg.Directory, j: cfg.Journal, clk: cfg.Clock, log: cfg.Logger}, nil
}

// Event reports a step transition.
type Event struct {
	RequestID string            `json:"requestId"`
	Kind      string            `json:"kind"`
	UPN       string            `json:"upn,omitempty"`
	Step      domain.Step       `json:"step"`
	Status    domain.StepStatus `json:"status"`
	Attempt   int               `json:"attempt"`
	Code      domain.Code       `json:"code,omitempty"`
	Message   string            `json:"message,omitempty"`
	At        time.Time         `json:"at"`
	// Took is how long the attempt took on the engine's clock, from its
	// start to its outcome recorded in the journal (StepDone, StepFailed).
	Took time.Duration `json:"took,omitempty"`
}

// Result is the outcome of one run of a request.
type Result struct {
	RequestID string               `json:"requestId"`
	Kind      string               `json:"kind"`
	Status    domain.RequestStatus `json:"status"`
	UPN       string               `json:"upn,omitempty"`
	Code      domain.Code          `json:"code,omitempty"`
	Reason    string               `json:"reason,omitempty"`
	// RetryAfter advises when a "retrying" request should run again.
	RetryAfter time.Duration `json:"retryAfter,omitempty"`
	// AlreadyDone is set when the request had finished before this run:
	// nothing was read or written.
	AlreadyDone bool `json:"alreadyDone,omitempty"`
	// Deferred marks a "retrying" request that stopped only to wait: a
	// Graph write would have waited for the write budget past the run's
	// deadline (domain.ErrBudgetWait), or another run holds the account
	// (domain.ErrAccountBusy). No fault, so the caller runs it again after
	// RetryAfter without counting an attempt.
	Deferred bool `json:"deferred,omitempty"`
}

// Process decodes a request of the given kind from its JSON payload and
// runs it. A payload that cannot be decoded is journaled under a synthetic
// id ("invalid-<hash>") and parked: nothing is lost, nothing reaches Graph.
// The returned error is non-nil only when the run itself could not be
// recorded (journal failure, cancelled context, injected crash).
func (e *Engine) Process(ctx context.Context, kind string, payload []byte) (Result, error) {
	return e.ProcessWith(ctx, kind, payload, ProcessOptions{})
}

// ProcessOptions carry what the transport knows about a request.
type ProcessOptions struct {
	// IntentAt is when the request was put on the queue (the message's
	// enqueue time); zero means now. It is recorded at first sight and
	// orders competing requests for one account: the newer intent wins.
	IntentAt time.Time
}

// ProcessWith is Process with the transport's knowledge of the request.
func (e *Engine) ProcessWith(ctx context.Context, kind string, payload []byte, o ProcessOptions) (Result, error) {
	switch kind {
	case domain.KindOnboard:
		var r domain.OnboardRequest
		if err := domain.DecodeRequest(payload, &r); err != nil {
			return e.parkInvalid(ctx, kind, payload, err)
		}
		return e.run(ctx, kind, r.RequestID, payload, o, onboardRunner{e: e, req: r})
	case domain.KindOffboard:
		var r domain.OffboardRequest
		if err := domain.DecodeRequest(payload, &r); err != nil {
			return e.parkInvalid(ctx, kind, payload, err)
		}
		return e.run(ctx, kind, r.RequestID, payload, o, offboardRunner{e: e, req: r})
	}
	return Result{}, domain.Errorf(domain.Invalid, "unknown request kind %q", kind)
}

// runner supplies the steps of one request kind.
type runner interface {
	// step runs one step; st carries the outputs of earlier steps.
	step(ctx context.Context, s domain.Step, st *state) (map[string]string, error)
	// name chooses, after validate and before the account is claimed,
	// which of the request's possible names the account has (st.upn),
	// reading the directory; the same directory gives the same choice.
	name(ctx context.Context, st *state) error
}

// state is what the steps of one run share: earlier outputs, the validated
// request and what was learnt on the way.
type state struct {
	requestID string
	kind      string
	upn       string
	intentAt  time.Time
	// owner is this run's name on the account lease: the request id and a
	// nonce, so that two runs of one request exclude each other too.
	owner      string
	leased     bool
	leaseUntil time.Time
	finished   map[domain.Step]bool
	outputs    map[string]string
	// limit is how long the run's steps may take (runLimit).
	limit time.Duration
	// attempt is the current step's attempt, counted over every run, and
	// attemptAt when it started (on the engine's clock).
	attempt   int
	attemptAt time.Time
	// known is set when the journal has a record of the account the run
	// chose: the directory is then asked before anything is created.
	known bool
	// user is the directory's view of the account as this run last read or
	// wrote it (offboarding), so that later steps need not read it again.
	user *domain.User
	// named is the directory's answer for the name the run chose, read
	// just before the claim; the ensure-user step uses it once instead of
	// asking again.
	named *lookup
	// started is the next step's record when the previous step's finish
	// started it (finishStep); its first attempt uses it.
	started *domain.StepRecord
	// done is set once the request is marked done.
	done bool
	// atFinish is a step's own journal writes (a name, an account record),
	// made in the transaction that finishes the step (journalAtFinish).
	atFinish func(ctx context.Context) error
	onboard  domain.Onboarding
	offboard domain.Offboarding
}

func (s *state) out(key string) string { return s.outputs[key] }

// lookup is one FindUser answer.
type lookup struct {
	upn  string
	user domain.User
	err  error
}

func (e *Engine) run(ctx context.Context, kind, id string, payload []byte, o ProcessOptions, r runner) (Result, error) {
	plan, err := domain.Plan(kind)
	if err != nil {
		return Result{}, err
	}
	if !domain.ValidRequestID(id) {
		// Without a usable id the request cannot be journaled under it.
		return e.parkUndecodable(ctx, kind, payload, fmt.Errorf("requestId %q is not usable: it %s", domain.Clip(id), domain.RequestIDRule))
	}
	// Record the request, count this attempt, mark it running, read its
	// steps and start the first unfinished one: one journal transaction
	// (Batch). The first step is validate, which needs no lease.
	var rec domain.RequestRecord
	var begun, moving bool
	st := &state{requestID: id, kind: kind, owner: runOwner(id), outputs: map[string]string{}}
	err = e.batch(ctx, func(ctx context.Context) error {
		var err error
		if rec, _, err = e.j.Begin(ctx, domain.RequestRecord{ID: id, Kind: kind, Fingerprint: domain.Fingerprint(payload), Payload: payload, Status: domain.RequestReceived, IntentAt: o.IntentAt}); err != nil {
			return err
		}
		begun = true
		switch rec.Status {
		case domain.RequestDone, domain.RequestSuperseded:
			return nil
		}
		if _, err := e.j.CountAttempt(ctx, id); err != nil {
			return err
		}
		moving = true
		if err := e.j.SetStatus(ctx, id, domain.RequestRunning, "", ""); err != nil {
			return err
		}
		moving = false
		st.upn, st.intentAt = rec.UPN, rec.IntentAt
		if err := e.loadSteps(ctx, st); err != nil {
			return err
		}
		if e.cfg.NaiveCalls || st.finished[plan[0]] {
			return nil
		}
		first, err := e.j.StartStep(ctx, id, plan[0])
		if err != nil {
			return fmt.Errorf("journal start %s/%s: %w", id, plan[0], err)
		}
		st.started = &first
		return nil
	})
	res := Result{RequestID: id, Kind: kind, UPN: rec.UPN}
	switch {
	case err == nil:
	case !begun && domain.ErrorCode(err) == domain.Conflict:
		// The producer reused an id for other content: say so, change nothing.
		return Result{RequestID: id, Kind: kind, Status: domain.RequestParked, Code: domain.Conflict, Reason: domain.ErrorMessage(err)}, nil
	case !begun:
		return Result{}, fmt.Errorf("journal begin %s: %w", id, err)
	case moving && domain.ErrorCode(err) == domain.Conflict:
		// another run of this request finished it meanwhile (a journal
		// without atomic batches)
		return e.finishedElsewhere(ctx, res)
	default:
		return Result{}, err
	}
	switch rec.Status {
	case domain.RequestDone, domain.RequestSuperseded:
		res.Status, res.AlreadyDone, res.Code, res.Reason = rec.Status, true, rec.ReasonCode, rec.Reason
		return res, nil
	}
	// every line logged with ctx from here on names the request (logctx)
	ctx = logctx.With(ctx, slog.String(logctx.KeyRequestID, id))
	log := e.log.With("kind", kind)
	limit := e.runLimit(ctx)
	st.limit = limit
	// work is what the steps' Graph calls run under: it ends at the run's
	// deadline, while the journal writes that record the outcome keep ctx.
	work, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	budget := e.clk.Now().Add(limit)
	crashed := false
	defer func() {
		if st.leased && !crashed {
			// a crash keeps its lease, as a dead process would; it expires
			if err := e.j.ReleaseLease(context.WithoutCancel(ctx), st.upn, st.owner); err != nil {
				log.WarnContext(ctx, "lease not released; it will expire", "error", err)
			}
		}
	}()
	for i, s := range plan {
		if st.finished[s] {
			// validate runs again without a journal entry: it is pure, and
			// later steps need its result.
			if s == domain.StepValidate {
				st.atFinish = nil
				if _, err := r.step(ctx, s, st); err != nil {
					return e.stop(ctx, log, res, st, s, err)
				}
				if work := st.atFinish; work != nil {
					st.atFinish = nil
					if err := e.batch(ctx, work); err != nil {
						return res, fmt.Errorf("journal %s/%s: %w", id, s, err)
					}
				}
				if err := r.name(ctx, st); err != nil {
					return e.stop(ctx, log, res, st, s, err)
				}
				if out, stop, err := e.claim(ctx, log, res, st, budget); stop {
					return out, err
				}
			}
			continue
		}
		outputs, err := e.attempt(ctx, work, log, r, s, st, budget)
		if err != nil {
			var crash *crashError
			if errors.As(err, &crash) || ctx.Err() != nil {
				crashed = errors.As(err, &crash)
				return res, err
			}
			var lost *leaseLostError
			if errors.As(err, &lost) {
				if lost.yours(id) {
					return e.yield(ctx, log, res, st, lost.holder), nil
				}
				err = &domain.Error{Code: domain.Transient, RetryAfter: e.cfg.BaseBackoff, Message: lost.Error()}
			}
			return e.stop(ctx, log, res, st, s, err)
		}
		if err := e.hook(e.cfg.Hooks.AfterEffects, id, s); err != nil {
			crashed = true
			return res, err
		}
		last := i == len(plan)-1
		if err := e.finishStep(ctx, st, s, outputs, e.prestart(plan[i+1:], s, st), last); err != nil {
			return res, err
		}
		for k, v := range outputs {
			st.outputs[k] = v
		}
		e.emit(Event{RequestID: id, Kind: kind, UPN: st.upn, Step: s, Status: domain.StepDone, Took: e.clk.Now().Sub(st.attemptAt)})
		if err := e.hook(e.cfg.Hooks.AfterStep, id, s); err != nil {
			crashed = true
			return res, err
		}
		if s == domain.StepValidate {
			if err := r.name(ctx, st); err != nil {
				return e.stop(ctx, log, res, st, s, err)
			}
			if out, stop, err := e.claim(ctx, log, res, st, budget); stop {
				return out, err
			}
		}
	}
	if !st.done {
		// resumed after the last step's finish (a journal without atomic
		// batches, or NaiveCalls): the request is not marked done yet
		if err := e.j.SetStatus(ctx, id, domain.RequestDone, "", ""); err != nil {
			return res, err
		}
	}
	log.InfoContext(ctx, "request done", "upn", st.upn)
	res.Status, res.UPN = domain.RequestDone, st.upn
	return res, nil
}

// attempt runs one step with bounded retries for Transient and Internal
// errors, waiting on the injected clock.
//
// The step runs under work, which ends at the run's deadline (runLimit);
// a step cut short by it stops the run as Transient, so that the request
// is rescheduled rather than redelivered.
func (e *Engine) attempt(ctx, work context.Context, log *slog.Logger, r runner, s domain.Step, st *state, budget time.Time) (map[string]string, error) {
	var last error
	for n := 1; n <= e.cfg.MaxAttempts; n++ {
		st.atFinish = nil // a failed attempt's writes are not made
		rec, err := e.startStep(ctx, st, s, n)
		if err != nil {
			return nil, err
		}
		st.attempt, st.attemptAt = rec.Attempts, e.clk.Now()
		// what is logged during the attempt, here and below (the Graph
		// adapter's retries), names the step and its attempt
		at := []slog.Attr{slog.String(logctx.KeyStep, string(s)), slog.Int(logctx.KeyAttempt, rec.Attempts)}
		actx, awork := logctx.With(ctx, at...), logctx.With(work, at...)
		e.emit(Event{RequestID: st.requestID, Kind: st.kind, UPN: st.upn, Step: s, Status: domain.StepRunning, Attempt: n})
		// A step started in the previous step's transaction (prestart)
		// has not looked at the lease yet: renew it if due, or learn that
		// it lapsed, before the step may change the account.
		if err := e.renewLease(ctx, st, 0); err != nil {
			return nil, err
		}
		stepCtx, cancel := e.withinLease(awork, st)
		out, err := r.step(stepCtx, s, st)
		leaseEnded := stepCtx.Err() != nil && work.Err() == nil
		cancel()
		if err == nil {
			return out, nil
		}
		if s.ActsOnAccount() {
			err = notYetVisible(err, st.out(outUserID))
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		spent := work.Err() != nil
		switch {
		case spent:
			err = &domain.Error{Code: domain.Transient, Message: fmt.Sprintf("the run's deadline (%s) passed during this step; the request is rescheduled", st.limit.Round(time.Millisecond)), Err: err}
		case leaseEnded && !errors.Is(err, domain.ErrBudgetWait):
			err = &domain.Error{Code: domain.Transient, Message: "the step outlasted the account lease; the run renews it and tries again", Err: err}
		}
		last = err
		// What this run knows of the account may be stale now: a write
		// that failed (a timeout, a lost answer) may have taken effect.
		// The next attempt reads the account again.
		st.user = nil
		code := domain.ErrorCode(err)
		msg := domain.ErrorMessage(err)
		if ferr := e.j.FailStep(ctx, st.requestID, s, code, msg); ferr != nil {
			return nil, fmt.Errorf("journal fail %s/%s: %w", st.requestID, s, ferr)
		}
		e.emit(Event{RequestID: st.requestID, Kind: st.kind, UPN: st.upn, Step: s, Status: domain.StepFailed, Attempt: n, Code: code, Message: msg, Took: e.clk.Now().Sub(st.attemptAt)})
		log.WarnContext(actx, "step failed", "code", code, "error", msg)
		if domain.OutcomeOf(code).Disposition != domain.Retry || n == e.cfg.MaxAttempts || spent || errors.Is(err, domain.ErrBudgetWait) {
			// (a wait for the write budget would outlast the run: defer)
			break
		}
		wait := e.backoff(n, domain.RetryAfterOf(err))
		if e.clk.Now().Add(wait).After(budget) {
			break
		}
		if err := e.renewLease(ctx, st, wait); err != nil {
			return nil, err
		}
		if err := e.clk.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, last
}

// withinLease bounds one step attempt by the account lease the run holds:
// the attempt must end before the lease could lapse, or another run could
// take the account over while this one still changes it (a long wait for
// the write budget, a slow Graph). The lease's remaining time is measured
// on the engine's clock and applied as a context deadline, less a tenth
// of a lease for the journal to record the step. A run without a lease
// (validate) gets work as it is.
func (e *Engine) withinLease(work context.Context, st *state) (context.Context, context.CancelFunc) {
	if !st.leased {
		return work, func() {}
	}
	left := st.leaseUntil.Sub(e.clk.Now()) - e.cfg.LeaseTTL/10
	return context.WithTimeout(work, max(left, 0))
}

// SettleReserve is the part of a caller's deadline a run leaves for
// recording its outcome and for the handler to settle the message: the
// journal writes and the reschedule or park that follow the last step.
const SettleReserve = 20 * time.Second

// runLimit is how long this run's steps may take: RunBudget, or less when
// the caller's context ends sooner (the handler's RunTimeout), less the
// SettleReserve. The Graph adapter fits its retries inside the deadline
// (a wait that would outlast it is not taken), so a slow Graph ends the
// run as Transient and the request is rescheduled, instead of the
// invocation timing out and the delivery being abandoned.
func (e *Engine) runLimit(ctx context.Context) time.Duration {
	limit := e.cfg.RunBudget
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl)-SettleReserve)
	}
	return max(limit, 0)
}

// batch runs fn's journal calls as one Journal.Batch; with NaiveCalls,
// one by one, as before the batches.
func (e *Engine) batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if e.cfg.NaiveCalls {
		return fn(ctx)
	}
	return e.j.Batch(ctx, fn)
}

// prestart is the step to start in the same journal transaction as the
// finish of done: the next step of the plan not yet finished, unless done
// is validate (naming and claiming the account come between), or the
// lease needs renewing first (attempt renews it and starts the step).
func (e *Engine) prestart(rest []domain.Step, done domain.Step, st *state) domain.Step {
	if e.cfg.NaiveCalls || done == domain.StepValidate || e.leaseDue(st, 0) {
		return ""
	}
	for _, s := range rest {
		if !st.finished[s] {
			return s
		}
	}
	return ""
}

// finishStep records step s done with its outputs. In the same journal
// transaction it starts next (st.started keeps its record for attempt),
// and after the plan's last step it marks the request done and releases
// the run's lease.
func (e *Engine) finishStep(ctx context.Context, st *state, s domain.Step, outputs map[string]string, next domain.Step, last bool) error {
	var started domain.StepRecord
	released := false
	work := st.atFinish
	st.atFinish = nil
	err := e.batch(ctx, func(ctx context.Context) error {
		if work != nil {
			if err := work(ctx); err != nil {
				return fmt.Errorf("journal %s/%s: %w", st.requestID, s, err)
			}
		}
		if err := e.j.FinishStep(ctx, st.requestID, s, outputs); err != nil {
			return fmt.Errorf("journal finish %s/%s: %w", st.requestID, s, err)
		}
		if next != "" {
			var err error
			if started, err = e.j.StartStep(ctx, st.requestID, next); err != nil {
				return fmt.Errorf("journal start %s/%s: %w", st.requestID, next, err)
			}
		}
		if !last {
			return nil
		}
		if err := e.j.SetStatus(ctx, st.requestID, domain.RequestDone, "", ""); err != nil {
			return err
		}
		if st.leased {
			if err := e.j.ReleaseLease(ctx, st.upn, st.owner); err != nil {
				return err
			}
			released = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if next != "" {
		st.started = &started
	}
	st.done = last
	if released {
		st.leased = false
	}
	return nil
}

// journalAtFinish makes fn, a step's writes to the journal alone, part of
// the transaction that records the step finished (finishStep), or of its
// own when the step is validate run again on a resumed request (flushed
// by run). With NaiveCalls it runs at once, as before the batches.
func (e *Engine) journalAtFinish(ctx context.Context, st *state, fn func(ctx context.Context) error) error {
	if e.cfg.NaiveCalls {
		return fn(ctx)
	}
	prev := st.atFinish
	st.atFinish = func(ctx context.Context) error {
		if prev != nil {
			if err := prev(ctx); err != nil {
				return err
			}
		}
		return fn(ctx)
	}
	return nil
}

// startStep starts attempt n of step s: the record finishStep already
// started for it, or a renewed lease and a new start.
func (e *Engine) startStep(ctx context.Context, st *state, s domain.Step, n int) (domain.StepRecord, error) {
	if st.started != nil && st.started.Step == s && n == 1 {
		rec := *st.started
		st.started = nil
		return rec, nil
	}
	st.started = nil
	if err := e.renewLease(ctx, st, 0); err != nil {
		return domain.StepRecord{}, err
	}
	rec, err := e.j.StartStep(ctx, st.requestID, s)
	if err != nil {
		return domain.StepRecord{}, fmt.Errorf("journal start %s/%s: %w", st.requestID, s, err)
	}
	return rec, nil
}

// stop records why the run ended early: parked for permanent errors,
// retrying (with advice) for transient ones whose budget ran out.
func (e *Engine) stop(ctx context.Context, log *slog.Logger, res Result, st *state, s domain.Step, err error) (Result, error) {
	code := domain.ErrorCode(err)
	reason := fmt.Sprintf("%s: %s", s, domain.ErrorMessage(err))
	status := domain.RequestParked
	if domain.OutcomeOf(code).Disposition == domain.Retry {
		status = domain.RequestRetrying
		res.RetryAfter = max(domain.RetryAfterOf(err), e.cfg.BaseBackoff)
		res.Deferred = errors.Is(err, domain.ErrBudgetWait) || errors.Is(err, domain.ErrAccountBusy)
	}
	if jerr := e.j.SetStatus(ctx, st.requestID, status, code, reason); jerr != nil {
		return res, jerr
	}
	log.WarnContext(ctx, "request stopped", "status", status, "code", code, "reason", reason)
	res.Status, res.Code, res.Reason, res.UPN = status, code, reason, st.upn
	return res, nil
}

// backoff prefers the server's Retry-After; otherwise it doubles from
// BaseBackoff, capped.
func (e *Engine) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, e.cfg.MaxBackoff)
	}
	d := e.cfg.BaseBackoff << (attempt - 1)
	if d <= 0 || d > e.cfg.MaxBackoff {
		d = e.cfg.MaxBackoff
	}
	return d
}

func (e *Engine) emit(ev Event) {
	if e.cfg.Observer == nil {
		return
	}
	ev.At = e.clk.Now()
	e.cfg.Observer(ev)
}

// crashError marks an injected crash.
type crashError struct{ err error }

func (c *crashError) Error() string { return "injected crash: " + c.err.Error() }
func (c *crashError) Unwrap() error { return c.err }

func (e *Engine) hook(h func(string, domain.Step) error, id string, s domain.Step) error {
	if h == nil {
		return nil
	}
	if err := h(id, s); err != nil {
		return &crashError{err: err}
	}
	return nil
}

// parkInvalid parks a body that does not decode as a request: under its
// own requestId when it has a usable one (domain.RequestIDOf), so the producer
// finds it by the id it sent, else as parkUndecodable does. Nothing is
// asked of Graph.
func (e *Engine) parkInvalid(ctx context.Context, kind string, payload []byte, cause error) (Result, error) {
	id, ok := domain.RequestIDOf(payload)
	if !ok {
		return e.parkUndecodable(ctx, kind, payload, cause)
	}
	reason := "invalid request: " + cause.Error()
	rec, _, err := e.j.Begin(ctx, domain.RequestRecord{ID: id, Kind: kind, Fingerprint: domain.Fingerprint(payload), Payload: clipPayload(payload), Status: domain.RequestReceived})
	if domain.ErrorCode(err) == domain.Conflict {
		// the id was used before for other content
		return Result{RequestID: id, Kind: kind, Status: domain.RequestParked, Code: domain.Conflict, Reason: domain.ErrorMessage(err)}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("journal begin %s: %w", id, err)
	}
	if rec.Status != domain.RequestParked {
		if err := e.j.SetStatus(ctx, id, domain.RequestParked, domain.Invalid, reason); err != nil {
			return Result{}, err
		}
	}
	return Result{RequestID: id, Kind: kind, Status: domain.RequestParked, Code: domain.Invalid, Reason: reason}, nil
}

// maxParkedPayload is how much of a refused body the journal keeps (the
// Table journal's limit for one property); the fingerprint covers all of it.
const maxParkedPayload = 64 << 10

func clipPayload(b []byte) []byte {
	return b[:min(len(b), maxParkedPayload)]
}

// parkUndecodable journals a payload that is not a request at all.
func (e *Engine) parkUndecodable(ctx context.Context, kind string, payload []byte, cause error) (Result, error) {
	fp := domain.Fingerprint(payload)
	id := "invalid-" + fp[:16]
	rec, _, err := e.j.Begin(ctx, domain.RequestRecord{ID: id, Kind: kind, Fingerprint: fp, Payload: clipPayload(payload), Status: domain.RequestReceived})
	if err != nil {
		return Result{}, fmt.Errorf("journal begin %s: %w", id, err)
	}
	reason := "undecodable request: " + cause.Error()
	if rec.Status != domain.RequestParked {
		if err := e.j.SetStatus(ctx, id, domain.RequestParked, domain.Invalid, reason); err != nil {
			return Result{}, err
		}
	}
	return Result{RequestID: id, Kind: kind, Status: domain.RequestParked, Code: domain.Invalid, Reason: reason}, nil
}
