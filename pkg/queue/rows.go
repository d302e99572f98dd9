package queue

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// messageColumns is the column list scanMessage reads, in order.
const messageColumns = `seq, message_id, body, content_type, correlation_id, subject, app_properties,
	ttl_ns, scheduled_at, enqueued_at, expires_at, delivery_count, lock_token, locked_until,
	dl_reason, dl_description, dl_source, dead_lettered_at`

type scanner interface{ Scan(dest ...any) error }

func scanMessage(s scanner) (Message, error) {
	var (
		m                                              Message
		props, token                                   sql.NullString
		ttl, sched, enq, exp, locked, deadLetteredTime int64
	)
	err := s.Scan(&m.SequenceNumber, &m.MessageID, &m.Body, &m.ContentType, &m.CorrelationID, &m.Subject, &props,
		&ttl, &sched, &enq, &exp, &m.DeliveryCount, &token, &locked,
		&m.DeadLetterReason, &m.DeadLetterErrorDescription, &m.DeadLetterSource, &deadLetteredTime)
	if err != nil {
		return Message{}, err
	}
	if props.Valid {
		d := json.NewDecoder(bytes.NewReader([]byte(props.String)))
		d.UseNumber()
		if err := d.Decode(&m.ApplicationProperties); err != nil {
			return Message{}, fmt.Errorf("queue: message %d: decode application properties: %w", m.SequenceNumber, err)
		}
	}
	if m.Body == nil {
		m.Body = []byte{}
	}
	m.TimeToLive = time.Duration(ttl)
	m.ScheduledEnqueueTime = fromNanos(sched)
	m.EnqueuedTime = fromNanos(enq)
	m.ExpiresAt = fromNanos(exp)
	m.LockToken = token.String
	m.LockedUntil = fromNanos(locked)
	m.DeadLetteredTime = fromNanos(deadLetteredTime)
	return m, nil
}

func scanMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
