package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// Dead-letter subqueue operations for ops (DOCS
// service-bus-messaging/service-bus-dead-letter-queues). Each first applies
// pending expiries (see sweep) so that the listing is current.

// DeadLetters lists the dead-lettered messages of queue that match f, lowest
// sequence number first. Since/Until compare DeadLetteredTime.
func (q *Queue) DeadLetters(ctx context.Context, queue string, f Filter) ([]Message, error) {
	if err := q.checkDeadLetterArgs(queue, f); err != nil {
		return nil, err
	}
	var out []Message
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		where, args := filterSQL(queue, f)
		rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+where+` ORDER BY seq`+limitSQL(f), args...)
		if err != nil {
			return fmt.Errorf("queue: %s: list dead letters: %w", queue, err)
		}
		out, err = scanMessages(rows)
		if err != nil {
			return fmt.Errorf("queue: %s: list dead letters: %w", queue, err)
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

// ReplayDeadLetters moves the dead-lettered messages of queue that match f
// back to the active queue as new messages: a new sequence number,
// DeliveryCount 0, EnqueuedTime now, ExpiresAt now + the message's time to
// live, dead-letter fields cleared, and the same MessageID, body and
// properties. Each message moves in its own transaction, so a failure part-way
// leaves every message either replayed or still dead-lettered; the count of
// replayed messages is returned with the error. Replay bypasses duplicate
// detection (it neither consults nor updates the history), so a replay is
// never dropped as a duplicate of the original send.
func (q *Queue) ReplayDeadLetters(ctx context.Context, queue string, f Filter) (int, error) {
	if err := q.checkDeadLetterArgs(queue, f); err != nil {
		return 0, err
	}
	var seqs []int64
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		where, args := filterSQL(queue, f)
		rows, err := tx.QueryContext(ctx, `SELECT seq FROM messages WHERE `+where+` ORDER BY seq`+limitSQL(f), args...)
		if err != nil {
			return fmt.Errorf("queue: %s: select dead letters: %w", queue, err)
		}
		defer rows.Close()
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				return fmt.Errorf("queue: %s: select dead letters: %w", queue, err)
			}
			seqs = append(seqs, s)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, seq := range seqs {
		moved := false
		err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
			newSeq, err := nextSequence(ctx, tx, queue)
			if err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE messages SET seq = ?, state = 0, delivery_count = 0,
				lock_token = NULL, locked_until = 0, scheduled_at = 0, enqueued_at = ?,
				expires_at = CASE WHEN ? > 9223372036854775807 - ttl_ns THEN 9223372036854775807 ELSE ? + ttl_ns END,
				dl_reason = '', dl_description = '', dl_source = '', dead_lettered_at = 0
				WHERE queue = ? AND seq = ? AND state = 1`, newSeq, now, now, now, queue, seq)
			if err != nil {
				return fmt.Errorf("queue: %s: replay dead letter %d: %w", queue, seq, err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("queue: %s: replay dead letter %d: %w", queue, seq, err)
			}
			if k == 0 {
				// Purged or replayed by someone else meanwhile: roll back the
				// sequence allocation too.
				return errGone
			}
			moved = true
			return nil
		})
		if err != nil && !errors.Is(err, errGone) {
			return n, err
		}
		if moved {
			n++
		}
	}
	if n > 0 {
		q.changed.notify()
		q.cfg.Logger.InfoContext(ctx, "dead letters replayed", "queue", queue, "count", n)
	}
	return n, nil
}

// errGone aborts a replay transaction whose message disappeared meanwhile.
var errGone = errors.New("queue: dead letter gone")

// PurgeDeadLetters deletes the dead-lettered messages of queue that match f,
// in one transaction, and returns how many were deleted.
func (q *Queue) PurgeDeadLetters(ctx context.Context, queue string, f Filter) (int, error) {
	if err := q.checkDeadLetterArgs(queue, f); err != nil {
		return 0, err
	}
	var n int64
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		if err := q.sweep(ctx, tx, queue, now); err != nil {
			return err
		}
		where, args := filterSQL(queue, f)
		res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE queue = ? AND seq IN
			(SELECT seq FROM messages WHERE `+where+` ORDER BY seq`+limitSQL(f)+`)`, append([]any{queue}, args...)...)
		if err != nil {
			return fmt.Errorf("queue: %s: purge dead letters: %w", queue, err)
		}
		n, err = res.RowsAffected()
		if err != nil {
			return fmt.Errorf("queue: %s: purge dead letters: %w", queue, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n > 0 {
		q.cfg.Logger.InfoContext(ctx, "dead letters purged", "queue", queue, "count", n)
	}
	return int(n), nil
}

func (q *Queue) checkDeadLetterArgs(queue string, f Filter) error {
	if err := validateQueueName(queue); err != nil {
		return err
	}
	return validateFilter(f)
}

// filterSQL renders f as a WHERE clause over dead-lettered messages of queue;
// every value is a bound parameter.
func filterSQL(queue string, f Filter) (string, []any) {
	var b strings.Builder
	b.WriteString(`queue = ? AND state = 1`)
	args := []any{queue}
	if f.Reason != "" {
		b.WriteString(` AND dl_reason = ?`)
		args = append(args, f.Reason)
	}
	if !f.Since.IsZero() {
		b.WriteString(` AND dead_lettered_at >= ?`)
		args = append(args, toNanos(f.Since))
	}
	if !f.Until.IsZero() {
		b.WriteString(` AND dead_lettered_at < ?`)
		args = append(args, toNanos(f.Until))
	}
	if len(f.MessageIDs) > 0 {
		b.WriteString(` AND message_id IN (?` + strings.Repeat(`, ?`, len(f.MessageIDs)-1) + `)`)
		for _, id := range f.MessageIDs {
			args = append(args, id)
		}
	}
	return b.String(), args
}

func limitSQL(f Filter) string {
	if f.Limit > 0 {
		return fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return ""
}
