package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// sweepHold is how long a sweep or the reconciler holds an account while
// it warns the sponsor (one mail), deletes it past retention or repairs a
// drift: a run's lease TTL, so that a crashed sweep's hold lapses as soon
// as a crashed run's does, and no request waits long behind it.
func (e *Engine) sweepHold() time.Time { return e.clk.Now().Add(e.cfg.LeaseTTL) }

// leasePoll is how often a run waiting for another run of the same request
// looks at the account lease again.
const leasePoll = time.Second

// ownerSep separates the request id from the run's nonce in a lease owner.
const ownerSep = "#"

// runOwner names one run of a request on the account lease: the request
// id, so that the holder can be named, and a random nonce, so that a
// duplicate delivery of the same request running at the same moment (on
// another instance, after a lost message lock) does not share the lease.
func runOwner(requestID string) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; keep going
		// with a nonce that is still unique within this process.
		return fmt.Sprintf("%s%s%x", requestID, ownerSep, time.Now().UnixNano())
	}
	return requestID + ownerSep + hex.EncodeToString(b[:])
}

// holderRequest is the request id in a lease owner (a sweep's owner, or a
// lease written before owners carried a nonce, is returned whole).
func holderRequest(owner string) string {
	id, _, _ := strings.Cut(owner, ownerSep)
	return id
}

// claim makes this run the only one changing the account and checks that
// no newer intent for it has been applied. It returns stop=true with the
// result to return when the run must end here: superseded by a newer
// request, finished meanwhile by another run of the same request, or
// waiting its turn (retrying).
//
// The rule: each account has one lease (the journal's), and remembers the
// intent time of the last request applied to it. A request whose intent is
// older than that was overtaken — an onboard delivered after the offboard
// that followed it, say — and is marked superseded, with the reason, instead
// of undoing the newer request's work. Equal intent times (the host keeps
// whole seconds) resolve in processing order.
//
// Two runs of the same request (a duplicate delivery) hold the lease under
// different owners. The later one waits for the earlier, up to the run
// budget, and then reads the journal again: usually it finds the request
// done and changes nothing. A crashed run's lease lapses after LeaseTTL,
// which is shorter than the budget, so its redelivery takes over.
func (e *Engine) claim(ctx context.Context, log *slog.Logger, res Result, st *state, budget time.Time) (Result, bool, error) {
	began := e.clk.Now()
	for {
		until := e.clk.Now().Add(e.cfg.LeaseTTL)
		holder, err := e.j.AcquireLease(ctx, st.upn, st.owner, until)
		if err != nil {
			return res, true, err
		}
		if holder == "" {
			st.leased, st.leaseUntil = true, until
			e.leaseClaimed(st, LeaseAcquired, began)
			break
		}
		if holderRequest(holder) != st.requestID {
			// Waiting for another run's hold is no fault of this request:
			// it is deferred (attempt unchanged), and looks again after a
			// quarter of a lease, by when a crashed holder's has lapsed
			// or a live one has moved on.
			wait := &domain.Error{Code: domain.Transient, RetryAfter: max(e.cfg.BaseBackoff, e.cfg.LeaseTTL/4), Err: domain.ErrAccountBusy,
				Message: fmt.Sprintf("request %s is changing %s now; this request waits its turn", holderRequest(holder), st.upn)}
			e.leaseClaimed(st, LeaseBusy, began)
			out, err := e.stop(ctx, log, res, st, domain.StepValidate, wait)
			return out, true, err
		}
		if !e.clk.Now().Add(leasePoll).Before(budget) {
			e.leaseClaimed(st, LeaseYielded, began)
			return e.yield(ctx, log, res, st, holder), true, nil
		}
		if err := e.clk.Sleep(ctx, leasePoll); err != nil {
			return res, true, err
		}
	}
	// Under the lease: what another run of this request did before it let
	// go is in the journal now.
	rec, err := e.j.Request(ctx, st.requestID)
	if err != nil {
		return res, true, err
	}
	switch rec.Status {
	case domain.RequestDone, domain.RequestSuperseded:
		log.InfoContext(ctx, "another run of this request finished it", "status", rec.Status)
		res.Status, res.AlreadyDone, res.Code, res.Reason, res.UPN = rec.Status, true, rec.ReasonCode, rec.Reason, st.upn
		return res, true, nil
	case domain.RequestRunning:
	default:
		// another run stopped it (retrying, parked); this run goes on
		if err := e.j.SetStatus(ctx, st.requestID, domain.RequestRunning, "", ""); err != nil {
			return res, true, err
		}
	}
	if err := e.loadSteps(ctx, st); err != nil {
		return res, true, err
	}
	a, err := e.j.Account(ctx, st.upn)
	switch domain.ErrorCode(err) {
	case domain.NotFound, "":
	default:
		return res, true, err
	}
	by, at := newestIntent(a)
	if by == "" || by == st.requestID || !at.After(st.intentAt) {
		return res, false, e.claimIntent(ctx, st, a)
	}
	left := "left " + st.upn + " " + string(a.State)
	if a.State == "" || by != a.LastRequest {
		left = "is changing " + st.upn + " or has"
	}
	reason := fmt.Sprintf("superseded by the newer request %s (intent %s; this one %s), which %s",
		by, at.UTC().Format(time.RFC3339), st.intentAt.UTC().Format(time.RFC3339), left)
	if err := e.j.SetStatus(ctx, st.requestID, domain.RequestSuperseded, "", reason); err != nil {
		return res, true, err
	}
	log.InfoContext(ctx, "request superseded", "upn", st.upn, "by", by)
	res.Status, res.Reason, res.UPN = domain.RequestSuperseded, reason, st.upn
	return res, true, nil
}

// LeaseClaim is how one run's claim on its account's lease ended
// (Config.OnLease).
type LeaseClaim struct {
	// Kind is the request's kind.
	Kind string
	// Outcome is LeaseAcquired, LeaseBusy or LeaseYielded.
	Outcome string
	// Waited is how long the run waited for the lease, on the engine's
	// clock: for another run of the same request to let go (a duplicate
	// delivery); a run never waits for another request's hold.
	Waited time.Duration
}

// Outcomes of a LeaseClaim.
const (
	// LeaseAcquired: the run holds the account.
	LeaseAcquired = "acquired"
	// LeaseBusy: another request holds the account; the run was deferred
	// (domain.ErrAccountBusy) without counting an attempt.
	LeaseBusy = "busy"
	// LeaseYielded: another run of the same request kept the account until
	// this run's budget ran out; this run left the request to it.
	LeaseYielded = "yielded"
)

// leaseClaimed tells Config.OnLease how st's claim ended.
func (e *Engine) leaseClaimed(st *state, outcome string, began time.Time) {
	if e.cfg.OnLease == nil {
		return
	}
	e.cfg.OnLease(LeaseClaim{Kind: st.kind, Outcome: outcome, Waited: e.clk.Now().Sub(began)})
}

// newestIntent is the newest intent the journal knows for the account:
// the last request that completed a change (LastRequest, IntentAt) or the
// last that claimed it (ClaimedBy, ClaimedAt), whichever is newer.
func newestIntent(a domain.AccountRecord) (string, time.Time) {
	if a.ClaimedBy != "" && a.ClaimedAt.After(a.IntentAt) {
		return a.ClaimedBy, a.ClaimedAt
	}
	return a.LastRequest, a.IntentAt
}

// claimIntent records, under the lease, that this request is the newest
// to take the account (ClaimedBy, ClaimedAt), unless it already is. A run
// may stop part-way (deferred for the write budget, a crash) and leave the
// account to another request; recording the claim before changing
// anything, not only on completion, means an older request that comes
// back later is superseded instead of undoing the steps of a newer one
// that is itself part-way (found by the long chaos run: accounts left half
// onboarded, half offboarded). For an account the journal has no record
// of yet, the record holds the claim alone (State "").
func (e *Engine) claimIntent(ctx context.Context, st *state, a domain.AccountRecord) error {
	if a.ClaimedBy == st.requestID && a.ClaimedAt.Equal(st.intentAt) {
		return nil
	}
	return e.saveAccount(ctx, st.upn, func(r *domain.AccountRecord) {
		if by, at := newestIntent(*r); by != "" && by != st.requestID && at.After(st.intentAt) {
			return // (under the lease this does not happen: someone newer came first)
		}
		r.ClaimedBy, r.ClaimedAt = st.requestID, st.intentAt
	})
}

// loadSteps reads the request's finished steps and their outputs into st.
func (e *Engine) loadSteps(ctx context.Context, st *state) error {
	done, err := e.j.Steps(ctx, st.requestID)
	if err != nil {
		return err
	}
	st.finished = map[domain.Step]bool{}
	for _, s := range done {
		if s.Status == domain.StepDone {
			st.finished[s.Step] = true
			for k, v := range s.Outputs {
				st.outputs[k] = v
			}
		}
	}
	return nil
}

// renewLease extends this run's lease so that it lasts at least LeaseTTL
// past a wait of d. It writes only when less than half of that is left.
// A lease that lapsed (the run stalled past it) or was taken by another run
// ends this run with leaseLostError: another run of the request may have
// taken over, and even finished, meanwhile.
func (e *Engine) renewLease(ctx context.Context, st *state, d time.Duration) error {
	if !e.leaseDue(st, d) {
		return nil
	}
	now := e.clk.Now()
	if !st.leaseUntil.After(now) {
		st.leased = false
		return &leaseLostError{lapsed: true}
	}
	until := now.Add(d + e.cfg.LeaseTTL)
	holder, err := e.j.AcquireLease(ctx, st.upn, st.owner, until)
	if err != nil {
		return err
	}
	if holder != "" {
		st.leased = false
		return &leaseLostError{holder: holder}
	}
	st.leaseUntil = until
	return nil
}

// leaseDue reports whether renewLease(st, d) would write: the run holds a
// lease with less than half of LeaseTTL left past a wait of d.
func (e *Engine) leaseDue(st *state, d time.Duration) bool {
	return st.leased && !st.leaseUntil.After(e.clk.Now().Add(d+e.cfg.LeaseTTL/2))
}

// leaseLostError ends a run whose lease lapsed or was taken over.
type leaseLostError struct {
	holder string
	lapsed bool
}

func (l *leaseLostError) Error() string {
	if l.lapsed {
		return "this run stalled past its account lease"
	}
	return "the account lease lapsed and was taken by " + holderRequest(l.holder)
}

// yours reports whether the request should be left to whoever holds the
// account now (another run of it may): true unless another request took it.
func (l *leaseLostError) yours(requestID string) bool {
	return l.lapsed || holderRequest(l.holder) == requestID
}

// yield ends a run that leaves the request to another run of it (one that
// holds the account lease). The journal is the other run's to update, so
// nothing is written; the caller reschedules, and the next delivery
// usually finds the request done.
func (e *Engine) yield(ctx context.Context, log *slog.Logger, res Result, st *state, holder string) Result {
	log.InfoContext(ctx, "another run of this request holds the account; leaving it that run", "upn", st.upn)
	res.Status, res.Code, res.UPN = domain.RequestRetrying, domain.Transient, st.upn
	res.Reason = fmt.Sprintf("another run of %s may be changing %s now", st.requestID, st.upn)
	if holder != "" {
		res.Reason = fmt.Sprintf("another run of %s is changing %s now (lease %s)", st.requestID, st.upn, holder)
	}
	res.RetryAfter = e.cfg.LeaseTTL
	return res
}

// finishedElsewhere answers for a run whose request another run finished
// while this one started.
func (e *Engine) finishedElsewhere(ctx context.Context, res Result) (Result, error) {
	rec, err := e.j.Request(ctx, res.RequestID)
	if err != nil {
		return Result{}, err
	}
	switch rec.Status {
	case domain.RequestDone, domain.RequestSuperseded:
		res.Status, res.AlreadyDone, res.Code, res.Reason = rec.Status, true, rec.ReasonCode, rec.Reason
		return res, nil
	}
	return Result{}, domain.Errorf(domain.Internal, "request %s is %s and cannot run", res.RequestID, rec.Status)
}

// saveAccount updates the journal's account record with change, keeping
// what change does not touch (sponsor, warning); it starts from an empty
// record for an account the journal has not seen.
func (e *Engine) saveAccount(ctx context.Context, upn string, change func(*domain.AccountRecord)) error {
	return e.j.UpdateAccount(ctx, upn, func(a *domain.AccountRecord) {
		a.UPN = upn
		change(a)
	})
}
