package tablejournal

import (
	"bytes"
	"context"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/tables"
)

// DefaultListLimit is the number of requests Requests returns when the
// filter sets no limit.
const DefaultListLimit = 100

// requestEntity is a request row.
type requestEntity struct {
	entity
	ID          string `json:"RequestId"`
	Kind        string `json:"Kind"`
	Fingerprint string `json:"Fingerprint"`
	PayloadType string `json:"Payload@odata.type,omitempty"`
	Payload     []byte `json:"Payload,omitempty"`
	Status      string `json:"Status"`
	ReasonCode  string `json:"ReasonCode"`
	Reason      string `json:"Reason"`
	UPN         string `json:"UPN"`
	Attempts    int    `json:"Attempts"`
	IntentAt    string `json:"IntentAt"`
	CreatedAt   string `json:"CreatedAt"`
	UpdatedAt   string `json:"UpdatedAt"`
}

func (e requestEntity) record() (domain.RequestRecord, error) {
	r := domain.RequestRecord{
		ID: e.ID, Kind: e.Kind, Fingerprint: e.Fingerprint, Status: domain.RequestStatus(e.Status),
		ReasonCode: domain.Code(e.ReasonCode), Reason: e.Reason, UPN: e.UPN, Attempts: e.Attempts,
	}
	if len(e.Payload) > 0 {
		r.Payload = e.Payload
	}
	var err error
	if r.CreatedAt, err = parseTime(e.CreatedAt); err != nil {
		return r, err
	}
	if r.UpdatedAt, err = parseTime(e.UpdatedAt); err != nil {
		return r, err
	}
	if r.IntentAt, err = parseTime(e.IntentAt); err != nil {
		return r, err
	}
	return r, nil
}

// indexEntity is a request's row in the newest-first index.
type indexEntity struct {
	entity
	ID   string `json:"RequestId"`
	Kind string `json:"Kind"`
}

func indexRow(createdAt, id string) string { return createdAt + "|" + tables.Key(id) }

// Begin records r with Status received and Attempts 0 (r's status, reason
// and attempts are ignored) unless a request with r.ID exists. It returns
// the stored record and whether this call created it. A stored request with
// another Fingerprint is a Conflict. ID, Kind and Fingerprint are required
// (Invalid). Exact duplicates racing on several instances create it once:
// AddEntity lets one of them win.
func (j *Journal) Begin(ctx context.Context, r domain.RequestRecord) (domain.RequestRecord, bool, error) {
	for _, f := range []struct{ name, value string }{{"requestId", r.ID}, {"kind", r.Kind}, {"fingerprint", r.Fingerprint}} {
		if err := required(f.name, f.value); err != nil {
			return domain.RequestRecord{}, false, err
		}
	}
	if len(r.Payload) > maxPayload {
		return domain.RequestRecord{}, false, domain.Errorf(domain.Invalid,
			"journal: request %s: payload of %d bytes is over Table Storage's %d-byte property limit", r.ID, len(r.Payload), maxPayload)
	}
	op := "begin request " + r.ID
	if stored, found, err := j.compare(ctx, r); err != nil || found {
		return stored, false, classify(op, err)
	}
	now := j.now()
	rec := domain.RequestRecord{
		ID: r.ID, Kind: r.Kind, Fingerprint: r.Fingerprint, Payload: bytes.Clone(r.Payload),
		Status: domain.RequestReceived, UPN: r.UPN, CreatedAt: now, UpdatedAt: now, IntentAt: r.IntentAt.UTC(),
	}
	if r.IntentAt.IsZero() {
		rec.IntentAt = now
	}
	if len(rec.Payload) == 0 {
		rec.Payload = nil
	}
	// The index row first: a request is never unlisted, and an index row
	// without its request is skipped by Requests.
	inv := tables.Inverted(now)
	if _, err := add(ctx, j.index, indexEntity{entity{indexPart, indexRow(inv, r.ID)}, r.ID, r.Kind}); err != nil {
		return domain.RequestRecord{}, false, classify(op, err)
	}
	e := toRequestEntity(rec)
	exists, err := add(ctx, j.requests, e)
	if err != nil {
		return domain.RequestRecord{}, false, classify(op, err)
	}
	if exists { // a racing duplicate won
		stored, _, err := j.compare(ctx, r)
		if err == nil && !stored.CreatedAt.Equal(now) {
			// Our index row is not the winner's (which has its own time):
			// drop it. Listing would skip it anyway.
			_, _ = j.index.DeleteEntity(ctx, indexPart, indexRow(inv, r.ID), nil)
		}
		return stored, false, classify(op, err)
	}
	return rec, true, nil
}

// compare reads the stored request r.ID: found is false when there is none;
// a stored request with another fingerprint is a Conflict.
func (j *Journal) compare(ctx context.Context, r domain.RequestRecord) (domain.RequestRecord, bool, error) {
	var e requestEntity
	_, found, err := get(ctx, j.requests, tables.Key(r.ID), requestRow, &e)
	if err != nil || !found {
		return domain.RequestRecord{}, false, err
	}
	stored, err := e.record()
	if err != nil {
		return domain.RequestRecord{}, false, err
	}
	if stored.Fingerprint != r.Fingerprint {
		return domain.RequestRecord{}, false, domain.Errorf(domain.Conflict,
			"requestId %q was reused with different content (stored fingerprint %.12s…, new %.12s…); send new content under a new requestId",
			r.ID, stored.Fingerprint, r.Fingerprint)
	}
	return stored, true, nil
}

func toRequestEntity(r domain.RequestRecord) requestEntity {
	e := requestEntity{
		entity: entity{tables.Key(r.ID), requestRow},
		ID:     r.ID, Kind: r.Kind, Fingerprint: r.Fingerprint, Payload: r.Payload,
		Status: string(r.Status), ReasonCode: string(r.ReasonCode), Reason: r.Reason, UPN: r.UPN, Attempts: r.Attempts,
		IntentAt: formatTime(r.IntentAt), CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt),
	}
	if len(e.Payload) > 0 {
		e.PayloadType = "Edm.Binary"
	}
	return e
}

// Request returns one request; NotFound when absent.
func (j *Journal) Request(ctx context.Context, id string) (domain.RequestRecord, error) {
	r, _, err := j.request(ctx, id)
	return r, classify("read request "+id, err)
}

func (j *Journal) request(ctx context.Context, id string) (domain.RequestRecord, azcore.ETag, error) {
	var e requestEntity
	etag, found, err := get(ctx, j.requests, tables.Key(id), requestRow, &e)
	if err != nil {
		return domain.RequestRecord{}, "", err
	}
	if !found {
		return domain.RequestRecord{}, "", notFound(id)
	}
	r, err := e.record()
	return r, etag, err
}

func notFound(id string) error {
	return domain.Errorf(domain.NotFound, "request %s is not in the journal", id)
}

// updateRequest applies change to the stored request with optimistic
// concurrency: read, change, write back If-Match; a lost race re-reads.
// UpdatedAt is the clock's time of the winning round.
func (j *Journal) updateRequest(ctx context.Context, op, id string, change func(r *domain.RequestRecord) error) error {
	for range maxCASRounds {
		r, etag, err := j.request(ctx, id)
		if err != nil {
			return classify(op, err)
		}
		if err := change(&r); err != nil {
			return err
		}
		r.UpdatedAt = j.now()
		lost, err := replace(ctx, j.requests, toRequestEntity(r), etag)
		if err != nil {
			return classify(op, err)
		}
		if !lost {
			return nil
		}
	}
	return busy(op)
}

// SetStatus moves request id to status if domain.CheckMove allows it
// (Conflict otherwise; NotFound if there is no such request) and records
// code and reason (cut to domain.MaxMessageLen characters) as why.
func (j *Journal) SetStatus(ctx context.Context, id string, status domain.RequestStatus, code domain.Code, reason string) error {
	return j.updateRequest(ctx, "set status of request "+id, id, func(r *domain.RequestRecord) error {
		if err := domain.CheckMove(r.Status, status); err != nil {
			return domain.Errorf(domain.ErrorCode(err), "request %s: %s", id, domain.ErrorMessage(err))
		}
		r.Status, r.ReasonCode, r.Reason = status, code, domain.CutMessage(reason)
		return nil
	})
}

// SetUPN records the account request id is about; NotFound if there is no
// such request.
func (j *Journal) SetUPN(ctx context.Context, id, upn string) error {
	return j.updateRequest(ctx, "set upn of request "+id, id, func(r *domain.RequestRecord) error {
		r.UPN = upn
		return nil
	})
}

// CountAttempt increments the request's Attempts and returns the new count;
// NotFound if there is no such request.
func (j *Journal) CountAttempt(ctx context.Context, id string) (int, error) {
	var n int
	err := j.updateRequest(ctx, "count attempt of request "+id, id, func(r *domain.RequestRecord) error {
		r.Attempts++
		n = r.Attempts
		return nil
	})
	return n, err
}

// Requests lists requests, newest first by the time the journal first
// recorded them (ties: latest id first), optionally only those with
// f.Status and f.Kind, at most f.Limit (default DefaultListLimit). A
// negative limit is Invalid. It walks the index partition in row-key order
// (newest first) and reads each request for its current status.
func (j *Journal) Requests(ctx context.Context, f engine.RequestFilter) ([]domain.RequestRecord, error) {
	if f.Limit < 0 {
		return nil, domain.Errorf(domain.Invalid, "journal: limit %d is negative", f.Limit)
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultListLimit
	}
	filter := "PartitionKey eq " + tables.Quote(indexPart)
	if f.Kind != "" {
		filter += " and Kind eq " + tables.Quote(f.Kind)
	}
	pager := j.index.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter})
	out := []domain.RequestRecord{}
	seen := map[string]bool{}
	lastCreated := ""
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, classify("list requests", err)
		}
		for _, raw := range page.Entities {
			var ie indexEntity
			if err := jsonUnmarshal(raw, &ie); err != nil {
				return nil, classify("list requests", err)
			}
			inv, _, _ := strings.Cut(ie.RowKey, "|")
			// Past the limit, read on only while the time ties with the
			// last one kept, so that ties are ordered by id below.
			if len(out) >= limit && inv != lastCreated {
				return finishList(out, limit), nil
			}
			if seen[ie.ID] {
				continue
			}
			r, err := j.Request(ctx, ie.ID)
			if domain.ErrorCode(err) == domain.NotFound {
				continue // index row of a begin that crashed before its request
			}
			if err != nil {
				return nil, err
			}
			created, err := tables.FromInverted(inv)
			if err != nil || !created.Equal(r.CreatedAt) {
				continue // index row of a duplicate that lost the race
			}
			seen[ie.ID] = true
			if f.Status != "" && r.Status != f.Status {
				continue
			}
			if f.UPN != "" && !strings.EqualFold(r.UPN, f.UPN) {
				continue
			}
			if (!f.Since.IsZero() && r.CreatedAt.Before(f.Since)) || (!f.Until.IsZero() && !r.CreatedAt.Before(f.Until)) {
				continue
			}
			out = append(out, r)
			lastCreated = inv
		}
	}
	return finishList(out, limit), nil
}

func finishList(rs []domain.RequestRecord, limit int) []domain.RequestRecord {
	sort.SliceStable(rs, func(a, b int) bool {
		if !rs[a].CreatedAt.Equal(rs[b].CreatedAt) {
			return rs[a].CreatedAt.After(rs[b].CreatedAt)
		}
		return rs[a].ID > rs[b].ID
	})
	if len(rs) > limit {
		rs = rs[:limit]
	}
	return rs
}

// Stats counts requests by status. Every status of the lifecycle is
// present, with 0 when no request has it. It scans the request rows.
func (j *Journal) Stats(ctx context.Context) (map[domain.RequestStatus]int, error) {
	out := map[domain.RequestStatus]int{}
	for _, s := range domain.RequestStatuses() {
		out[s] = 0
	}
	filter := "RowKey eq " + tables.Quote(requestRow)
	sel := "Status"
	pager := j.requests.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter, Select: &sel})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, classify("count requests", err)
		}
		for _, raw := range page.Entities {
			var e struct {
				Status string `json:"Status"`
			}
			if err := jsonUnmarshal(raw, &e); err != nil {
				return nil, classify("count requests", err)
			}
			out[domain.RequestStatus(e.Status)]++
		}
	}
	return out, nil
}
