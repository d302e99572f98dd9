package tablejournal

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tables"
)

// stepEntity is one started step of a request, in the request's partition.
type stepEntity struct {
	entity
	RequestID  string `json:"RequestId"`
	Step       string `json:"Step"`
	Seq        int    `json:"Seq"`
	Status     string `json:"Status"`
	Attempts   int    `json:"Attempts"`
	ErrorCode  string `json:"ErrorCode"`
	Error      string `json:"Error"`
	StartedAt  string `json:"StartedAt"`
	FinishedAt string `json:"FinishedAt"`
	Outputs    string `json:"Outputs"` // JSON object of ids; "" when none
}

func stepRow(s domain.Step) string { return stepRowPre + tables.Key(string(s)) }

func (e stepEntity) record() (domain.StepRecord, error) {
	r := domain.StepRecord{
		RequestID: e.RequestID, Step: domain.Step(e.Step), Status: domain.StepStatus(e.Status), Attempts: e.Attempts,
		ErrorCode: domain.Code(e.ErrorCode), Error: e.Error,
	}
	var err error
	if r.StartedAt, err = parseTime(e.StartedAt); err != nil {
		return r, err
	}
	if r.FinishedAt, err = parseTime(e.FinishedAt); err != nil {
		return r, err
	}
	if e.Outputs != "" {
		if err := json.Unmarshal([]byte(e.Outputs), &r.Outputs); err != nil {
			return r, fmt.Errorf("stored outputs of step %s: %w", e.Step, err)
		}
	}
	return r, nil
}

// partition reads a request's partition: whether the request row exists,
// and its step rows in start order.
func (j *Journal) partition(ctx context.Context, requestID string) (bool, []stepEntity, error) {
	filter := "PartitionKey eq " + tables.Quote(tables.Key(requestID))
	pager := j.requests.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter})
	var steps []stepEntity
	found := false
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return false, nil, err
		}
		for _, raw := range page.Entities {
			var e stepEntity
			if err := jsonUnmarshal(raw, &e); err != nil {
				return false, nil, err
			}
			if e.RowKey == requestRow {
				found = true
				continue
			}
			steps = append(steps, e)
		}
	}
	sort.SliceStable(steps, func(a, b int) bool { return steps[a].Seq < steps[b].Seq })
	return found, steps, nil
}

// Steps returns the steps of a request that have started, in the order they
// first started. NotFound if there is no such request.
func (j *Journal) Steps(ctx context.Context, requestID string) ([]domain.StepRecord, error) {
	op := "read steps of request " + requestID
	found, steps, err := j.partition(ctx, requestID)
	if err != nil {
		return nil, classify(op, err)
	}
	if !found {
		return nil, notFound(requestID)
	}
	out := make([]domain.StepRecord, 0, len(steps))
	for _, e := range steps {
		r, err := e.record()
		if err != nil {
			return nil, classify(op, err)
		}
		out = append(out, r)
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
	op := fmt.Sprintf("start step %s of request %s", step, requestID)
	for range maxCASRounds {
		found, steps, err := j.partition(ctx, requestID)
		if err != nil {
			return domain.StepRecord{}, classify(op, err)
		}
		if !found {
			return domain.StepRecord{}, notFound(requestID)
		}
		now := formatTime(j.now())
		var cur *stepEntity
		for i := range steps {
			if steps[i].Step == string(step) {
				cur = &steps[i]
			}
		}
		if cur == nil {
			e := stepEntity{entity: entity{tables.Key(requestID), stepRow(step)}, RequestID: requestID, Step: string(step),
				Seq: len(steps) + 1, Status: string(domain.StepRunning), Attempts: 1, StartedAt: now}
			if len(steps) > 0 {
				e.Seq = steps[len(steps)-1].Seq + 1
			}
			exists, err := add(ctx, j.requests, e)
			if err != nil {
				return domain.StepRecord{}, classify(op, err)
			}
			if exists {
				continue // a racing start of the same step: update it instead
			}
			return e.record()
		}
		// The listing carries no ETag per row: read the row for one.
		var e stepEntity
		etag, ok, err := get(ctx, j.requests, cur.PartitionKey, cur.RowKey, &e)
		if err != nil {
			return domain.StepRecord{}, classify(op, err)
		}
		if !ok {
			continue
		}
		e.Status, e.Attempts, e.StartedAt, e.FinishedAt = string(domain.StepRunning), e.Attempts+1, now, ""
		lost, err := replace(ctx, j.requests, e, etag)
		if err != nil {
			return domain.StepRecord{}, classify(op, err)
		}
		if !lost {
			return e.record()
		}
	}
	return domain.StepRecord{}, busy(op)
}

// FinishStep marks a started step done at the clock's time, clears the
// error of earlier attempts and stores outputs (the ids it produced),
// replacing earlier ones. NotFound if the request or the started step does
// not exist.
func (j *Journal) FinishStep(ctx context.Context, requestID string, step domain.Step, outputs map[string]string) error {
	enc := ""
	if len(outputs) > 0 {
		b, err := json.Marshal(outputs)
		if err != nil {
			return domain.Errorf(domain.Internal, "journal: encode outputs of step %s: %w", step, err)
		}
		enc = string(b)
	}
	return j.updateStep(ctx, fmt.Sprintf("finish step %s of request %s", step, requestID), requestID, step, func(e *stepEntity, now string) {
		e.Status, e.ErrorCode, e.Error, e.FinishedAt, e.Outputs = string(domain.StepDone), "", "", now, enc
	})
}

// FailStep records a failed attempt of a started step: status failed, the
// classified code and message (cut to domain.MaxMessageLen characters),
// FinishedAt the clock's time. NotFound if the request or the started step
// does not exist.
func (j *Journal) FailStep(ctx context.Context, requestID string, step domain.Step, code domain.Code, message string) error {
	return j.updateStep(ctx, fmt.Sprintf("fail step %s of request %s", step, requestID), requestID, step, func(e *stepEntity, now string) {
		e.Status, e.ErrorCode, e.Error, e.FinishedAt = string(domain.StepFailed), string(code), domain.CutMessage(message), now
	})
}

func (j *Journal) updateStep(ctx context.Context, op, requestID string, step domain.Step, change func(e *stepEntity, now string)) error {
	for range maxCASRounds {
		var e stepEntity
		etag, found, err := get(ctx, j.requests, tables.Key(requestID), stepRow(step), &e)
		if err != nil {
			return classify(op, err)
		}
		if !found {
			if _, _, err := j.request(ctx, requestID); err != nil {
				return classify(op, err)
			}
			return domain.Errorf(domain.NotFound, "step %s of request %s has not started", step, requestID)
		}
		change(&e, formatTime(j.now()))
		lost, err := replace(ctx, j.requests, e, etag)
		if err != nil {
			return classify(op, err)
		}
		if !lost {
			return nil
		}
	}
	return busy(op)
}
