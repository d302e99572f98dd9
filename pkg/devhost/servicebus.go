package devhost

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// dispatch feeds function f from queue name with up to Concurrency
// invocations in flight on each instance, each delivery going to an
// instance with a free slot (slots are handed out interleaved, so
// deliveries spread evenly). It waits, without polling the store, on the first
// of: a change signalled by the queue handle, an invocation finishing, the
// next visible time (scheduled message or lock expiry), or PollInterval
// (a fallback: Run's queue.WatchOthers signals other processes' sends
// through Changes too). Store errors are logged and retried after
// PollInterval.
func (h *Host) dispatch(ctx context.Context, f funcapp.Function, name string) error {
	log := h.cfg.Logger.With("function", f.Name, "queue", name)
	total := h.cfg.Concurrency * len(h.cfg.Handlers)
	slots := make(chan int, total)
	for range h.cfg.Concurrency {
		for i := range h.cfg.Handlers {
			slots <- i
		}
	}
	done := make(chan struct{}, total)
	inFlight := 0
	defer func() {
		for ; inFlight > 0; inFlight-- {
			<-done
		}
	}()
	for {
		// Take the change channel before looking, so that a send between the
		// look and the wait is not missed.
		changes := h.cfg.Queue.Changes()
		free := total - inFlight
		var msgs []queue.Message
		if free > 0 {
			var err error
			msgs, err = h.cfg.Queue.Receive(ctx, name, free)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				// A store error (e.g. the file is busy beyond its timeout)
				// is retried after PollInterval rather than ending the host.
				log.WarnContext(ctx, "receive failed; retrying", "err", err)
				msgs = nil
			}
		}
		for _, m := range msgs {
			inFlight++
			instance := <-slots // inFlight < total: one is free
			go func() {
				defer func() { slots <- instance; done <- struct{}{} }()
				h.deliver(ctx, instance, f, name, m)
			}()
		}
		if len(msgs) > 0 {
			continue
		}
		var wake <-chan struct{}
		stopWake := func() {}
		if free > 0 {
			wait := h.cfg.PollInterval
			next, ok, err := h.cfg.Queue.NextVisible(ctx, name)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				log.WarnContext(ctx, "next visible failed; retrying", "err", err)
			}
			if err == nil && ok {
				if d := next.Sub(h.cfg.Clock.Now()); d < wait {
					wait = max(d, time.Millisecond)
				}
			}
			wake, stopWake = wakeAfter(ctx, h.cfg.Clock, wait)
		}
		select {
		case <-ctx.Done():
			stopWake()
			log.DebugContext(ctx, "dispatcher stopping", "inFlight", inFlight)
			return nil
		case <-changes:
		case <-done:
			inFlight--
		case <-wake:
		}
		stopWake()
	}
}

// deliver invokes f with m and settles m: Complete on 2xx, Abandon
// otherwise. Settling uses a context that outlives ctx by the lock, so a
// shutdown does not strand a finished invocation.
func (h *Host) deliver(ctx context.Context, instance int, f funcapp.Function, name string, m queue.Message) {
	inv := Invocation{Function: f.Name, InvocationID: newInvocationID(), MessageID: m.MessageID, DeliveryCount: m.DeliveryCount, Instance: instance}
	began := h.cfg.Clock.Now()
	env, err := h.enc.ServiceBus(f.Name, f.Binding, funchost.ServiceBusMessage{
		Body: m.Body, MessageID: m.MessageID, CorrelationID: m.CorrelationID, ContentType: m.ContentType,
		Subject: m.Subject, LockToken: m.LockToken, DeliveryCount: m.DeliveryCount, SequenceNumber: m.SequenceNumber,
		EnqueuedTime: m.EnqueuedTime, ExpiresAt: m.ExpiresAt, ApplicationProperties: m.ApplicationProperties,
	})
	var rep reply
	if err == nil {
		rep, err = h.invoke(ctx, instance, f.Name, inv.InvocationID, env)
	}
	inv.Status = rep.status
	settleCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil && ok2xx(rep.status) {
		inv.Outcome = OutcomeCompleted
		inv.Err = h.cfg.Queue.Complete(settleCtx, name, m.LockToken)
	} else {
		if err == nil {
			err = fmt.Errorf("devhost: %s returned HTTP %d", f.Name, rep.status)
		} else if rep.status == 0 {
			_ = h.cfg.Clock.Sleep(ctx, min(h.cfg.TransportErrorDelay, h.cfg.LockDuration)) // ends early on shutdown
		}
		inv.Outcome = OutcomeAbandoned
		if aerr := h.cfg.Queue.Abandon(settleCtx, name, m.LockToken); aerr != nil {
			err = errors.Join(err, aerr)
		}
		inv.Err = err
	}
	if errors.Is(inv.Err, queue.ErrLockLost) {
		inv.Outcome = OutcomeLockLost
	}
	inv.Took = h.cfg.Clock.Now().Sub(began)
	h.cfg.Logger.InfoContext(ctx, "invocation finished", "function", f.Name, "invocationId", inv.InvocationID,
		"messageId", m.MessageID, "instance", instance, "deliveryCount", m.DeliveryCount, "status", inv.Status, "outcome", inv.Outcome, "err", inv.Err)
	h.observe(inv)
}
