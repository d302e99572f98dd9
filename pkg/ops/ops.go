// Package ops holds the read models operators look at, shared by the CLI's
// lists (`vendorflow requests list`, `vendorflow accounts list`) and the ops
// console: requests with their vendor and outcome, a request with its
// steps, and accounts with their contract, segment and licences. It reads
// the journal only (SQLite or Table Storage) and the tenant settings, never
// Graph, so a list answers from the one state every instance shares.
package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
)

// Journal is what ops reads of the journal; the SQLite and the Table
// Storage journals implement it.
type Journal interface {
	Requests(ctx context.Context, f engine.RequestFilter) ([]domain.RequestRecord, error)
	Request(ctx context.Context, id string) (domain.RequestRecord, error)
	Steps(ctx context.Context, requestID string) ([]domain.StepRecord, error)
	Account(ctx context.Context, upn string) (domain.AccountRecord, error)
	Accounts(ctx context.Context, fn func(domain.AccountRecord) error) error
}

// Limits of a request list.
const (
	// DefaultLimit is how many requests a list shows when not told.
	DefaultLimit = 100
	// MaxLimit is the most one list shows.
	MaxLimit = 1000
	// maxScan bounds the requests read to fill a list filtered by vendor
	// (the vendor is in the request's payload, not an indexed column).
	maxScan = 10000
)

// RequestFilter selects requests. Zero fields select everything.
type RequestFilter struct {
	Status domain.RequestStatus
	// Vendor is compared case-insensitively with the request's vendor.
	Vendor string
	// Kind is one of RequestKinds.
	Kind string
	// Since keeps the requests created at or after it.
	Since time.Time
	// Limit is 0 (DefaultLimit) to MaxLimit.
	Limit int
}

// Validate refuses a filter that names no known state or kind, or is out
// of bounds.
func (f RequestFilter) Validate() error {
	if f.Status != "" && !slices.Contains(RequestStates(), f.Status) {
		return domain.Errorf(domain.Invalid, "state %q is not a request state; use one of %s", f.Status, joinStates(RequestStates()))
	}
	if f.Kind != "" && !slices.Contains(RequestKinds(), f.Kind) {
		return domain.Errorf(domain.Invalid, "kind %q is not a request kind; use one of %s", f.Kind, joinStates(RequestKinds()))
	}
	if f.Limit < 0 || f.Limit > MaxLimit {
		return domain.Errorf(domain.Invalid, "limit %d must be between 1 and %d", f.Limit, MaxLimit)
	}
	return nil
}

// RequestStates are the states a request can be in, in lifecycle order.
func RequestStates() []domain.RequestStatus {
	return []domain.RequestStatus{domain.RequestReceived, domain.RequestRunning, domain.RequestRetrying,
		domain.RequestParked, domain.RequestDone, domain.RequestSuperseded}
}

// RequestKinds are the kinds of request the journal holds: the producers'
// onboards and offboards, and reconcile's drift repairs.
func RequestKinds() []string {
	return []string{domain.KindOnboard, domain.KindOffboard, engine.KindReconcile}
}

// AccountStates are the states an account can be in.
func AccountStates() []domain.AccountState {
	return []domain.AccountState{domain.AccountActive, domain.AccountOffboarded, domain.AccountDeleted}
}

func joinStates[S ~string](states []S) string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// RequestRow is one request as a list shows it: who it is for (vendor,
// person's email, account) and where it stands.
type RequestRow struct {
	ID         string               `json:"requestId"`
	Kind       string               `json:"kind"`
	Vendor     string               `json:"vendor,omitempty"`
	Email      string               `json:"email,omitempty"`
	UPN        string               `json:"upn,omitempty"`
	Status     domain.RequestStatus `json:"status"`
	ReasonCode domain.Code          `json:"reasonCode,omitempty"`
	Reason     string               `json:"reason,omitempty"`
	Attempts   int                  `json:"attempts"`
	CreatedAt  time.Time            `json:"createdAt"`
	UpdatedAt  time.Time            `json:"updatedAt"`
}

// Requests lists the requests f selects, newest first.
func Requests(ctx context.Context, j Journal, f RequestFilter) ([]RequestRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	read := limit
	if f.Vendor != "" {
		read = maxScan // the vendor filter runs here, on the payloads
	}
	recs, err := j.Requests(ctx, engine.RequestFilter{Status: f.Status, Kind: f.Kind, Since: f.Since, Limit: read})
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	vendors := accountVendors{j: j, seen: map[string]string{}}
	out := []RequestRow{}
	for _, r := range recs {
		row := rowOf(r)
		if row.Vendor == "" && row.UPN != "" {
			if row.Vendor, err = vendors.of(ctx, row.UPN); err != nil {
				return nil, err
			}
		}
		if f.Vendor != "" && !strings.EqualFold(row.Vendor, f.Vendor) {
			continue
		}
		out = append(out, row)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// accountVendors remembers the vendor of each account a list asked about.
type accountVendors struct {
	j    Journal
	seen map[string]string
}

func (a accountVendors) of(ctx context.Context, upn string) (string, error) {
	key := strings.ToLower(upn)
	if v, ok := a.seen[key]; ok {
		return v, nil
	}
	rec, err := a.j.Account(ctx, upn)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		return "", fmt.Errorf("account %s: %w", upn, err)
	}
	a.seen[key] = rec.Vendor
	return rec.Vendor, nil
}

// rowOf reads the vendor and person out of a request's payload: an onboard
// names both, an offboard its account (by UPN, or vendor and email).
// Payloads the engine refused may not decode; their row keeps what the
// record holds.
func rowOf(r domain.RequestRecord) RequestRow {
	row := RequestRow{ID: r.ID, Kind: r.Kind, UPN: r.UPN, Status: r.Status, ReasonCode: r.ReasonCode, Reason: r.Reason,
		Attempts: r.Attempts, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	var p struct {
		Vendor string `json:"vendor"`
		Person struct {
			Email string `json:"email"`
		} `json:"person"`
		Account struct {
			Vendor string `json:"vendor"`
			Email  string `json:"email"`
			UPN    string `json:"upn"`
		} `json:"account"`
	}
	if json.Unmarshal(r.Payload, &p) != nil {
		return row
	}
	row.Vendor, row.Email = firstOf(p.Vendor, p.Account.Vendor), firstOf(p.Person.Email, p.Account.Email)
	if row.UPN == "" {
		row.UPN = p.Account.UPN
	}
	return row
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// RequestDetail is one request with its steps in plan order.
type RequestDetail struct {
	Request RequestRow          `json:"request"`
	Steps   []domain.StepRecord `json:"steps"`
}

// Request returns one request with its steps; NotFound when the journal
// does not know the id.
func Request(ctx context.Context, j Journal, id string) (RequestDetail, error) {
	r, err := j.Request(ctx, id)
	if err != nil {
		return RequestDetail{}, err
	}
	steps, err := j.Steps(ctx, id)
	if err != nil {
		return RequestDetail{}, fmt.Errorf("steps of %s: %w", id, err)
	}
	if steps == nil {
		steps = []domain.StepRecord{}
	}
	row := rowOf(r)
	if row.Vendor == "" && row.UPN != "" {
		if row.Vendor, err = (accountVendors{j: j, seen: map[string]string{}}).of(ctx, row.UPN); err != nil {
			return RequestDetail{}, err
		}
	}
	return RequestDetail{Request: row, Steps: steps}, nil
}

// AccountFilter selects accounts. Zero fields select everything.
type AccountFilter struct {
	// Vendor is compared case-insensitively.
	Vendor string
	State  domain.AccountState
	// ExpiringWithin, when positive, keeps the active accounts whose
	// contract ends between Now and Now+ExpiringWithin.
	ExpiringWithin time.Duration
	Now            time.Time
}

// Validate refuses a state that is no account state, a window without a
// now, and a window with a state other than active (the window keeps
// active accounts only, so the list would always be empty).
func (f AccountFilter) Validate() error {
	if f.State != "" && !slices.Contains(AccountStates(), f.State) {
		return domain.Errorf(domain.Invalid, "state %q is not an account state; use one of %s", f.State, joinStates(AccountStates()))
	}
	if f.ExpiringWithin < 0 {
		return domain.Errorf(domain.Invalid, "expiring-within %s must not be negative", f.ExpiringWithin)
	}
	if f.ExpiringWithin > 0 && f.State != "" && f.State != domain.AccountActive {
		return domain.Errorf(domain.Invalid, "expiring-within keeps active accounts only; state %q contradicts it", f.State)
	}
	if f.ExpiringWithin > 0 && f.Now.IsZero() {
		return domain.Errorf(domain.Invalid, "expiring-within needs the current time")
	}
	return nil
}

// AccountRow is one account as the journal and the tenant settings
// describe it. Segment and Licences are what vendorflow keeps on an active
// account of its vendor (the vendor registry's segment and SKUs); an
// account that is not active holds none of them.
type AccountRow struct {
	UPN         string              `json:"upn"`
	Vendor      string              `json:"vendor,omitempty"`
	Email       string              `json:"email,omitempty"`
	State       domain.AccountState `json:"state"`
	ContractEnd time.Time           `json:"contractEnd,omitzero"`
	Sponsor     string              `json:"sponsor,omitempty"`
	Segment     string              `json:"segment,omitempty"`
	Licences    []string            `json:"licences,omitempty"`
	LastRequest string              `json:"lastRequest,omitempty"`
	UpdatedAt   time.Time           `json:"updatedAt"`
}

// Accounts lists the accounts f selects, ordered by lower-cased UPN. A
// journal record that holds only a run's claim is no account and is left
// out.
func Accounts(ctx context.Context, j Journal, t domain.Tenant, f AccountFilter) ([]AccountRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	out := []AccountRow{}
	err := j.Accounts(ctx, func(a domain.AccountRecord) error {
		if a.State == "" {
			return nil
		}
		if f.Vendor != "" && !strings.EqualFold(a.Vendor, f.Vendor) {
			return nil
		}
		if f.State != "" && a.State != f.State {
			return nil
		}
		if f.ExpiringWithin > 0 && (a.State != domain.AccountActive || a.ContractEnd.IsZero() ||
			a.ContractEnd.Before(f.Now) || a.ContractEnd.After(f.Now.Add(f.ExpiringWithin))) {
			return nil
		}
		out = append(out, accountRow(t, a))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

func accountRow(t domain.Tenant, a domain.AccountRecord) AccountRow {
	row := AccountRow{UPN: a.UPN, Vendor: a.Vendor, Email: a.Email, State: a.State, ContractEnd: a.ContractEnd,
		Sponsor: a.Sponsor, LastRequest: a.LastRequest, UpdatedAt: a.UpdatedAt}
	if v, ok := t.Vendor(a.Vendor); ok && a.State == domain.AccountActive {
		row.Vendor = v.Key
		row.Segment = v.Segment
		row.Licences = t.SKUsFor(v)
	}
	return row
}
