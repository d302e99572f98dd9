package queue

import (
	"context"
	"fmt"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// Peek returns up to max active messages of queue (visible, scheduled and
// locked alike), lowest sequence number first, without locking them or
// changing their DeliveryCount; LockToken is never returned by Peek.
func (q *Queue) Peek(ctx context.Context, queue string, max int) ([]Message, error) {
	if err := validateQueueName(queue); err != nil {
		return nil, err
	}
	if max < 1 {
		return nil, fmt.Errorf("%w: peek count %d < 1", ErrInvalidArgument, max)
	}
	var out []Message
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE queue = ? AND state = 0 ORDER BY seq LIMIT ?`, queue, max)
		if err != nil {
			return fmt.Errorf("queue: peek %s: %w", queue, err)
		}
		out, err = scanMessages(rows)
		if err != nil {
			return fmt.Errorf("queue: peek %s: %w", queue, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].LockToken = ""
	}
	if out == nil {
		out = []Message{}
	}
	return out, nil
}

// Counts returns the message counts of queue at now.
func (q *Queue) Counts(ctx context.Context, queue string) (Counts, error) {
	if err := validateQueueName(queue); err != nil {
		return Counts{}, err
	}
	var c Counts
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(state = 0 AND enqueued_at <= ?1 AND locked_until <= ?1), 0),
			COALESCE(SUM(state = 0 AND enqueued_at > ?1), 0),
			COALESCE(SUM(state = 0 AND enqueued_at <= ?1 AND locked_until > ?1), 0),
			COALESCE(SUM(state = 1), 0)
			FROM messages WHERE queue = ?2`, now, queue).Scan(&c.Active, &c.Scheduled, &c.Locked, &c.DeadLettered)
		if err != nil {
			return fmt.Errorf("queue: count %s: %w", queue, err)
		}
		return nil
	})
	if err != nil {
		return Counts{}, err
	}
	return c, nil
}
