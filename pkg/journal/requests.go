package journal

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

// DefaultListLimit is the number of requests Requests returns when the
// filter sets no limit.
const DefaultListLimit = 100

const requestColumns = `id, kind, fingerprint, payload, status, reason_code, reason, upn, attempts, created_at, updated_at, intent_at`

// Begin records r with Status received and Attempts 0 (r's status, reason
// and attempts are ignored) unless a request with r.ID exists. It returns
// the stored record and whether this call created it. A stored request with
// another Fingerprint is a Conflict: the requestId was reused for different
// content. ID, Kind and Fingerprint are required (Invalid).
func (j *Journal) Begin(ctx context.Context, r domain.RequestRecord) (domain.RequestRecord, bool, error) {
	for _, f := range []struct{ name, value string }{{"requestId", r.ID}, {"kind", r.Kind}, {"fingerprint", r.Fingerprint}} {
		if err := required(f.name, f.value); err != nil {
			return domain.RequestRecord{}, false, err
		}
	}
	var out domain.RequestRecord
	var created bool
	err := j.write(ctx, "begin request "+r.ID, func(tx sqlitedb.Querier, now time.Time) error {
		stored, err := getRequest(ctx, tx, r.ID)
		switch {
		case err == nil:
			if stored.Fingerprint != r.Fingerprint {
				return domain.Errorf(domain.Conflict,
					"requestId %q was reused with different content (stored fingerprint %.12s…, new %.12s…); send new content under a new requestId",
					r.ID, stored.Fingerprint, r.Fingerprint)
			}
			out = stored
			return nil
		case domain.ErrorCode(err) != domain.NotFound:
			return err
		}
		rec := domain.RequestRecord{
			ID:          r.ID,
			Kind:        r.Kind,
			Fingerprint: r.Fingerprint,
			Payload:     bytes.Clone(r.Payload),
			Status:      domain.RequestReceived,
			UPN:         r.UPN,
			CreatedAt:   now,
			UpdatedAt:   now,
			IntentAt:    r.IntentAt.UTC(),
		}
		if r.IntentAt.IsZero() {
			rec.IntentAt = now
		}
		if len(rec.Payload) == 0 {
			rec.Payload = nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO requests (`+requestColumns+`) VALUES (?, ?, ?, ?, ?, '', '', ?, 0, ?, ?, ?)`,
			rec.ID, rec.Kind, rec.Fingerprint, rec.Payload, string(rec.Status), rec.UPN, formatTime(now), formatTime(now), formatTime(rec.IntentAt)); err != nil {
			return err
		}
		out, created = rec, true
		return nil
	})
	if err != nil {
		return domain.RequestRecord{}, false, err
	}
	return out, created, nil
}

// Request returns one request; NotFound when absent.
func (j *Journal) Request(ctx context.Context, id string) (domain.RequestRecord, error) {
	r, err := getRequest(ctx, j.reader(ctx), id)
	return r, classify("read request "+id, err)
}

// Requests lists requests, newest first by the time the journal first
// recorded them (ties: latest id first), optionally only those with f.Status and f.Kind, at most f.Limit
// (default DefaultListLimit). A negative limit is Invalid.
func (j *Journal) Requests(ctx context.Context, f engine.RequestFilter) ([]domain.RequestRecord, error) {
	if f.Limit < 0 {
		return nil, domain.Errorf(domain.Invalid, "journal: limit %d is negative", f.Limit)
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultListLimit
	}
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.UPN != "" {
		where, args = append(where, "lower(upn) = lower(?)"), append(args, f.UPN)
	}
	// created_at is fixed-width UTC text (timeLayout): it sorts as time does.
	if !f.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, formatTime(f.Until))
	}
	q := `SELECT ` + requestColumns + ` FROM requests`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := j.reader(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, classify("list requests", err)
	}
	defer rows.Close()
	out := []domain.RequestRecord{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, classify("list requests", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, classify("list requests", err)
	}
	return out, nil
}

// SetStatus moves request id to status if domain.CheckMove allows it
// (Conflict otherwise; NotFound if there is no such request) and records
// code and reason (cut to MaxMessageLen characters) as why.
func (j *Journal) SetStatus(ctx context.Context, id string, status domain.RequestStatus, code domain.Code, reason string) error {
	return j.write(ctx, "set status of request "+id, func(tx sqlitedb.Querier, now time.Time) error {
		var from string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM requests WHERE id = ?`, id).Scan(&from); err != nil {
			return requestErr(id, err)
		}
		if err := domain.CheckMove(domain.RequestStatus(from), status); err != nil {
			return domain.Errorf(domain.ErrorCode(err), "request %s: %s", id, domain.ErrorMessage(err))
		}
		_, err := tx.ExecContext(ctx, `UPDATE requests SET status = ?, reason_code = ?, reason = ?, updated_at = ? WHERE id = ?`,
			string(status), string(code), cut(reason), formatTime(now), id)
		return err
	})
}

// SetUPN records the account request id is about; NotFound if there is no
// such request.
func (j *Journal) SetUPN(ctx context.Context, id, upn string) error {
	return j.write(ctx, "set upn of request "+id, func(tx sqlitedb.Querier, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE requests SET upn = ?, updated_at = ? WHERE id = ?`, upn, formatTime(now), id)
		if err != nil {
			return err
		}
		return requireRow(res, id)
	})
}

// CountAttempt increments the request's Attempts and returns the new count;
// NotFound if there is no such request.
func (j *Journal) CountAttempt(ctx context.Context, id string) (int, error) {
	var n int
	err := j.write(ctx, "count attempt of request "+id, func(tx sqlitedb.Querier, now time.Time) error {
		err := tx.QueryRowContext(ctx, `UPDATE requests SET attempts = attempts + 1, updated_at = ? WHERE id = ? RETURNING attempts`,
			formatTime(now), id).Scan(&n)
		return requestErr(id, err)
	})
	return n, err
}

// Stats counts requests by status. Every status of the lifecycle is
// present, with 0 when no request has it.
func (j *Journal) Stats(ctx context.Context) (map[domain.RequestStatus]int, error) {
	out := map[domain.RequestStatus]int{}
	for _, s := range domain.RequestStatuses() {
		out[s] = 0
	}
	rows, err := j.reader(ctx).QueryContext(ctx, `SELECT status, count(*) FROM requests GROUP BY status`)
	if err != nil {
		return nil, classify("count requests", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, classify("count requests", err)
		}
		out[domain.RequestStatus(s)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, classify("count requests", err)
	}
	return out, nil
}

func getRequest(ctx context.Context, q querier, id string) (domain.RequestRecord, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	if err != nil {
		return domain.RequestRecord{}, requestErr(id, err)
	}
	return r, nil
}

func scanRequest(s scanner) (domain.RequestRecord, error) {
	var r domain.RequestRecord
	var status, code, created, updated string
	var intent sql.NullString
	if err := s.Scan(&r.ID, &r.Kind, &r.Fingerprint, &r.Payload, &status, &code, &r.Reason, &r.UPN, &r.Attempts, &created, &updated, &intent); err != nil {
		return domain.RequestRecord{}, err
	}
	r.Status, r.ReasonCode = domain.RequestStatus(status), domain.Code(code)
	if len(r.Payload) == 0 {
		r.Payload = nil
	}
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return domain.RequestRecord{}, err
	}
	if r.UpdatedAt, err = parseTime(updated); err != nil {
		return domain.RequestRecord{}, err
	}
	if r.IntentAt, err = parseOptionalTime(intent); err != nil {
		return domain.RequestRecord{}, err
	}
	if r.IntentAt.IsZero() { // recorded before schema 2
		r.IntentAt = r.CreatedAt
	}
	return r, nil
}

// requestErr turns "no row" into NotFound for request id.
func requestErr(id string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.NotFound, "request %s is not in the journal", id)
	}
	return err
}

func requireRow(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return requestErr(id, sql.ErrNoRows)
	}
	return nil
}
