package handler

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// sweepReply is the ReturnValue of an expiry sweep.
//
// Sent counts the offboards handed to the queue. Of those, Enqueued are
// new messages and Duplicates the copies duplicate detection dropped
// (an overlapping sweep sent them first); both are absent when the bus
// cannot tell them apart (Service Bus), and Sent is all that is known.
type sweepReply struct {
	Expired    int  `json:"expired"`
	Sent       int  `json:"sent"`
	Enqueued   *int `json:"enqueued,omitempty"`
	Duplicates *int `json:"duplicates,omitempty"`
	Failed     int  `json:"failed"`
	Warned     int  `json:"warned"`
	Deleted    int  `json:"deleted"`
}

// count adds a send of n messages with its result.
func (r *sweepReply) count(n int, res BatchResult) {
	if r.Sent == 0 && res.Counted {
		r.Enqueued, r.Duplicates = new(int), new(int)
	}
	r.Sent += n
	if !res.Counted {
		r.Enqueued, r.Duplicates = nil, nil
	}
	if r.Enqueued != nil {
		*r.Enqueued += n - res.Duplicates
		*r.Duplicates += res.Duplicates
	}
}

// sentText says what the sweep's sends amounted to.
func (r sweepReply) sentText() string {
	if r.Enqueued == nil {
		if r.Sent == 0 {
			return "0 sent"
		}
		return fmt.Sprintf("%d sent (the bus does not report how many duplicate detection dropped)", r.Sent)
	}
	return fmt.Sprintf("%d sent: %d enqueued, %d dropped as duplicates", r.Sent, *r.Enqueued, *r.Duplicates)
}

// serveSweep runs the expiry sweep: one offboard request per ended contract,
// sent with the expiry's deterministic MessageID so that the queue's
// duplicate detection collapses overlapping sweeps, then the deletion of
// sponsors' warnings of contracts ending soon, then the deletion of accounts
// past retention. A send that fails does not stop the others; any
// failure replies 500 (the timer invocation fails and the next run, which
// finds the same expiries, makes up for it).
func (h *Handler) serveSweep(w http.ResponseWriter, r *http.Request, fn funcapp.Function) {
	ctx := r.Context()
	log := h.log.With("function", fn.Name)
	t, err := h.dec.DecodeTimer(r, fn.Binding)
	if err != nil {
		writeMalformed(ctx, w, log, err)
		return
	}
	now := h.cfg.Clock.Now()
	log = log.With("pastDue", t.IsPastDue)
	var reply sweepReply
	var errs []error
	batcher, batched := h.cfg.Bus.(BatchSender)
	size := 1
	if batched {
		size = SweepBatch
	}
	// Offboards are sent as the listing finds them, size at a time, so the
	// sweep holds one batch however many contracts have ended.
	pending := make([]OutMessage, 0, size)
	flush := func() {
		if len(pending) == 0 {
			return
		}
		ms := pending
		pending = make([]OutMessage, 0, size)
		var (
			res BatchResult
			err error
		)
		if batched {
			res, err = batcher.SendBatch(ctx, ms)
		} else {
			err = h.cfg.Bus.Send(ctx, ms[0])
		}
		if err != nil {
			reply.Failed += len(ms)
			log.ErrorContext(ctx, "enqueue offboard failed", "messages", len(ms), "firstMessageId", ms[0].MessageID, "error", err)
			errs = append(errs, fmt.Errorf("enqueue %d offboards from %s: %w", len(ms), ms[0].MessageID, err))
			return
		}
		reply.count(len(ms), res)
		// one line per batch; each message (whose id is its request's) at debug
		attrs := []any{"count", len(ms), "firstMessageId", ms[0].MessageID, "lastMessageId", ms[len(ms)-1].MessageID}
		if res.Counted {
			attrs = append(attrs, "duplicates", res.Duplicates)
		}
		log.InfoContext(ctx, "offboards enqueued", attrs...)
		for _, m := range ms {
			log.DebugContext(ctx, "offboard enqueued", "messageId", m.MessageID, "requestId", m.MessageID)
		}
	}
	scan, err := h.cfg.Sweeper.ScanContracts(ctx, now, func(e engine.Expiry) error {
		pending = append(pending, OutMessage{MessageID: e.MessageID, Kind: domain.KindOffboard, Body: e.Payload, CorrelationID: e.MessageID})
		if len(pending) == size {
			flush() // a failed send is counted and reported; the scan goes on
		}
		return nil
	})
	flush()
	if err != nil {
		errs = append(errs, fmt.Errorf("find expired: %w", err))
	}
	reply.Expired = scan.Expired
	warned, err := h.cfg.Sweeper.WarnSoon(ctx, now, scan.Soon)
	if err != nil {
		errs = append(errs, fmt.Errorf("warn sponsors: %w", err))
	}
	reply.Warned = len(warned)
	deleted, err := h.cfg.Sweeper.DeletePastRetention(ctx, now)
	if err != nil {
		errs = append(errs, fmt.Errorf("delete past retention: %w", err))
	}
	reply.Deleted = len(deleted)
	logs := []string{fmt.Sprintf("expiry sweep: %d expired, %s, %d failed, %d sponsors warned, %d deleted past retention",
		reply.Expired, reply.sentText(), reply.Failed, reply.Warned, reply.Deleted)}
	if err := errors.Join(errs...); err != nil {
		log.ErrorContext(ctx, "expiry sweep incomplete", "error", err, "sent", reply.Sent, "failed", reply.Failed)
		funchost.WriteResponse(w, http.StatusInternalServerError, funchost.Response{Logs: append(logs, "expiry sweep incomplete: "+domain.ErrorMessage(err)), ReturnValue: reply})
		return
	}
	log.InfoContext(ctx, "expiry sweep done", "expired", reply.Expired, "sent", reply.Sent, "deleted", reply.Deleted)
	funchost.WriteResponse(w, http.StatusOK, funchost.Response{Logs: logs, ReturnValue: reply})
}

// reconcileReply is the ReturnValue of a reconcile run.
type reconcileReply struct {
	Checked  int `json:"checked"`
	Drifts   int `json:"drifts"`
	Repaired int `json:"repaired"`
	Reported int `json:"reported"`
	Busy     int `json:"busy"`
}

// serveReconcile runs the drift repair (engine.Reconcile) on its timer. A
// run that cannot read the tenant or the journal replies 500; the next
// run finds the same drift.
func (h *Handler) serveReconcile(w http.ResponseWriter, r *http.Request, fn funcapp.Function) {
	ctx := r.Context()
	log := h.log.With("function", fn.Name)
	if _, err := h.dec.DecodeTimer(r, fn.Binding); err != nil {
		writeMalformed(ctx, w, log, err)
		return
	}
	rep, err := h.cfg.Reconciler.Reconcile(ctx, h.cfg.Clock.Now(), false)
	reply := reconcileReply{Checked: rep.Checked, Drifts: len(rep.Drifts), Busy: len(rep.Busy)}
	for _, d := range rep.Drifts {
		switch {
		case d.Repaired:
			reply.Repaired++
		case d.Report != "":
			reply.Reported++
		}
	}
	logs := []string{fmt.Sprintf("reconcile: %d accounts checked, %d drifts, %d repaired, %d reported, %d busy",
		reply.Checked, reply.Drifts, reply.Repaired, reply.Reported, reply.Busy)}
	for _, d := range rep.Drifts {
		if d.Report != "" {
			log.WarnContext(ctx, "drift reported", "upn", d.UPN, "what", d.What, "want", d.Want, "have", d.Have, "report", d.Report)
		}
	}
	if err != nil {
		log.ErrorContext(ctx, "reconcile incomplete", "error", err)
		funchost.WriteResponse(w, http.StatusInternalServerError, funchost.Response{Logs: append(logs, "reconcile incomplete: "+domain.ErrorMessage(err)), ReturnValue: reply})
		return
	}
	log.InfoContext(ctx, "reconcile done", "checked", reply.Checked, "repaired", reply.Repaired, "reported", reply.Reported)
	funchost.WriteResponse(w, http.StatusOK, funchost.Response{Logs: logs, ReturnValue: reply})
}
