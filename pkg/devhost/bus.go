package devhost

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/queue"
)

// QueueBus implements handler.Bus and handler.DeadLetterStore over the
// embedded queue. Parked messages are kept in the dead-letter subqueue of the
// parking queue, with the parking code as DeadLetterReason and the reason
// text as description (see Park), so that list, replay and purge use one
// mechanism for parked and broker-dead-lettered messages.
type QueueBus struct {
	q     *queue.Queue
	names funcapp.Queues
}

var (
	_ handler.Bus             = (*QueueBus)(nil)
	_ handler.BatchSender     = (*QueueBus)(nil)
	_ handler.DeadLetterStore = (*QueueBus)(nil)
)

// NewQueueBus returns a bus over q; empty names take their defaults
// (funcapp.Default*Queue).
func NewQueueBus(q *queue.Queue, names funcapp.Queues) (*QueueBus, error) {
	if q == nil {
		return nil, errors.New("devhost: NewQueueBus: queue is nil")
	}
	names.SetDefaults()
	if err := names.Validate(); err != nil {
		return nil, fmt.Errorf("devhost: %w", err)
	}
	return &QueueBus{q: q, names: names}, nil
}

// Names returns the bus's queue names.
func (b *QueueBus) Names() funcapp.Queues { return b.names }

// Send enqueues m now on the queue of m.Kind. A MessageID already accepted on
// that queue within the duplicate-detection window is dropped silently, as
// Service Bus does.
func (b *QueueBus) Send(ctx context.Context, m handler.OutMessage) error {
	return b.send(ctx, m, time.Time{})
}

// SendBatch enqueues ms now, one transaction per queue (handler.BatchSender):
// a sweep of thousands of expired accounts costs a few transactions, not
// one each. Duplicates are dropped as by Send, counted, and marked in
// Dropped.
func (b *QueueBus) SendBatch(ctx context.Context, ms []handler.OutMessage) (handler.BatchResult, error) {
	byQueue := map[string][]queue.Message{}
	at := map[string][]int{} // each queue's messages' indices in ms
	var order []string
	for i, m := range ms {
		name, err := b.names.ForKind(m.Kind)
		if err != nil {
			return handler.BatchResult{}, fmt.Errorf("devhost: %w", err)
		}
		if _, ok := byQueue[name]; !ok {
			order = append(order, name)
		}
		byQueue[name] = append(byQueue[name], queueMessage(m, time.Time{}))
		at[name] = append(at[name], i)
	}
	res := handler.BatchResult{Counted: true, Dropped: make([]bool, len(ms))}
	for _, name := range order {
		sent, err := b.q.SendBatch(ctx, name, byQueue[name])
		if err != nil {
			return res, fmt.Errorf("devhost: send %d messages to %s: %w", len(byQueue[name]), name, err)
		}
		for k, r := range sent {
			if r.Duplicate {
				res.Duplicates++
				res.Dropped[at[name][k]] = true
			}
		}
	}
	return res, nil
}

// Schedule enqueues m to become visible at `at` (ScheduledEnqueueTime).
func (b *QueueBus) Schedule(ctx context.Context, m handler.OutMessage, at time.Time) error {
	if at.IsZero() {
		return errors.New("devhost: schedule: time is zero")
	}
	return b.send(ctx, m, at)
}

func (b *QueueBus) send(ctx context.Context, m handler.OutMessage, at time.Time) error {
	name, err := b.names.ForKind(m.Kind)
	if err != nil {
		return fmt.Errorf("devhost: %w", err)
	}
	if _, err := b.q.Send(ctx, name, queueMessage(m, at)); err != nil {
		return fmt.Errorf("devhost: send %s message %s: %w", m.Kind, m.MessageID, err)
	}
	return nil
}

// queueMessage is m as the embedded queue stores it.
func queueMessage(m handler.OutMessage, at time.Time) queue.Message {
	return queue.Message{
		MessageID:             m.MessageID,
		Body:                  m.Body,
		ContentType:           handler.MessageContentType,
		CorrelationID:         m.CorrelationID,
		ApplicationProperties: m.AppProperties(),
		ScheduledEnqueueTime:  at,
	}
}

// Park puts p on the parking queue and moves it at once to that queue's
// dead-letter subqueue with DeadLetterReason p.Code and description
// p.Reason. Nothing consumes the parking queue, so any message found active
// there (a Park interrupted between its two steps) is moved the same way by
// the next Park or List.
func (b *QueueBus) Park(ctx context.Context, p handler.Parked) error {
	if _, err := b.q.Send(ctx, b.names.Parked, queue.Message{
		MessageID:     p.MessageID,
		Body:          p.Body,
		ContentType:   handler.MessageContentType,
		CorrelationID: p.CorrelationID,
		ApplicationProperties: map[string]any{
			handler.PropAttempt: p.Attempt, handler.PropKind: p.Kind, handler.PropCode: p.Code, handler.PropReason: p.Reason,
		},
	}); err != nil {
		return fmt.Errorf("devhost: park message %s: %w", p.MessageID, err)
	}
	return b.settleParked(ctx)
}

// settleParked moves every active message of the parking queue to its
// dead-letter subqueue.
func (b *QueueBus) settleParked(ctx context.Context) error {
	for {
		msgs, err := b.q.Receive(ctx, b.names.Parked, 32)
		if err != nil {
			return fmt.Errorf("devhost: settle parked messages: %w", err)
		}
		if len(msgs) == 0 {
			return nil
		}
		for _, m := range msgs {
			code, reason := handler.PropString(m.ApplicationProperties, handler.PropCode), handler.PropString(m.ApplicationProperties, handler.PropReason)
			if code == "" {
				code = "Parked"
			}
			if err := b.q.DeadLetter(ctx, b.names.Parked, m.LockToken, code, reason); err != nil {
				return fmt.Errorf("devhost: settle parked message %s: %w", m.MessageID, err)
			}
		}
	}
}
