package engine_test

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// countingJournal counts the journal's write transactions as the SQLite
// journal makes them: one per write call, and one per Batch for all the
// calls inside it.
type countingJournal struct {
	engine.Journal
	writes atomic.Int64
}

type inBatch struct{}

func (c *countingJournal) count(ctx context.Context) {
	if ctx.Value(inBatch{}) == nil {
		c.writes.Add(1)
	}
}

func (c *countingJournal) Batch(ctx context.Context, fn func(context.Context) error) error {
	c.count(ctx)
	return c.Journal.Batch(ctx, func(ctx context.Context) error {
		return fn(context.WithValue(ctx, inBatch{}, true))
	})
}

func (c *countingJournal) Begin(ctx context.Context, r domain.RequestRecord) (domain.RequestRecord, bool, error) {
	c.count(ctx)
	return c.Journal.Begin(ctx, r)
}

func (c *countingJournal) StartStep(ctx context.Context, id string, s domain.Step) (domain.StepRecord, error) {
	c.count(ctx)
	return c.Journal.StartStep(ctx, id, s)
}

func (c *countingJournal) FinishStep(ctx context.Context, id string, s domain.Step, out map[string]string) error {
	c.count(ctx)
	return c.Journal.FinishStep(ctx, id, s, out)
}

func (c *countingJournal) FailStep(ctx context.Context, id string, s domain.Step, code domain.Code, msg string) error {
	c.count(ctx)
	return c.Journal.FailStep(ctx, id, s, code, msg)
}

func (c *countingJournal) SetStatus(ctx context.Context, id string, st domain.RequestStatus, code domain.Code, reason string) error {
	c.count(ctx)
	return c.Journal.SetStatus(ctx, id, st, code, reason)
}

func (c *countingJournal) SetUPN(ctx context.Context, id, upn string) error {
	c.count(ctx)
	return c.Journal.SetUPN(ctx, id, upn)
}

func (c *countingJournal) CountAttempt(ctx context.Context, id string) (int, error) {
	c.count(ctx)
	return c.Journal.CountAttempt(ctx, id)
}

func (c *countingJournal) PutAccount(ctx context.Context, a domain.AccountRecord) error {
	c.count(ctx)
	return c.Journal.PutAccount(ctx, a)
}

func (c *countingJournal) UpdateAccount(ctx context.Context, upn string, change func(*domain.AccountRecord)) error {
	c.count(ctx)
	return c.Journal.UpdateAccount(ctx, upn, change)
}

func (c *countingJournal) AcquireLease(ctx context.Context, upn, owner string, until time.Time) (string, error) {
	c.count(ctx)
	return c.Journal.AcquireLease(ctx, upn, owner, until)
}

func (c *countingJournal) ReleaseLease(ctx context.Context, upn, owner string) error {
	c.count(ctx)
	return c.Journal.ReleaseLease(ctx, upn, owner)
}
