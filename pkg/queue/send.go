package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// Send enqueues m on the named queue in one transaction. If a message with
// the same MessageID was accepted on this queue within the
// DuplicateDetectionWindow, nothing is stored and the result has Duplicate set
// and the first message's SequenceNumber (Service Bus drops such a send
// silently; DOCS service-bus-messaging/duplicate-detection). The fields the
// queue sets are ignored on input.
func (q *Queue) Send(ctx context.Context, queue string, m Message) (SendResult, error) {
	res, err := q.SendBatch(ctx, queue, []Message{m})
	if err != nil {
		return SendResult{}, err
	}
	return res[0], nil
}

// SendBatch enqueues msgs on the named queue in one transaction, each as
// Send would (duplicates, within the window or within the batch, are
// dropped and reported), or none of them: a message that fails the checks
// fails the batch before anything is stored. One transaction for many
// messages is what makes a large sweep fast (one fsync, not one each).
func (q *Queue) SendBatch(ctx context.Context, queue string, msgs []Message) ([]SendResult, error) {
	if err := validateQueueName(queue); err != nil {
		return nil, err
	}
	rows := make([]sendRow, len(msgs))
	for i, m := range msgs {
		r, err := q.prepare(m)
		if err != nil {
			return nil, err
		}
		rows[i] = r
	}
	res := make([]SendResult, len(rows))
	stored := false
	err := q.write(ctx, func(tx sqlitedb.Querier, now int64) error {
		stored = false
		if err := q.pruneDuplicates(ctx, tx, queue, now); err != nil {
			return err
		}
		// Duplicates first (of the window, and of earlier messages in this
		// batch), then one sequence reservation for the rest.
		fresh := make([]int, 0, len(rows))
		inBatch := map[string]int{} // MessageID -> index in rows
		for i, r := range rows {
			if j, ok := inBatch[r.m.MessageID]; ok {
				res[i] = SendResult{Duplicate: true, SequenceNumber: -1 - int64(j)} // resolved below
				continue
			}
			dup, seq, err := q.seen(ctx, tx, queue, r.m.MessageID)
			if err != nil {
				return err
			}
			if dup {
				res[i] = SendResult{SequenceNumber: seq, Duplicate: true}
				continue
			}
			inBatch[r.m.MessageID] = i
			fresh = append(fresh, i)
		}
		if len(fresh) == 0 {
			return nil
		}
		last, err := reserveSequence(ctx, tx, queue, len(fresh))
		if err != nil {
			return err
		}
		for k, i := range fresh {
			seq := last - int64(len(fresh)-1-k)
			if err := q.insert(ctx, tx, queue, rows[i], seq, now); err != nil {
				return err
			}
			res[i] = SendResult{SequenceNumber: seq}
		}
		for i := range res {
			if res[i].Duplicate && res[i].SequenceNumber < 0 {
				res[i].SequenceNumber = res[-1-res[i].SequenceNumber].SequenceNumber
			}
		}
		stored = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if stored {
		q.changed.notify()
	}
	return res, nil
}

// sendRow is a checked message with its encoded properties.
type sendRow struct {
	m     Message
	props sql.NullString
	ttl   time.Duration
}

// prepare checks m and fills in what the queue sets.
func (q *Queue) prepare(m Message) (sendRow, error) {
	if m.MessageID == "" {
		m.MessageID = newUUID()
	}
	if len(m.MessageID) > maxMessageIDLen {
		return sendRow{}, fmt.Errorf("%w: MessageID longer than %d characters", ErrInvalidArgument, maxMessageIDLen)
	}
	if len(m.Body) > q.cfg.MaxMessageSize {
		return sendRow{}, fmt.Errorf("%w: body is %d bytes, limit %d", ErrMessageTooLarge, len(m.Body), q.cfg.MaxMessageSize)
	}
	if m.TimeToLive < 0 {
		return sendRow{}, fmt.Errorf("%w: negative TimeToLive", ErrInvalidArgument)
	}
	var props sql.NullString
	if m.ApplicationProperties != nil {
		b, err := json.Marshal(m.ApplicationProperties)
		if err != nil {
			return sendRow{}, fmt.Errorf("%w: application properties: %w", ErrInvalidArgument, err)
		}
		props = sql.NullString{String: string(b), Valid: true}
	}
	if m.Body == nil {
		m.Body = []byte{}
	}
	ttl := m.TimeToLive
	if ttl == 0 {
		ttl = q.cfg.DefaultTTL
	}
	return sendRow{m: m, props: props, ttl: ttl}, nil
}

// insert stores one checked message, new within the window, under seq.
func (q *Queue) insert(ctx context.Context, tx sqlitedb.Querier, queue string, r sendRow, seq, now int64) error {
	m := r.m
	enq, sched := now, int64(0)
	if s := toNanos(m.ScheduledEnqueueTime); s > now {
		enq, sched = s, s
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages
		(queue, seq, message_id, body, content_type, correlation_id, subject, app_properties,
		 ttl_ns, scheduled_at, enqueued_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		queue, seq, m.MessageID, m.Body, m.ContentType, m.CorrelationID, m.Subject, r.props,
		int64(r.ttl), sched, enq, addNanos(enq, r.ttl)); err != nil {
		return fmt.Errorf("queue: send to %s: insert: %w", queue, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO duplicate_detection (queue, message_id, seq, seen_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (queue, message_id) DO UPDATE SET seq = excluded.seq, seen_at = excluded.seen_at`,
		queue, m.MessageID, seq, now); err != nil {
		return fmt.Errorf("queue: send to %s: record message id: %w", queue, err)
	}
	return nil
}

// pruneDuplicates forgets the duplicate-detection history older than the
// window.
func (q *Queue) pruneDuplicates(ctx context.Context, tx sqlitedb.Querier, queue string, now int64) error {
	cutoff := now - int64(q.cfg.DuplicateDetectionWindow)
	if _, err := tx.ExecContext(ctx, `DELETE FROM duplicate_detection WHERE queue = ? AND seen_at <= ?`, queue, cutoff); err != nil {
		return fmt.Errorf("queue: send to %s: prune duplicate history: %w", queue, err)
	}
	return nil
}

// seen reports whether id was accepted on queue within the window.
func (q *Queue) seen(ctx context.Context, tx sqlitedb.Querier, queue, id string) (bool, int64, error) {
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
func nextSequence(ctx context.Context, tx sqlitedb.Querier, queue string) (int64, error) {
	return reserveSequence(ctx, tx, queue, 1)
}

// reserveSequence allocates the queue's next n sequence numbers and
// returns the last of them: they are last-n+1 … last.
func reserveSequence(ctx context.Context, tx sqlitedb.Querier, queue string, n int) (int64, error) {
	var last int64
	err := tx.QueryRowContext(ctx, `INSERT INTO queues (name, last_seq) VALUES (?1, ?2)
		ON CONFLICT (name) DO UPDATE SET last_seq = last_seq + ?2
		RETURNING last_seq`, queue, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("queue: %s: allocate sequence number: %w", queue, err)
	}
	return last, nil
}
