package devhost

import (
	"context"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// runTimer invokes f at each occurrence of sched, one invocation at a time,
// with the host's timer payload: ScheduleStatus Last (the previous
// occurrence, null status on the first run), Next, LastUpdated; IsPastDue
// when the invocation starts after the following occurrence has already
// passed. A failed invocation is logged and not retried (no retry policy
// configured). There is no runOnStartup and no persisted schedule monitor.
func (h *Host) runTimer(ctx context.Context, f funcapp.Function, sched *Schedule) error {
	var last, lastUpdated time.Time
	first := true
	due := sched.Next(h.cfg.Clock.Now())
	for {
		if due.IsZero() {
			return fmt.Errorf("schedule %q has no next occurrence", sched)
		}
		if d := due.Sub(h.cfg.Clock.Now()); d > 0 {
			if h.cfg.Clock.Sleep(ctx, d) != nil {
				return nil
			}
			continue // re-check: a fake or adjusted clock may wake early
		}
		now := h.cfg.Clock.Now()
		next := sched.Next(due)
		info := funchost.TimerInfo{IsPastDue: !now.Before(next), Next: next, LastUpdated: now}
		if !first {
			info.Last, info.LastUpdated = last, lastUpdated
		}
		inv := Invocation{Function: f.Name, InvocationID: newInvocationID()}
		began := h.cfg.Clock.Now()
		env, err := h.enc.Timer(f.Name, f.Binding, info)
		var rep reply
		if err == nil {
			inv.Instance = h.next()
			rep, err = h.invoke(ctx, inv.Instance, f.Name, inv.InvocationID, env)
		}
		inv.Status, inv.Took = rep.status, h.cfg.Clock.Now().Sub(began)
		switch {
		case err != nil:
			inv.Outcome, inv.Err = OutcomeFailed, err
		case !ok2xx(rep.status):
			inv.Outcome, inv.Err = OutcomeFailed, fmt.Errorf("devhost: %s returned HTTP %d", f.Name, rep.status)
		default:
			inv.Outcome = OutcomeOK
		}
		if ctx.Err() != nil {
			return nil
		}
		h.cfg.Logger.InfoContext(ctx, "timer invocation finished", "function", f.Name, "invocationId", inv.InvocationID,
			"status", inv.Status, "outcome", inv.Outcome, "err", inv.Err)
		h.observe(inv)
		first, last, lastUpdated = false, due, now
		due = sched.Next(h.cfg.Clock.Now())
	}
}
