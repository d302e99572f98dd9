package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// Receive locks and returns up to max visible messages of queue, lowest
// sequence number first (peek-lock; DOCS
// service-bus-messaging/message-transfers-locks-settlement#peeklock). A
// message is visible when its EnqueuedTime has come and it is not locked (or
// its lock expired). Each returned message has DeliveryCount incremented, a
// new LockToken and LockedUntil = now + LockDuration. A candidate that has
// already been delivered MaxDeliveryCount times is dead-lettered with
// ReasonMaxDeliveryCountExceeded instead. Receive does not block: it returns
// an empty slice when nothing is visible (see NextVisible and Changes).
func (q *Queue) Receive(ctx context.Context, queue string, max int) ([]Message, error) {
	if err := validateQueueName(queue); err != nil {
		return nil, err
	}
	if max < 1 {
		return nil, fmt.Errorf("%w: receive count %d < 1", ErrInvalidArgument, max)
	}
	var out []Message
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		out = out[:0]
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		lockedUntil := addNanos(now, q.cfg.LockDuration)
		for len(out) < max {
			cands, err := candidates(ctx, tx, queue, now, max-len(out))
			if err != nil {
				return err
			}
			if len(cands) == 0 {
				break
			}
			for _, c := range cands {
				if c.deliveries >= q.cfg.MaxDeliveryCount {
					if err := q.deadLetterExhausted(ctx, tx, queue, c.seq, now); err != nil {
						return err
					}
					continue
				}
				row := tx.QueryRowContext(ctx, `UPDATE messages
					SET delivery_count = delivery_count + 1, lock_token = ?, locked_until = ?
					WHERE queue = ? AND seq = ? RETURNING `+messageColumns,
					newUUID(), lockedUntil, queue, c.seq)
				m, err := scanMessage(row)
				if err != nil {
					return fmt.Errorf("queue: receive from %s: lock message %d: %w", queue, c.seq, err)
				}
				out = append(out, m)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []Message{}
	}
	return out, nil
}

type candidate struct {
	seq        int64
	deliveries int
}

func candidates(ctx context.Context, tx sqlitedb.Querier, queue string, now int64, n int) ([]candidate, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, delivery_count FROM messages
		WHERE queue = ? AND state = 0 AND enqueued_at <= ? AND locked_until <= ?
		ORDER BY seq LIMIT ?`, queue, now, now, n)
	if err != nil {
		return nil, fmt.Errorf("queue: receive from %s: %w", queue, err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.seq, &c.deliveries); err != nil {
			return nil, fmt.Errorf("queue: receive from %s: %w", queue, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: receive from %s: %w", queue, err)
	}
	return out, nil
}

// NextVisible reports when the next message of queue becomes receivable: the
// earliest EnqueuedTime or lock expiry among its active messages (a time at or
// before now means "now"). ok is false when the queue has no active message.
// A wake-up at that time may still find nothing, e.g. when the message expired
// or was dead-lettered for its delivery count meanwhile.
func (q *Queue) NextVisible(ctx context.Context, queue string) (t time.Time, ok bool, err error) {
	if err := validateQueueName(queue); err != nil {
		return time.Time{}, false, err
	}
	err = q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		var next sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT MIN(MAX(enqueued_at, locked_until)) FROM messages
			WHERE queue = ? AND state = 0`, queue).Scan(&next)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("queue: %s: next visible: %w", queue, err)
		}
		if next.Valid {
			t, ok = fromNanos(next.Int64), true
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, err
	}
	return t, ok, nil
}
