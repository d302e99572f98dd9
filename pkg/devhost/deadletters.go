package devhost

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// maxMessageID is Service Bus's MessageId length limit.
const maxMessageID = 128

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

// Replay sends each parked match back to the queue of its kind as a new
// message — body and requestId (CorrelationID) unchanged, attempt count 0,
// MessageID "<id>-replay-<parked sequence number>" so that a replay repeated
// after a crash collapses by duplicate detection — and then deletes it from
// the parking queue. Broker dead letters are moved back inside their own
// queue with queue.ReplayDeadLetters (same MessageID, body and properties,
// DeliveryCount 0). It returns how many messages were replayed.
func (b *QueueBus) Replay(ctx context.Context, f handler.Filter) (int, error) {
	es, err := b.entries(ctx, f)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range es {
		if e.dl.Source == handler.SourceParked {
			target, err := b.names.ForKind(e.kind)
			if err != nil {
				return n, fmt.Errorf("devhost: replay parked message %s: %w", e.dl.MessageID, err)
			}
			id := replayID(e.dl.MessageID, e.seq)
			if _, err := b.q.Send(ctx, target, queue.Message{
				MessageID: id, Body: e.dl.Body, ContentType: contentTypeJSON,
				CorrelationID: e.dl.RequestID, ApplicationProperties: map[string]any{PropAttempt: 0},
			}); err != nil {
				return n, fmt.Errorf("devhost: replay parked message %s: %w", e.dl.MessageID, err)
			}
			if _, err := b.q.PurgeDeadLetters(ctx, b.names.Parked, queue.Filter{MessageIDs: []string{e.dl.MessageID}, Since: e.dl.DeadLetteredAt, Limit: 1}); err != nil {
				return n, fmt.Errorf("devhost: remove replayed message %s from the parking queue: %w", e.dl.MessageID, err)
			}
			n++
			continue
		}
		k, err := b.q.ReplayDeadLetters(ctx, e.queue, queue.Filter{MessageIDs: []string{e.dl.MessageID}, Since: e.dl.DeadLetteredAt, Limit: 1})
		n += k
		if err != nil {
			return n, fmt.Errorf("devhost: replay dead letter %s: %w", e.dl.MessageID, err)
		}
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

// replayID derives the MessageID of a replayed parked message.
func replayID(id string, seq int64) string {
	suffix := "-replay-" + strconv.FormatInt(seq, 10)
	if len(id)+len(suffix) > maxMessageID {
		id = id[:maxMessageID-len(suffix)]
	}
	return id + suffix
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
				Attempts: propInt(m.ApplicationProperties, PropAttempt), Body: m.Body,
			}, kind: propString(m.ApplicationProperties, PropKind), seq: m.SequenceNumber, queue: b.names.Parked})
		}
	}
	if f.Source != handler.SourceParked {
		for _, kind := range []string{"onboard", "offboard"} {
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
					Attempts: propInt(m.ApplicationProperties, PropAttempt), DeliveryCount: m.DeliveryCount, Body: m.Body,
				}, kind: kind, seq: m.SequenceNumber, queue: name})
			}
		}
	}
	out = slices.DeleteFunc(out, func(e entry) bool { return !matches(f, e.dl) })
	slices.SortStableFunc(out, func(a, b entry) int { return a.dl.DeadLetteredAt.Compare(b.dl.DeadLetteredAt) })
	return out, nil
}

// matches applies the parts of f that the queue's filter cannot express.
func matches(f handler.Filter, d handler.DeadLetter) bool {
	if len(f.RequestIDs) > 0 && !slices.Contains(f.RequestIDs, d.RequestID) {
		return false
	}
	if f.Reason != "" && !strings.Contains(strings.ToLower(d.Reason), strings.ToLower(f.Reason)) {
		return false
	}
	return true
}
