package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// Settlement (DOCS service-bus-messaging/message-transfers-locks-settlement#settling-receive-operations).
// Each call needs the LockToken of a message received from queue whose lock
// still holds (LockedUntil after now); otherwise it returns ErrLockLost.

// Complete removes the message for good.
func (q *Queue) Complete(ctx context.Context, queue, lockToken string) error {
	return q.settle(ctx, queue, lockToken, "complete", func(tx sqlitedb.Querier, now int64) (int64, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM messages
			WHERE lock_token = ? AND queue = ? AND state = 0 AND locked_until > ?`, lockToken, queue, now)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
}

// Abandon releases the lock at once, so the message is redelivered by the
// next Receive with DeliveryCount+1 — what the Functions host does after a
// failed invocation (REFERENCE.md §1). A message that has already been
// delivered MaxDeliveryCount times is dead-lettered with
// ReasonMaxDeliveryCountExceeded instead.
func (q *Queue) Abandon(ctx context.Context, queue, lockToken string) error {
	err := q.settle(ctx, queue, lockToken, "abandon", func(tx sqlitedb.Querier, now int64) (int64, error) {
		var seq int64
		var deliveries int
		err := tx.QueryRowContext(ctx, `UPDATE messages SET lock_token = NULL, locked_until = 0
			WHERE lock_token = ? AND queue = ? AND state = 0 AND locked_until > ?
			RETURNING seq, delivery_count`, lockToken, queue, now).Scan(&seq, &deliveries)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if deliveries >= q.cfg.MaxDeliveryCount {
			if err := q.deadLetterExhausted(ctx, tx, queue, seq, now); err != nil {
				return 0, err
			}
		}
		return 1, nil
	})
	if err == nil {
		q.changed.notify()
	}
	return err
}

// DeadLetter moves the message to the dead-letter subqueue with the given
// reason and description (DOCS service-bus-dead-letter-queues#application-level-dead-lettering).
// Do not put secrets in either: they are stored and shown to operators.
func (q *Queue) DeadLetter(ctx context.Context, queue, lockToken, reason, description string) error {
	return q.settle(ctx, queue, lockToken, "dead-letter", func(tx sqlitedb.Querier, now int64) (int64, error) {
		res, err := tx.ExecContext(ctx, deadLetterSQL+`lock_token = ? AND queue = ? AND locked_until > ?`,
			reason, description, now, lockToken, queue, now)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
}

// RenewLock extends the lock to now + LockDuration and returns the new
// LockedUntil.
func (q *Queue) RenewLock(ctx context.Context, queue, lockToken string) (time.Time, error) {
	var until int64
	err := q.settle(ctx, queue, lockToken, "renew lock", func(tx sqlitedb.Querier, now int64) (int64, error) {
		err := tx.QueryRowContext(ctx, `UPDATE messages SET locked_until = ?
			WHERE lock_token = ? AND queue = ? AND state = 0 AND locked_until > ?
			RETURNING locked_until`, addNanos(now, q.cfg.LockDuration), lockToken, queue, now).Scan(&until)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		return 1, nil
	})
	if err != nil {
		return time.Time{}, err
	}
	return fromNanos(until), nil
}

// settle runs op, which returns how many messages it settled (0 or 1), in one
// transaction and maps 0 to ErrLockLost. Lock tokens are not secrets but are
// kept out of error text anyway: the caller has them.
func (q *Queue) settle(ctx context.Context, queue, lockToken, what string, op func(tx sqlitedb.Querier, now int64) (int64, error)) error {
	if err := validateQueueName(queue); err != nil {
		return err
	}
	if lockToken == "" {
		return fmt.Errorf("%s on %s: empty lock token: %w", what, queue, ErrLockLost)
	}
	var n int64
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		var err error
		n, err = op(tx, now)
		if err != nil {
			return fmt.Errorf("queue: %s on %s: %w", what, queue, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s on %s: %w", what, queue, ErrLockLost)
	}
	return nil
}
