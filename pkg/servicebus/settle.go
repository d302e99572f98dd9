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
// start of the source, in batches of BatchSize, until it has settled every
// match (or received MaxReplay messages); see settleSource for how it keeps
// the locks it holds.
// For a match it sends a copy — body, CorrelationID (requestId) and kind
// unchanged, MessageID "<id>-replay-<sequence number>", attempt 0 for a
// parked message and unchanged for a broker dead letter, DeliveryCount 0 as
// for any new message — and only then completes the original. A crash or
// a failed complete between the two leaves both: the request is processed
// again, which the idempotent steps absorb, and a second Replay of the same
// original sends the same MessageID, which the queue's duplicate detection
// (when enabled) drops. A failed send abandons the original, which stays
// where it was. Messages received but not selected are held locked (their
// locks renewed) until the source is done, so that the pass does not see
// them again, and are then abandoned (learn.microsoft.com/azure/service-bus-messaging/
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

// lock is a message this pass holds with peek-lock, and what it knows of
// the lock: when it was taken or last renewed and when it expires.
type lock struct {
	m     *azservicebus.ReceivedMessage
	since time.Time
	until time.Time
	// lost marks a lock that expired or could not be renewed: the broker
	// has released the message, so it must not be settled.
	lost bool
}

func (b *Bus) newLock(m *azservicebus.ReceivedMessage) *lock {
	now := b.cfg.Clock.Now()
	l := &lock{m: m, since: now, until: now.Add(DefaultLockDuration)}
	if m.LockedUntil != nil {
		l.until = *m.LockedUntil
	}
	return l
}

// live reports whether the lock is still safely held at now: a tenth of
// its duration is kept in reserve for the settle call in flight and for
// clock skew against the broker.
func (l *lock) live(now time.Time) bool {
	if l.lost {
		return false
	}
	return now.Before(l.until.Add(-l.until.Sub(l.since) / 10))
}

// due reports whether half the lock's duration has passed, when it is
// renewed.
func (l *lock) due(now time.Time) bool {
	return !now.Before(l.since.Add(l.until.Sub(l.since) / 2))
}

// settleSource runs act on, and completes, the matches of f in src.
//
// Service Bus offers no receive by sequence number for active messages, so
// to reach the matches the pass must receive, and hold locked, the messages
// ahead of them; abandoning one would put it back at the head of the queue
// to be received again. It works in batches of BatchSize: each match of a
// batch is acted on and completed at once, and before each receive and each
// match every held lock that is half through its duration is renewed
// (RenewMessageLock; the SDK never renews by itself). A lock that expired
// or could not be renewed is given up — the broker has released that
// message — and nothing is ever settled on it, so the pass meets no
// lock-lost errors; a match whose lock was lost after its copy was sent is
// received again and completed (the repeated copy has the same MessageID,
// which duplicate detection drops). At most MaxReplay messages are received
// per source.
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
	var held, batch []*lock
	defer func() { b.abandon(ctx, r, src, append(held, batch...)) }()
	for received := 0; len(wanted) > 0 && received < b.cfg.MaxReplay; {
		b.keepLocks(ctx, r, src, held)
		msgs, err := b.receive(ctx, r, min(b.cfg.BatchSize, b.cfg.MaxReplay-received))
		if err != nil {
			return n, fmt.Errorf("servicebus: %s: receive from %s: %w", verb, src, err)
		}
		if len(msgs) == 0 {
			break
		}
		received += len(msgs)
		batch = batch[:0]
		for _, m := range msgs {
			batch = append(batch, b.newLock(m))
		}
		for len(batch) > 0 {
			l := batch[0]
			it := toItem(src, l.m)
			if !wanted[it.seq] {
				held = append(held, l)
				batch = batch[1:]
				continue
			}
			b.keepLocks(ctx, r, src, held, batch)
			if !l.live(b.cfg.Clock.Now()) {
				// Released: a later receive of this pass gets it again.
				b.cfg.Logger.WarnContext(ctx, verb+": lock lost before acting; the message stays", "source", src.String(), "messageId", l.m.MessageID)
				batch = batch[1:]
				continue
			}
			if act != nil {
				if err := act(ctx, src, l.m); err != nil {
					return n, err // l is still in batch: abandoned, not completed
				}
			}
			if !l.live(b.cfg.Clock.Now()) {
				l.lost = true
				b.cfg.Logger.WarnContext(ctx, verb+": lock lost before completing; the message stays and is tried again", "source", src.String(), "messageId", l.m.MessageID)
				batch = batch[1:]
				continue
			}
			if err := r.CompleteMessage(ctx, l.m, nil); err != nil {
				return n, fmt.Errorf("servicebus: %s: complete %s on %s: %w", verb, l.m.MessageID, src, err)
			}
			batch = batch[1:]
			delete(wanted, it.seq)
			n++
			b.cfg.Logger.InfoContext(ctx, verb+" done", "source", src.String(), "messageId", l.m.MessageID, "requestId", it.dl.RequestID)
		}
	}
	if len(wanted) > 0 {
		b.cfg.Logger.WarnContext(ctx, verb+" left matches in place (locked by another receiver, gone, or beyond MaxReplay)",
			"source", src.String(), "left", len(wanted))
	}
	return n, nil
}

// keepLocks renews every live lock of the groups that is half through its
// duration, and marks expired ones and those whose renewal failed as lost.
func (b *Bus) keepLocks(ctx context.Context, r receiver, src source, groups ...[]*lock) {
	for _, ls := range groups {
		for _, l := range ls {
			now := b.cfg.Clock.Now()
			if l.lost || !l.due(now) {
				continue
			}
			if !l.live(now) {
				l.lost = true
				b.cfg.Logger.WarnContext(ctx, "lock expired before it could be renewed; the broker released the message", "source", src.String(), "messageId", l.m.MessageID)
				continue
			}
			if err := r.RenewMessageLock(ctx, l.m, nil); err != nil {
				l.lost = true
				b.cfg.Logger.WarnContext(ctx, "renewing a lock failed; the broker will release the message", "source", src.String(), "messageId", l.m.MessageID, "err", err)
				continue
			}
			l.since = b.cfg.Clock.Now()
			if l.m.LockedUntil != nil {
				l.until = *l.m.LockedUntil
			} else {
				l.until = l.since.Add(DefaultLockDuration)
			}
		}
	}
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
	id := handler.ReplayMessageID(m.MessageID, it.seq)
	copied := newMessage(id, it.dl.RequestID, m.Body, map[string]any{handler.PropAttempt: attempt, handler.PropKind: it.kind})
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

// abandon releases the locks still held among ls; a lost lock is skipped
// (the broker has released that message already) and failures are logged
// (the lock then expires on its own, with the same effect).
func (b *Bus) abandon(ctx context.Context, r receiver, src source, ls []*lock) {
	if len(ls) == 0 {
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	for _, l := range ls {
		if !l.live(b.cfg.Clock.Now()) {
			continue
		}
		if err := r.AbandonMessage(actx, l.m, nil); err != nil {
			b.cfg.Logger.WarnContext(ctx, "abandon failed; the lock will expire", "source", src.String(), "messageId", l.m.MessageID, "err", err)
		}
	}
}
