package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

const stepColumns = `request_id, step, status, attempts, error_code, error, started_at, finished_at, outputs`

// Steps returns the steps of a request that have started, in the order they
// first started (the engine starts them in plan order; the journal does not
// know plans). NotFound if there is no such request.
func (j *Journal) Steps(ctx context.Context, requestID string) ([]domain.StepRecord, error) {
	op := "read steps of request " + requestID
	rows, err := j.reader(ctx).QueryContext(ctx, `SELECT `+stepColumns+` FROM steps WHERE request_id = ? ORDER BY seq`, requestID)
	if err != nil {
		return nil, classify(op, err)
	}
	defer rows.Close()
	out := []domain.StepRecord{}
	for rows.Next() {
		s, err := scanStep(rows)
		if err != nil {
			return nil, classify(op, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(op, err)
	}
	if len(out) == 0 {
		if err := requestExists(ctx, j.reader(ctx), requestID); err != nil {
			return nil, classify(op, err)
		}
	}
	return out, nil
}

// StartStep marks the step running, counts an attempt and sets StartedAt.
// A step starting for the first time is placed after the request's other
// steps. The error of a previous failed attempt stays visible until the step
// finishes; its outputs stay until FinishStep replaces them. NotFound if
// there is no such request.
func (j *Journal) StartStep(ctx context.Context, requestID string, step domain.Step) (domain.StepRecord, error) {
	if err := required("step", string(step)); err != nil {
		return domain.StepRecord{}, err
	}
	var out domain.StepRecord
	err := j.write(ctx, fmt.Sprintf("start step %s of request %s", step, requestID), func(tx sqlitedb.Querier, now time.Time) error {
		if err := requestExists(ctx, tx, requestID); err != nil {
			return err
		}
		s, err := scanStep(tx.QueryRowContext(ctx, `INSERT INTO steps (request_id, step, seq, status, attempts, started_at)
			VALUES (?1, ?2, (SELECT coalesce(max(seq), 0) + 1 FROM steps WHERE request_id = ?1), ?3, 1, ?4)
			ON CONFLICT (request_id, step) DO UPDATE SET
				status = excluded.status, attempts = attempts + 1, started_at = excluded.started_at, finished_at = NULL
			RETURNING `+stepColumns,
			requestID, string(step), string(domain.StepRunning), formatTime(now)))
		out = s
		return err
	})
	if err != nil {
		return domain.StepRecord{}, err
	}
	return out, nil
}

// FinishStep marks a started step done at the clock's time, clears the
// error of earlier attempts and stores outputs (the ids it produced),
// replacing earlier ones. NotFound if the request or the started step does
// not exist.
func (j *Journal) FinishStep(ctx context.Context, requestID string, step domain.Step, outputs map[string]string) error {
	var enc any // NULL when there are no outputs
	if len(outputs) > 0 {
		b, err := json.Marshal(outputs)
		if err != nil {
			return domain.Errorf(domain.Internal, "journal: encode outputs of step %s: %w", step, err)
		}
		enc = string(b)
	}
	return j.write(ctx, fmt.Sprintf("finish step %s of request %s", step, requestID), func(tx sqlitedb.Querier, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE steps SET status = ?, error_code = '', error = '', finished_at = ?, outputs = ?
			WHERE request_id = ? AND step = ?`,
			string(domain.StepDone), formatTime(now), enc, requestID, string(step))
		if err != nil {
			return err
		}
		return requireStep(ctx, tx, res, requestID, step)
	})
}

// FailStep records a failed attempt of a started step: status failed, the
// classified code and message (cut to MaxMessageLen characters), FinishedAt
// the clock's time. NotFound if the request or the started step does not
// exist.
func (j *Journal) FailStep(ctx context.Context, requestID string, step domain.Step, code domain.Code, message string) error {
	return j.write(ctx, fmt.Sprintf("fail step %s of request %s", step, requestID), func(tx sqlitedb.Querier, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE steps SET status = ?, error_code = ?, error = ?, finished_at = ?
			WHERE request_id = ? AND step = ?`,
			string(domain.StepFailed), string(code), cut(message), formatTime(now), requestID, string(step))
		if err != nil {
			return err
		}
		return requireStep(ctx, tx, res, requestID, step)
	})
}

func scanStep(s scanner) (domain.StepRecord, error) {
	var r domain.StepRecord
	var step, status, code string
	var started, finished, outputs sql.NullString
	if err := s.Scan(&r.RequestID, &step, &status, &r.Attempts, &code, &r.Error, &started, &finished, &outputs); err != nil {
		return domain.StepRecord{}, err
	}
	r.Step, r.Status, r.ErrorCode = domain.Step(step), domain.StepStatus(status), domain.Code(code)
	var err error
	if r.StartedAt, err = parseOptionalTime(started); err != nil {
		return domain.StepRecord{}, err
	}
	if r.FinishedAt, err = parseOptionalTime(finished); err != nil {
		return domain.StepRecord{}, err
	}
	if outputs.Valid && outputs.String != "" {
		if err := json.Unmarshal([]byte(outputs.String), &r.Outputs); err != nil {
			return domain.StepRecord{}, fmt.Errorf("stored outputs of step %s: %w", step, err)
		}
	}
	return r, nil
}

func requestExists(ctx context.Context, q querier, id string) error {
	var one int
	return requestErr(id, q.QueryRowContext(ctx, `SELECT 1 FROM requests WHERE id = ?`, id).Scan(&one))
}

// requireStep reports NotFound when an update touched no step: either the
// request or the started step is missing.
func requireStep(ctx context.Context, tx sqlitedb.Querier, res sql.Result, requestID string, step domain.Step) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	if err := requestExists(ctx, tx, requestID); err != nil {
		return err
	}
	return domain.Errorf(domain.NotFound, "step %s of request %s has not started", step, requestID)
}
