package queue

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// deadLetterSQL moves matching active messages to the dead-letter subqueue;
// callers append the WHERE clause. Parameters: reason, description, now, then
// the WHERE arguments.
const deadLetterSQL = `UPDATE messages SET state = 1, dl_reason = ?, dl_description = ?, dl_source = queue,
	dead_lettered_at = ?, lock_token = NULL, locked_until = 0 WHERE state = 0 AND `

func maxDeliveryDescription(maxDeliveries int) string {
	return fmt.Sprintf("Message could not be consumed after %d delivery attempts.", maxDeliveries)
}

const ttlDescription = "The message expired before it was consumed."

// sweep applies lazy state transitions on queue at now: messages whose time
// to live has passed and that are not locked are dead-lettered with
// TTLExpiredException; messages whose lock expired after their last allowed
// delivery are dead-lettered with MaxDeliveryCountExceeded.
func (q *Queue) sweep(ctx context.Context, tx sqlitedb.Querier, queue string, now int64) error {
	res, err := tx.ExecContext(ctx, deadLetterSQL+`queue = ? AND expires_at <= ? AND locked_until <= ?`,
		ReasonTTLExpired, ttlDescription, now, queue, now, now)
	if err != nil {
		return fmt.Errorf("queue: %s: expire messages: %w", queue, err)
	}
	q.logMoved(ctx, queue, ReasonTTLExpired, res)
	res, err = tx.ExecContext(ctx, deadLetterSQL+`queue = ? AND locked_until > 0 AND locked_until <= ? AND delivery_count >= ?`,
		ReasonMaxDeliveryCountExceeded, maxDeliveryDescription(q.cfg.MaxDeliveryCount), now,
		queue, now, q.cfg.MaxDeliveryCount)
	if err != nil {
		return fmt.Errorf("queue: %s: dead-letter exhausted messages: %w", queue, err)
	}
	q.logMoved(ctx, queue, ReasonMaxDeliveryCountExceeded, res)
	return nil
}

// deadLetterExhausted dead-letters one message that has used up its
// deliveries.
func (q *Queue) deadLetterExhausted(ctx context.Context, tx sqlitedb.Querier, queue string, seq, now int64) error {
	res, err := tx.ExecContext(ctx, deadLetterSQL+`queue = ? AND seq = ?`,
		ReasonMaxDeliveryCountExceeded, maxDeliveryDescription(q.cfg.MaxDeliveryCount), now, queue, seq)
	if err != nil {
		return fmt.Errorf("queue: %s: dead-letter message %d: %w", queue, seq, err)
	}
	q.logMoved(ctx, queue, ReasonMaxDeliveryCountExceeded, res)
	return nil
}

func (q *Queue) logMoved(ctx context.Context, queue, reason string, res sql.Result) {
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		q.cfg.Logger.InfoContext(ctx, "messages dead-lettered", "queue", queue, "reason", reason, "count", n)
	}
}
