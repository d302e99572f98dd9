package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Send enqueues m on the named queue in one transaction. If a message with
// the same MessageID was accepted on this queue within the
// DuplicateDetectionWindow, nothing is stored and the result has Duplicate set
// and the first message's SequenceNumber (Service Bus drops such a send
// silently; DOCS service-bus-messaging/duplicate-detection). The fields the
// queue sets are ignored on input.
func (q *Queue) Send(ctx context.Context, queue string, m Message) (SendResult, error) {
	if err := validateQueueName(queue); err != nil {
		return SendResult{}, err
	}
	if m.MessageID == "" {
		m.MessageID = newUUID()
	}
	if len(m.MessageID) > maxMessageIDLen {
		return SendResult{}, fmt.Errorf("%w: MessageID longer than %d characters", ErrInvalidArgument, maxMessageIDLen)
	}
	if len(m.Body) > q.cfg.MaxMessageSize {
		return SendResult{}, fmt.Errorf("%w: body is %d bytes, limit %d", ErrMessageTooLarge, len(m.Body), q.cfg.MaxMessageSize)
	}
	if m.TimeToLive < 0 {
		return SendResult{}, fmt.Errorf("%w: negative TimeToLive", ErrInvalidArgument)
	}
	var props sql.NullString
	if m.ApplicationProperties != nil {
		b, err := json.Marshal(m.ApplicationProperties)
		if err != nil {
			return SendResult{}, fmt.Errorf("%w: application properties: %w", ErrInvalidArgument, err)
		}
		props = sql.NullString{String: string(b), Valid: true}
	}
	body := m.Body
	if body == nil {
		body = []byte{}
	}
	ttl := m.TimeToLive
	if ttl == 0 {
		ttl = q.cfg.DefaultTTL
	}

	var res SendResult
	err := q.write(ctx, func(tx *sql.Tx, now int64) error {
		dup, seq, err := q.checkDuplicate(ctx, tx, queue, m.MessageID, now)
		if err != nil {
			return err
		}
		if dup {
			res = SendResult{SequenceNumber: seq, Duplicate: true}
			return nil
		}
		seq, err = nextSequence(ctx, tx, queue)
		if err != nil {
			return err
		}
		enq, sched := now, int64(0)
		if s := toNanos(m.ScheduledEnqueueTime); s > now {
			enq, sched = s, s
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages
			(queue, seq, message_id, body, content_type, correlation_id, subject, app_properties,
			 ttl_ns, scheduled_at, enqueued_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			queue, seq, m.MessageID, body, m.ContentType, m.CorrelationID, m.Subject, props,
			int64(ttl), sched, enq, addNanos(enq, ttl)); err != nil {
			return fmt.Errorf("queue: send to %s: insert: %w", queue, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO duplicate_detection (queue, message_id, seq, seen_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (queue, message_id) DO UPDATE SET seq = excluded.seq, seen_at = excluded.seen_at`,
			queue, m.MessageID, seq, now); err != nil {
			return fmt.Errorf("queue: send to %s: record message id: %w", queue, err)
		}
		res = SendResult{SequenceNumber: seq}
		return nil
	})
	if err != nil {
		return SendResult{}, err
	}
	if !res.Duplicate {
		q.changed.notify()
	}
	return res, nil
}

// checkDuplicate forgets history older than the window and reports whether
// id was accepted within it.
func (q *Queue) checkDuplicate(ctx context.Context, tx *sql.Tx, queue, id string, now int64) (bool, int64, error) {
	cutoff := now - int64(q.cfg.DuplicateDetectionWindow)
	if _, err := tx.ExecContext(ctx, `DELETE FROM duplicate_detection WHERE queue = ? AND seen_at <= ?`, queue, cutoff); err != nil {
		return false, 0, fmt.Errorf("queue: send to %s: prune duplicate history: %w", queue, err)
	}
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM duplicate_detection WHERE queue = ? AND message_id = ?`, queue, id).Scan(&seq)
	switch {
	case err == nil:
		return true, seq, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, 0, nil
	default:
		return false, 0, fmt.Errorf("queue: send to %s: duplicate check: %w", queue, err)
	}
}

// nextSequence allocates the queue's next sequence number.
func nextSequence(ctx context.Context, tx *sql.Tx, queue string) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `INSERT INTO queues (name, last_seq) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET last_seq = last_seq + 1
		RETURNING last_seq`, queue).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("queue: %s: allocate sequence number: %w", queue, err)
	}
	return seq, nil
}
