package devhost

import (
	"context"
	"fmt"
	"slices"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// entry is one listed dead letter with where it lives.
type entry struct {
	dl    handler.DeadLetter
	kind  string
	seq   int64
	queue string
}

// List returns the parked messages (parking queue) and the broker's dead
// letters (dead-letter subqueues of the onboard and offboard queues) that
// match f, oldest dead-lettering first.
func (b *QueueBus) List(ctx context.Context, f handler.Filter) ([]handler.DeadLetter, error) {
	es, err := b.entries(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]handler.DeadLetter, len(es))
	for i, e := range es {
		out[i] = e.dl
	}
	return out, nil
}

// Replay sends each match back to the queue of its kind as a new message,
// as servicebus.Bus.Replay does on Service Bus — body and requestId
// (CorrelationID) unchanged, MessageID handler.ReplayMessageID(id, sequence
// number where it was set aside), attempt count 0 for a parked message and
// unchanged for a broker dead letter, DeliveryCount 0 — and then deletes the
// original. The new id matters: the replayed run's retries derive their ids
// from it (handler.RetryMessageID), so they never repeat one that the
// request's earlier run scheduled, which duplicate detection would drop. A
// replay repeated after a crash between the send and the delete sends the
// same id again, which duplicate detection drops. It returns how many
// messages were replayed.
func (b *QueueBus) Replay(ctx context.Context, f handler.Filter) (int, error) {
	es, err := b.entries(ctx, f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		target, err := b.names.ForKind(e.kind)
		if err != nil {
			return n, fmt.Errorf("devhost: replay %s message %s: %w", e.dl.Source, e.dl.MessageID, err)
		}
		attempt := e.dl.Attempts
		if e.dl.Source == handler.SourceParked {
			attempt = 0
		}
		id := handler.ReplayMessageID(e.dl.MessageID, e.seq)
		if _, err := b.q.Send(ctx, target, queue.Message{
			MessageID: id, Body: e.dl.Body, ContentType: handler.MessageContentType,
			CorrelationID: e.dl.RequestID, ApplicationProperties: map[string]any{handler.PropAttempt: attempt},
		}); err != nil {
			return n, fmt.Errorf("devhost: replay %s message %s: %w", e.dl.Source, e.dl.MessageID, err)
		}
		if _, err := b.q.PurgeDeadLetters(ctx, e.queue, queue.Filter{MessageIDs: []string{e.dl.MessageID}, Since: e.dl.DeadLetteredAt, Limit: 1}); err != nil {
			return n, fmt.Errorf("devhost: remove replayed message %s from %s: %w", e.dl.MessageID, e.queue, err)
		}
		n++
	}
	return n, nil
}

// Purge deletes the matches and returns how many were deleted.
func (b *QueueBus) Purge(ctx context.Context, f handler.Filter) (int, error) {
	es, err := b.entries(ctx, f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		k, err := b.q.PurgeDeadLetters(ctx, e.queue, queue.Filter{MessageIDs: []string{e.dl.MessageID}, Since: e.dl.DeadLetteredAt, Limit: 1})
		n += k
		if err != nil {
			return n, fmt.Errorf("devhost: purge %s: %w", e.dl.MessageID, err)
		}
	}
	return n, nil
}

// entries collects the matching dead letters of the three queues.
func (b *QueueBus) entries(ctx context.Context, f handler.Filter) ([]entry, error) {
	switch f.Source {
	case "", handler.SourceParked, handler.SourceDeadLetter:
	default:
		return nil, fmt.Errorf("devhost: unknown dead-letter source %q", f.Source)
	}
	qf := queue.Filter{Since: f.Since, MessageIDs: f.MessageIDs}
	var out []entry
	if f.Source != handler.SourceDeadLetter {
		if err := b.settleParked(ctx); err != nil {
			return nil, err
		}
		msgs, err := b.q.DeadLetters(ctx, b.names.Parked, qf)
		if err != nil {
			return nil, fmt.Errorf("devhost: list parked messages: %w", err)
		}
		for _, m := range msgs {
			out = append(out, entry{dl: handler.DeadLetter{
				Source: handler.SourceParked, Queue: b.names.Parked, MessageID: m.MessageID,
				RequestID: m.CorrelationID, Reason: m.DeadLetterErrorDescription, Code: m.DeadLetterReason,
				EnqueuedAt: m.EnqueuedTime, DeadLetteredAt: m.DeadLetteredTime,
				Attempts: handler.PropInt(m.ApplicationProperties, handler.PropAttempt), Body: m.Body,
			}, kind: handler.PropString(m.ApplicationProperties, handler.PropKind), seq: m.SequenceNumber, queue: b.names.Parked})
		}
	}
	if f.Source != handler.SourceParked {
		for _, kind := range []string{domain.KindOnboard, domain.KindOffboard} {
			name, _ := b.names.ForKind(kind)
			msgs, err := b.q.DeadLetters(ctx, name, qf)
			if err != nil {
				return nil, fmt.Errorf("devhost: list dead letters of %s: %w", name, err)
			}
			for _, m := range msgs {
				reason := m.DeadLetterReason
				if m.DeadLetterErrorDescription != "" {
					reason += ": " + m.DeadLetterErrorDescription
				}
				out = append(out, entry{dl: handler.DeadLetter{
					Source: handler.SourceDeadLetter, Queue: name, MessageID: m.MessageID,
					RequestID: m.CorrelationID, Reason: reason, Code: m.DeadLetterReason,
					EnqueuedAt: m.EnqueuedTime, DeadLetteredAt: m.DeadLetteredTime,
					Attempts: handler.PropInt(m.ApplicationProperties, handler.PropAttempt), DeliveryCount: m.DeliveryCount, Body: m.Body,
				}, kind: kind, seq: m.SequenceNumber, queue: name})
			}
		}
	}
	// The queue's filter did MessageIDs and Since; Matches does the rest.
	out = slices.DeleteFunc(out, func(e entry) bool { return !f.Matches(e.dl) })
	slices.SortStableFunc(out, func(a, b entry) int { return a.dl.DeadLetteredAt.Compare(b.dl.DeadLetteredAt) })
	return out, nil
}
