package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// leaseMargin is added to the run budget for an account lease, so that a
// run that waits out its whole budget still holds its lease, and a crashed
// run's lease expires soon after.
const leaseMargin = 2 * time.Minute

// claim makes this run the only one changing the account and checks that
// no newer intent for it has been applied. It returns stop=true with the
// result to return when the run must end here: superseded by a newer
// request, or waiting its turn (retrying).
//
// The rule: each account has one lease (the journal's), and remembers the
// intent time of the last request applied to it. A request whose intent is
// older than that was overtaken — an onboard delivered after the offboard
// that followed it, say — and is marked superseded, with the reason, instead
// of undoing the newer request's work. Equal intent times (the host keeps
// whole seconds) resolve in processing order.
func (e *Engine) claim(ctx context.Context, log *slog.Logger, res Result, st *state) (Result, bool, error) {
	until := e.clk.Now().Add(e.cfg.RunBudget + leaseMargin)
	holder, err := e.j.AcquireLease(ctx, st.upn, st.requestID, until)
	if err != nil {
		return res, true, err
	}
	if holder != "" {
		wait := &domain.Error{Code: domain.Transient, RetryAfter: e.cfg.BaseBackoff,
			Message: fmt.Sprintf("request %s is changing %s now; this request waits its turn", holder, st.upn)}
		out, err := e.stop(ctx, log, res, st, domain.StepValidate, wait)
		return out, true, err
	}
	st.leased = true
	a, err := e.j.Account(ctx, st.upn)
	switch domain.ErrorCode(err) {
	case domain.NotFound:
		return res, false, nil
	case "":
	default:
		return res, true, err
	}
	if a.LastRequest == "" || a.LastRequest == st.requestID || !a.IntentAt.After(st.intentAt) {
		return res, false, nil
	}
	reason := fmt.Sprintf("superseded by the newer request %s (intent %s; this one %s), which left %s %s",
		a.LastRequest, a.IntentAt.UTC().Format(time.RFC3339), st.intentAt.UTC().Format(time.RFC3339), st.upn, a.State)
	if err := e.j.SetStatus(ctx, st.requestID, domain.RequestSuperseded, "", reason); err != nil {
		return res, true, err
	}
	log.Info("request superseded", "upn", st.upn, "by", a.LastRequest)
	res.Status, res.Reason, res.UPN = domain.RequestSuperseded, reason, st.upn
	return res, true, nil
}

// saveAccount updates the journal's account record with change, keeping
// what change does not touch (sponsor, warning); it starts from an empty
// record for an account the journal has not seen.
func (e *Engine) saveAccount(ctx context.Context, upn string, change func(*domain.AccountRecord)) error {
	a, err := e.j.Account(ctx, upn)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	a.UPN = upn
	change(&a)
	return e.j.PutAccount(ctx, a)
}
