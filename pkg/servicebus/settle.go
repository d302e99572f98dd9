package servicebus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/vendorflow/vendorflow/pkg/handler"
)

// settleTimeout bounds abandoning the messages a Replay or Purge held and
// closing a receiver, which also run after ctx has ended.
const settleTimeout = 30 * time.Second

// Replay sends each match back to the queue of its kind and then removes
// it from where it was set aside; it returns how many it replayed.
//
// Per source it peeks the matches, then receives with peek-lock from the
// start of the source until it holds every match (or MaxReplay messages).
// For a match it sends a copy — body, CorrelationID (requestId) and kind
// unchanged, MessageID "<id>-replay-<sequence number>", attempt 0 for a
// parked message and unchanged for a broker dead letter, DeliveryCount 0 as
// for any new message — and only then completes the original. A crash or
// a failed complete between the two leaves both: the request is processed
// again, which the idempotent steps absorb, and a second Replay of the same
// original sends the same MessageID, which the queue's duplicate detection
// (when enabled) drops. A failed send abandons the original, which stays
// where it was. Messages received but not selected are held locked until
// the source is done, so that the pass does not see them again, and are
// then abandoned (learn.microsoft.com/azure/service-bus-messaging/
// message-transfers-locks-settlement). Abandoning counts as a delivery: a
// parked message abandoned MaxDeliveryCount times moves to the parking
// queue's dead-letter subqueue, which List, Replay and Purge also read.
func (b *Bus) Replay(ctx context.Context, f handler.Filter) (int, error) {
	return b.settle(ctx, f, "replay", b.replayOne)
}

// Purge receives the matches with peek-lock, as Replay does, and completes
// them, which deletes them; it returns how many it deleted.
func (b *Bus) Purge(ctx context.Context, f handler.Filter) (int, error) {
	return b.settle(ctx, f, "purge", nil)
}

// action is what Replay does with a selected message before completing it.
type action func(ctx context.Context, src source, m *azservicebus.ReceivedMessage) error

func (b *Bus) settle(ctx context.Context, f handler.Filter, verb string, act action) (int, error) {
	srcs, err := b.sources(f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, src := range srcs {
		k, err := b.settleSource(ctx, src, f, verb, act)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// settleSource runs act on, and completes, the matches of f in src.
func (b *Bus) settleSource(ctx context.Context, src source, f handler.Filter, verb string, act action) (n int, err error) {
	r, err := b.broker.receiver(src.queue, src.deadLetter)
	if err != nil {
		return 0, fmt.Errorf("servicebus: receiver for %s: %w", src, err)
	}
	defer b.closeReceiver(ctx, r, src)
	items, err := b.peek(ctx, r, src, f)
	if err != nil {
		return 0, err
	}
	wanted := make(map[int64]bool, len(items))
	for _, it := range items {
		if it.seq >= 0 {
			wanted[it.seq] = true
		}
	}
	var held []*azservicebus.ReceivedMessage
	defer func() { b.abandon(ctx, r, src, held) }()
	for received := 0; len(wanted) > 0 && received < b.cfg.MaxReplay; {
		msgs, err := b.receive(ctx, r, min(b.cfg.PageSize, b.cfg.MaxReplay-received))
		if err != nil {
			return n, fmt.Errorf("servicebus: %s: receive from %s: %w", verb, src, err)
		}
		if len(msgs) == 0 {
			break
		}
		received += len(msgs)
		for i, m := range msgs {
			it := toItem(src, m)
			if !wanted[it.seq] {
				held = append(held, m)
				continue
			}
			delete(wanted, it.seq)
			if act != nil {
				if err := act(ctx, src, m); err != nil {
					held = append(held, msgs[i:]...) // m included: abandoned, not completed
					return n, err
				}
			}
			if err := r.CompleteMessage(ctx, m, nil); err != nil {
				held = append(held, msgs[i:]...) // m too: release its lock if we still hold it
				return n, fmt.Errorf("servicebus: %s: complete %s on %s: %w", verb, m.MessageID, src, err)
			}
			n++
			b.cfg.Logger.InfoContext(ctx, verb+" done", "source", src.String(), "messageId", m.MessageID, "requestId", it.dl.RequestID)
		}
	}
	if len(wanted) > 0 {
		b.cfg.Logger.WarnContext(ctx, verb+" left matches in place (locked by another receiver, gone, or beyond MaxReplay)",
			"source", src.String(), "left", len(wanted))
	}
	return n, nil
}

// replayOne sends the copy of m, a selected message of src, to its kind's
// queue.
func (b *Bus) replayOne(ctx context.Context, src source, m *azservicebus.ReceivedMessage) error {
	it := toItem(src, m)
	q, err := b.cfg.Queues.ForKind(it.kind)
	if err != nil {
		return fmt.Errorf("servicebus: replay %s from %s: %w", m.MessageID, src, err)
	}
	attempt := it.dl.Attempts
	if src.parked {
		attempt = 0
	}
	id := replayID(m.MessageID, it.seq)
	copied := newMessage(id, it.dl.RequestID, m.Body, map[string]any{PropAttempt: attempt, PropKind: it.kind})
	if err := b.senders[q].SendMessage(ctx, copied, nil); err != nil {
		return fmt.Errorf("servicebus: replay %s from %s to %s: %w", m.MessageID, src, q, err)
	}
	b.cfg.Logger.InfoContext(ctx, "replay sent", "source", src.String(), "messageId", m.MessageID, "replayId", id, "queue", q)
	return nil
}

// receive returns up to max messages of r, or none when none arrives
// within ReceiveWait (the SDK blocks until one does or ctx ends).
func (b *Bus) receive(ctx context.Context, r receiver, max int) ([]*azservicebus.ReceivedMessage, error) {
	rctx, cancel := context.WithTimeout(ctx, b.cfg.ReceiveWait)
	defer cancel()
	msgs, err := r.ReceiveMessages(rctx, max, nil)
	if err != nil && len(msgs) == 0 && ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

// abandon releases the locks of ms; failures are logged (the lock then
// expires on its own, with the same effect).
func (b *Bus) abandon(ctx context.Context, r receiver, src source, ms []*azservicebus.ReceivedMessage) {
	if len(ms) == 0 {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	for _, m := range ms {
		if err := r.AbandonMessage(actx, m, nil); err != nil {
			b.cfg.Logger.WarnContext(ctx, "abandon failed; the lock will expire", "source", src.String(), "messageId", m.MessageID, "err", err)
		}
	}
}
