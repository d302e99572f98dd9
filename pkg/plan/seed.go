package plan

import (
	"context"
	"fmt"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
)

// seed copies into the scratch journal, from the real one, what the engine
// will consult for a request: the request itself (it may have run before,
// or its id may be taken), and the record of every account it may be about
// (upns: every name the account may have) with the account's last request
// and its steps (its segment group, ordering). Each is copied once per
// Plan call: later requests of a batch see what the plan made of it.
func (r *planRun) seed(ctx context.Context, requestID string, upns []string) error {
	if r.p.cfg.Journal == nil {
		return nil
	}
	if domain.ValidRequestID(requestID) {
		if err := r.seedRequest(ctx, requestID); err != nil {
			return err
		}
	}
	for _, upn := range upns {
		if err := r.seedAccount(ctx, upn); err != nil {
			return err
		}
	}
	return nil
}

func (r *planRun) seedAccount(ctx context.Context, upn string) error {
	k := "account:" + key(upn)
	if r.seeded[k] {
		return nil
	}
	r.seeded[k] = true
	a, err := r.p.cfg.Journal.Account(ctx, upn)
	switch domain.ErrorCode(err) {
	case "":
	case domain.NotFound:
		return nil
	default:
		return fmt.Errorf("plan: read the journal's record of %s: %w", upn, err)
	}
	if err := r.scratch.PutAccount(ctx, a); err != nil {
		return fmt.Errorf("plan: scratch journal: %w", err)
	}
	if a.LastRequest != "" {
		return r.seedRequest(ctx, a.LastRequest)
	}
	return nil
}

func (r *planRun) seedRequest(ctx context.Context, id string) error {
	k := "request:" + id
	if r.seeded[k] {
		return nil
	}
	r.seeded[k] = true
	rec, err := r.p.cfg.Journal.Request(ctx, id)
	switch domain.ErrorCode(err) {
	case "":
	case domain.NotFound:
		return nil
	default:
		return fmt.Errorf("plan: read the journal's request %s: %w", id, err)
	}
	steps, err := r.p.cfg.Journal.Steps(ctx, id)
	if err != nil {
		return fmt.Errorf("plan: read the journal's steps of %s: %w", id, err)
	}
	if err := copyRequest(ctx, r.scratch, rec, steps); err != nil {
		return fmt.Errorf("plan: scratch journal: copy request %s: %w", id, err)
	}
	return nil
}

// copyRequest writes rec and its steps into j through the journal's own
// calls, so that j holds what the engine would find: the request's status
// and reason, its attempts, its intent time, and each step's status,
// attempts, outputs and last error. (Times of change are j's clock's.)
func copyRequest(ctx context.Context, j *journal.Journal, rec domain.RequestRecord, steps []domain.StepRecord) error {
	return j.Batch(ctx, func(ctx context.Context) error {
		if _, _, err := j.Begin(ctx, domain.RequestRecord{ID: rec.ID, Kind: rec.Kind, Fingerprint: rec.Fingerprint,
			Payload: rec.Payload, UPN: rec.UPN, IntentAt: rec.IntentAt}); err != nil {
			return err
		}
		for range rec.Attempts {
			if _, err := j.CountAttempt(ctx, rec.ID); err != nil {
				return err
			}
		}
		for _, s := range steps {
			for range max(s.Attempts, 1) {
				if _, err := j.StartStep(ctx, rec.ID, s.Step); err != nil {
					return err
				}
			}
			var err error
			switch s.Status {
			case domain.StepDone:
				err = j.FinishStep(ctx, rec.ID, s.Step, s.Outputs)
			case domain.StepFailed:
				err = j.FailStep(ctx, rec.ID, s.Step, s.ErrorCode, s.Error)
			}
			if err != nil {
				return err
			}
		}
		var moves []domain.RequestStatus
		switch rec.Status {
		case domain.RequestRunning:
			moves = []domain.RequestStatus{domain.RequestRunning}
		case domain.RequestRetrying, domain.RequestDone:
			moves = []domain.RequestStatus{domain.RequestRunning, rec.Status}
		case domain.RequestParked, domain.RequestSuperseded:
			moves = []domain.RequestStatus{rec.Status}
		}
		for i, st := range moves {
			var code domain.Code
			var reason string
			if i == len(moves)-1 {
				code, reason = rec.ReasonCode, rec.Reason
			}
			if err := j.SetStatus(ctx, rec.ID, st, code, reason); err != nil {
				return err
			}
		}
		return nil
	})
}
