package handler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/logctx"
)

// sbReply is the ReturnValue of a Service Bus invocation: what became of
// the message. It has no output binding; the host logs it.
type sbReply struct {
	RequestID string `json:"requestId,omitempty"`
	Status    string `json:"status"`
	// Action is "none", "scheduled" or "parked".
	Action  string `json:"action"`
	Attempt int    `json:"attempt"`
}

// serveServiceBus runs one onboard or offboard message (REFERENCE §1; the
// policy is in the package comment):
//
//   - broken envelope: 400, the host abandons it and the broker dead-letters
//     it after MaxDeliveryCount (nothing readable to park);
//   - done or superseded: 200;
//   - parked (Invalid, Conflict, NotFound, Business): Bus.Park, 200;
//   - its first Graph write would wait longer than MaxHold (Admission):
//     Bus.Schedule a copy for when the token is due, attempt unchanged,
//     its MessageID DeferMessageID of the delivered one, 200, no run;
//   - retrying only to wait, for the write budget past the run's deadline
//     or for another run's hold on the account (engine.Result.Deferred):
//     as the admission deferral, for RetryAfter, attempt unchanged, 200;
//   - retrying: Bus.Schedule a copy with attempt+1 after the backoff (its
//     MessageID is RetryMessageID of the delivered message), 200, or
//     Bus.Park once MaxAttempts reschedules are spent;
//   - an unclassified error (journal down, run deadline, bus down): 500.
//
// A body that is not a valid request is the engine's to judge: it journals
// and parks it, so it never loops through redeliveries.
func (h *Handler) serveServiceBus(w http.ResponseWriter, r *http.Request, fn funcapp.Function) {
	ctx := r.Context()
	log := h.log.With("function", fn.Name)
	msg, err := h.dec.DecodeServiceBus(r, fn.Binding)
	if err != nil {
		h.settled(fn.Name, SettledMalformed)
		writeMalformed(ctx, w, log, err)
		return
	}
	// every line logged with ctx from here on, the engine's and the Graph
	// adapter's too, names the message and, when the body has a usable
	// one, the request (logctx)
	ids := []slog.Attr{slog.String(logctx.KeyMessageID, msg.MessageID)}
	if id, ok := domain.RequestIDOf(msg.Body); ok {
		ids = append(ids, slog.String(logctx.KeyRequestID, id))
	}
	ctx = logctx.With(ctx, ids...)
	log = log.With("deliveryCount", msg.DeliveryCount)
	attempt, err := attemptOf(msg.ApplicationProperties)
	if err != nil {
		log.WarnContext(ctx, "attempt count unreadable; counting from 0", "error", err)
	}
	// (the reschedule count; "attempt" is a step's, set by the engine)
	log = log.With("reschedules", attempt)
	// The enqueue time orders competing requests for one account (the
	// newer intent wins); a retry or a deferral carries the original's.
	intent := intentOf(msg.ApplicationProperties, msg.EnqueuedTime)

	if at, ok := h.deferral(ctx, log); ok {
		out := OutMessage{MessageID: DeferMessageID(msg.MessageID), Kind: fn.Name, Body: msg.Body, Attempt: attempt, CorrelationID: msg.CorrelationID, IntentAt: intent}
		if err := h.cfg.Bus.Schedule(ctx, out, at); err != nil {
			log.ErrorContext(ctx, "deferral not scheduled; abandoning for redelivery", "error", err)
			h.settled(fn.Name, SettledFailed)
			funchost.WriteResponse(w, http.StatusInternalServerError, funchost.Response{Logs: []string{fn.Name + ": defer: " + err.Error()}})
			return
		}
		line := fmt.Sprintf("%s %s: deferred to %s, when the Graph write budget has a token (%s)", fn.Name, msg.MessageID, at.UTC().Format(time.RFC3339), out.MessageID)
		log.InfoContext(ctx, "message deferred", "deferredMessageId", out.MessageID, "at", at)
		h.observe(Settled{Kind: fn.Name, Outcome: SettledDeferred, Admission: true})
		funchost.WriteResponse(w, http.StatusOK, funchost.Response{Logs: []string{line}, ReturnValue: sbReply{Status: "deferred", Action: "scheduled", Attempt: attempt}})
		return
	}

	runCtx, cancel := context.WithTimeout(ctx, h.cfg.RunTimeout)
	// The journal keeps the first intent time it sees for a request.
	res, err := h.cfg.Processor.ProcessWith(runCtx, fn.Name, msg.Body, engine.ProcessOptions{IntentAt: intent})
	cancel()
	if err != nil {
		log.ErrorContext(ctx, "run failed; abandoning for redelivery", "error", err)
		h.settled(fn.Name, SettledFailed)
		funchost.WriteResponse(w, http.StatusInternalServerError, funchost.Response{Logs: []string{fn.Name + ": run failed: " + domain.ErrorMessage(err)}})
		return
	}
	if res.RequestID != "" {
		// the engine's id: a body without a usable one is parked as
		// "invalid-<hash>"
		ctx = logctx.With(ctx, slog.String(logctx.KeyRequestID, res.RequestID))
	}
	log = log.With("status", string(res.Status))
	out := OutMessage{
		MessageID:     msg.MessageID,
		Kind:          fn.Name,
		Body:          msg.Body,
		Attempt:       attempt,
		CorrelationID: res.RequestID,
		IntentAt:      intent,
	}
	reply := sbReply{RequestID: res.RequestID, Status: string(res.Status), Action: "none", Attempt: attempt}
	var line string
	switch res.Status {
	case domain.RequestDone, domain.RequestSuperseded:
		line = fmt.Sprintf("%s %s: %s", fn.Name, res.RequestID, res.Status)
	case domain.RequestParked:
		err = h.park(ctx, Parked{OutMessage: out, Code: string(res.Code), Reason: res.Reason})
		reply.Action = "parked"
		line = fmt.Sprintf("%s %s: parked (%s): %s", fn.Name, res.RequestID, res.Code, res.Reason)
	case domain.RequestRetrying:
		if res.Deferred {
			reply.Action, line, err = h.deferRun(ctx, log, out, res)
			break
		}
		reply.Action, line, err = h.retry(ctx, log, out, res)
	default:
		err = fmt.Errorf("engine returned status %q", res.Status)
	}
	if err != nil {
		log.ErrorContext(ctx, "settling failed; abandoning for redelivery", "error", err)
		h.settled(fn.Name, SettledFailed)
		funchost.WriteResponse(w, http.StatusInternalServerError, funchost.Response{Logs: []string{fn.Name + " " + res.RequestID + ": " + domain.ErrorMessage(err)}})
		return
	}
	log.InfoContext(ctx, "message handled", "action", reply.Action, "code", string(res.Code))
	h.settled(fn.Name, settledOutcome(res.Status, reply.Action))
	funchost.WriteResponse(w, http.StatusOK, funchost.Response{Logs: []string{line}, ReturnValue: reply})
}

// Settled is what became of one onboard or offboard invocation
// (Config.Observer).
type Settled struct {
	// Kind is the function: "onboard" or "offboard".
	Kind string
	// Outcome is one of the Settled* outcomes.
	Outcome string
	// Admission is set on a deferral made before the run, because the
	// run's first Graph write would have waited past MaxHold for the
	// write budget (Config.Admission).
	Admission bool
}

// Outcomes of Settled.
const (
	SettledDone       = "done"       // the request is done (now or before)
	SettledSuperseded = "superseded" // a newer request for the account won
	SettledParked     = "parked"     // set aside with its reason
	SettledRetrying   = "retrying"   // rescheduled with backoff, attempt+1
	SettledDeferred   = "deferred"   // rescheduled to wait (write budget, a busy account), attempt unchanged
	SettledFailed     = "failed"     // answered 500: the host abandons the message
	SettledMalformed  = "malformed"  // an envelope that could not be decoded (400, 413)
)

// settledOutcome is the outcome of a run the handler settled with action.
func settledOutcome(status domain.RequestStatus, action string) string {
	switch {
	case action == "parked":
		return SettledParked // a retrying request out of reschedules too
	case action == "deferred":
		return SettledDeferred
	case status == domain.RequestRetrying:
		return SettledRetrying
	case status == domain.RequestSuperseded:
		return SettledSuperseded
	}
	return SettledDone
}

func (h *Handler) settled(kind, outcome string) {
	h.observe(Settled{Kind: kind, Outcome: outcome})
}

func (h *Handler) observe(s Settled) {
	if h.cfg.Observer != nil {
		h.cfg.Observer(s)
	}
}

// deferral reports when a message should run instead of now: when its
// first Graph write would wait longer than MaxHold. An unanswerable budget
// defers nothing (the run then meets the budget itself).
func (h *Handler) deferral(ctx context.Context, log *slog.Logger) (time.Time, bool) {
	if h.cfg.Admission == nil {
		return time.Time{}, false
	}
	d, err := h.cfg.Admission.Delay(ctx)
	if err != nil {
		log.WarnContext(ctx, "write budget not consulted; running now", "error", err)
		return time.Time{}, false
	}
	if d <= h.cfg.MaxHold {
		return time.Time{}, false
	}
	return h.cfg.Clock.Now().Add(d), true
}

// retry reschedules a retrying request with backoff, or parks it when its
// reschedules are spent.
func (h *Handler) retry(ctx context.Context, log *slog.Logger, out OutMessage, res engine.Result) (action, line string, err error) {
	if out.Attempt >= h.cfg.MaxAttempts {
		reason := fmt.Sprintf("gave up after %d attempts: %s", out.Attempt+1, res.Reason)
		code := res.Code
		if code == "" {
			code = domain.Transient
		}
		if err := h.park(ctx, Parked{OutMessage: out, Code: string(code), Reason: reason}); err != nil {
			return "", "", err
		}
		return "parked", fmt.Sprintf("%s %s: %s", out.Kind, res.RequestID, reason), nil
	}
	delay := h.cfg.Backoff.Delay(out.Attempt, res.RetryAfter)
	at := h.cfg.Clock.Now().Add(delay)
	next := out
	next.Attempt = out.Attempt + 1
	// Derived from the delivered message's id, so a replayed request's
	// retries never reuse an id its earlier run scheduled (duplicate
	// detection would drop them), yet a redelivery collapses.
	next.MessageID = RetryMessageID(res.RequestID, out.MessageID, next.Attempt)
	if err := h.cfg.Bus.Schedule(ctx, next, at); err != nil {
		return "", "", fmt.Errorf("schedule retry: %w", err)
	}
	log.InfoContext(ctx, "retry scheduled", "retryMessageId", next.MessageID, "delay", delay.String(), "at", at)
	return "scheduled", fmt.Sprintf("%s %s: retrying (%s), attempt %d scheduled in %s: %s", out.Kind, res.RequestID, res.Code, next.Attempt, delay, res.Reason), nil
}

// deferRun reschedules a request that stopped only to wait
// (engine.Result.Deferred: for the Graph write budget, or for another run's
// hold on the account) for after its RetryAfter, as an admission deferral
// does: attempt unchanged, so waiting never parks a request.
func (h *Handler) deferRun(ctx context.Context, log *slog.Logger, out OutMessage, res engine.Result) (action, line string, err error) {
	at := h.cfg.Clock.Now().Add(res.RetryAfter)
	next := out
	next.MessageID = DeferMessageID(out.MessageID)
	if err := h.cfg.Bus.Schedule(ctx, next, at); err != nil {
		return "", "", fmt.Errorf("schedule deferral: %w", err)
	}
	log.InfoContext(ctx, "run deferred", "deferredMessageId", next.MessageID, "at", at, "reason", res.Reason)
	return "deferred", fmt.Sprintf("%s %s: deferred to %s (%s); attempt %d unchanged: %s",
		out.Kind, res.RequestID, at.UTC().Format(time.RFC3339), next.MessageID, out.Attempt, res.Reason), nil
}

func (h *Handler) park(ctx context.Context, p Parked) error {
	if err := h.cfg.Bus.Park(ctx, p); err != nil {
		return fmt.Errorf("park: %w", err)
	}
	return nil
}

// writeMalformed answers an invocation the handler cannot decode: 413 for
// an envelope over the size cap, 400 for anything else, with the reason in
// the logs the host records.
func writeMalformed(ctx context.Context, w http.ResponseWriter, log *slog.Logger, err error) {
	status := http.StatusBadRequest
	if errors.Is(err, funchost.ErrBodyTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	log.WarnContext(ctx, "malformed invocation", "status", status, "error", err)
	funchost.WriteResponse(w, status, funchost.Response{Logs: []string{err.Error()}})
}
