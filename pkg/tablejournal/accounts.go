package tablejournal

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tables"
)

// accountPart is the partition of an account: UPNs compare
// case-insensitively, as Entra compares them.
func accountPart(upn string) string { return tables.Key(strings.ToLower(upn)) }

type accountEntity struct {
	entity
	UPN         string `json:"UPN"`
	UserID      string `json:"UserId"`
	Vendor      string `json:"Vendor"`
	Email       string `json:"Email"`
	State       string `json:"State"`
	ContractEnd string `json:"ContractEnd"`
	LastRequest string `json:"LastRequest"`
	IntentAt    string `json:"IntentAt"`
	Sponsor     string `json:"Sponsor"`
	WarnedFor   string `json:"WarnedFor"`
	// CredentialID: absent in entities written before it existed.
	CredentialID string `json:"CredentialId,omitempty"`
	ClaimedBy    string `json:"ClaimedBy,omitempty"`
	ClaimedAt    string `json:"ClaimedAt,omitempty"`
	UpdatedAt    string `json:"UpdatedAt"`
}

// Account returns the journal's record of the account with this UPN,
// compared case-insensitively; NotFound if none.
func (j *Journal) Account(ctx context.Context, upn string) (domain.AccountRecord, error) {
	op := "read account " + upn
	var e accountEntity
	_, found, err := get(ctx, j.accounts, accountPart(upn), accountRow, &e)
	if err != nil {
		return domain.AccountRecord{}, classify(op, err)
	}
	if !found {
		return domain.AccountRecord{}, domain.Errorf(domain.NotFound, "account %s is not in the journal", upn)
	}
	a, err := e.record()
	return a, classify(op, err)
}

func (e accountEntity) record() (domain.AccountRecord, error) {
	a := domain.AccountRecord{UPN: e.UPN, UserID: e.UserID, Vendor: e.Vendor, Email: e.Email, State: domain.AccountState(e.State),
		LastRequest: e.LastRequest, Sponsor: e.Sponsor, CredentialID: e.CredentialID, ClaimedBy: e.ClaimedBy}
	for _, t := range []struct {
		dst *time.Time
		s   string
	}{{&a.ContractEnd, e.ContractEnd}, {&a.IntentAt, e.IntentAt}, {&a.WarnedFor, e.WarnedFor}, {&a.ClaimedAt, e.ClaimedAt}, {&a.UpdatedAt, e.UpdatedAt}} {
		var err error
		if *t.dst, err = parseTime(t.s); err != nil {
			return domain.AccountRecord{}, err
		}
	}
	return a, nil
}

// Accounts calls fn for every account record, ordered by lower-cased UPN
// (the partition key): a query on RowKey eq 'account' across partitions,
// read page by page. fn's error stops the listing and is returned.
func (j *Journal) Accounts(ctx context.Context, fn func(domain.AccountRecord) error) error {
	filter := "RowKey eq " + tables.Quote(accountRow)
	pager := j.accounts.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return classify("list accounts", err)
		}
		for _, raw := range page.Entities {
			var e accountEntity
			if err := jsonUnmarshal(raw, &e); err != nil {
				return classify("list accounts", err)
			}
			a, err := e.record()
			if err != nil {
				return classify("list accounts", err)
			}
			if err := fn(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// PutAccount inserts a, or replaces the record with the same UPN in any
// letter case (the UPN takes a's spelling). UpdatedAt is set from the
// clock; a's own UpdatedAt is ignored. The UPN is required (Invalid).
func (j *Journal) PutAccount(ctx context.Context, a domain.AccountRecord) error {
	if err := required("upn", a.UPN); err != nil {
		return err
	}
	b, err := json.Marshal(j.accountEntity(a))
	if err != nil {
		return classify("put account "+a.UPN, err)
	}
	_, err = j.accounts.UpsertEntity(ctx, b, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
	return classify("put account "+a.UPN, err)
}

func (j *Journal) accountEntity(a domain.AccountRecord) accountEntity {
	return accountEntity{entity: entity{accountPart(a.UPN), accountRow}, UPN: a.UPN, UserID: a.UserID, Vendor: a.Vendor, Email: a.Email,
		State: string(a.State), ContractEnd: formatTime(a.ContractEnd), LastRequest: a.LastRequest, IntentAt: formatTime(a.IntentAt),
		Sponsor: a.Sponsor, WarnedFor: formatTime(a.WarnedFor), CredentialID: a.CredentialID, ClaimedBy: a.ClaimedBy, ClaimedAt: formatTime(a.ClaimedAt), UpdatedAt: formatTime(j.now())}
}

// UpdateAccount applies change to the record of upn (the zero record with
// the UPN when there is none) and writes it only if nobody wrote it in
// between: an If-Match replace on the ETag read, or an insert that fails
// when someone inserted first. A lost write reads again and starts over.
func (j *Journal) UpdateAccount(ctx context.Context, upn string, change func(*domain.AccountRecord)) error {
	if err := required("upn", upn); err != nil {
		return err
	}
	op := "update account " + upn
	for range maxCASRounds {
		var e accountEntity
		etag, found, err := get(ctx, j.accounts, accountPart(upn), accountRow, &e)
		if err != nil {
			return classify(op, err)
		}
		a := domain.AccountRecord{UPN: upn}
		if found {
			if a, err = e.record(); err != nil {
				return classify(op, err)
			}
		}
		change(&a)
		if a.UPN == "" {
			a.UPN = upn
		}
		var lost bool
		if found {
			lost, err = replace(ctx, j.accounts, j.accountEntity(a), etag)
		} else {
			lost, err = add(ctx, j.accounts, j.accountEntity(a))
		}
		if err != nil {
			return classify(op, err)
		}
		if !lost {
			return nil
		}
	}
	return busy(op)
}

type leaseEntity struct {
	entity
	Owner string `json:"Owner"`
	Until string `json:"Until"`
}

// AcquireLease gives owner the exclusive right to change the account upn
// until `until`. It returns "" when the lease is now owner's (new, renewed,
// or taken over from an expired holder), or the id of the other owner whose
// lease has not expired. A new lease is an AddEntity (409: someone holds
// one); renewing or taking over is an If-Match update (412: someone else
// changed it first, so look again).
func (j *Journal) AcquireLease(ctx context.Context, upn, owner string, until time.Time) (string, error) {
	if err := required("upn", upn); err != nil {
		return "", err
	}
	if err := required("owner", owner); err != nil {
		return "", err
	}
	op := "acquire lease " + upn
	want := leaseEntity{entity: entity{accountPart(upn), leaseRow}, Owner: owner, Until: formatTime(until)}
	for range maxCASRounds {
		exists, err := add(ctx, j.accounts, want)
		if err != nil {
			return "", classify(op, err)
		}
		if !exists {
			return "", nil
		}
		var cur leaseEntity
		etag, found, err := get(ctx, j.accounts, want.PartitionKey, leaseRow, &cur)
		if err != nil {
			return "", classify(op, err)
		}
		if !found {
			continue // released meanwhile: add again
		}
		exp, err := parseTime(cur.Until)
		if err != nil {
			return "", classify(op, err)
		}
		if cur.Owner != owner && exp.After(j.now()) {
			return cur.Owner, nil
		}
		lost, err := replace(ctx, j.accounts, want, etag)
		if err != nil {
			return "", classify(op, err)
		}
		if !lost {
			return "", nil
		}
	}
	return "", busy(op)
}

// ReleaseLease ends owner's lease on upn; a lease held by another owner, or
// none, is left as it is.
func (j *Journal) ReleaseLease(ctx context.Context, upn, owner string) error {
	op := "release lease " + upn
	for range maxCASRounds {
		var cur leaseEntity
		etag, found, err := get(ctx, j.accounts, accountPart(upn), leaseRow, &cur)
		if err != nil {
			return classify(op, err)
		}
		if !found || cur.Owner != owner {
			return nil
		}
		_, err = j.accounts.DeleteEntity(ctx, accountPart(upn), leaseRow, &aztables.DeleteEntityOptions{IfMatch: &etag})
		switch tables.Status(err) {
		case 0:
			if err != nil {
				return classify(op, err)
			}
			return nil
		case http.StatusNotFound:
			return nil
		case http.StatusPreconditionFailed:
			continue
		default:
			return classify(op, err)
		}
	}
	return busy(op)
}
