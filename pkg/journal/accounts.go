package journal

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/sqlitedb"
)

const accountColumns = `upn, user_id, vendor, email, state, contract_end, last_request, intent_at, updated_at, sponsor, warned_for, credential_id, claimed_by, claimed_at`

// Account returns the journal's record of the account with this UPN,
// compared case-insensitively (as Entra compares UPNs); NotFound if none.
func (j *Journal) Account(ctx context.Context, upn string) (domain.AccountRecord, error) {
	a, err := scanAccount(j.reader(ctx).QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE upn = ?`, upn))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.AccountRecord{}, domain.Errorf(domain.NotFound, "account %s is not in the journal", upn)
	}
	return a, classify("read account "+upn, err)
}

// Accounts calls fn for every account record, ordered by lower-cased UPN.
// The rows are read first, so fn may use the journal; fn's error stops the
// listing and is returned.
func (j *Journal) Accounts(ctx context.Context, fn func(domain.AccountRecord) error) error {
	rows, err := j.reader(ctx).QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY lower(upn)`)
	if err != nil {
		return classify("list accounts", err)
	}
	var all []domain.AccountRecord
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			_ = rows.Close()
			return classify("list accounts", err)
		}
		all = append(all, a)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return classify("list accounts", err)
	}
	for _, a := range all {
		if err := fn(a); err != nil {
			return err
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
	return j.write(ctx, "put account "+a.UPN, func(tx sqlitedb.Querier, now time.Time) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (upn) DO UPDATE SET
				upn = excluded.upn, user_id = excluded.user_id, vendor = excluded.vendor, email = excluded.email,
				state = excluded.state, contract_end = excluded.contract_end, last_request = excluded.last_request,
				intent_at = excluded.intent_at, updated_at = excluded.updated_at,
				sponsor = excluded.sponsor, warned_for = excluded.warned_for, credential_id = excluded.credential_id,
				claimed_by = excluded.claimed_by, claimed_at = excluded.claimed_at`,
			a.UPN, a.UserID, a.Vendor, a.Email, string(a.State), optionalTime(a.ContractEnd), a.LastRequest,
			optionalTime(a.IntentAt), formatTime(now), a.Sponsor, optionalTime(a.WarnedFor), a.CredentialID, a.ClaimedBy, optionalTime(a.ClaimedAt))
		return err
	})
}

// UpdateAccount applies change to the record of upn (the zero record
// with the UPN when there is none) in one IMMEDIATE transaction, so no
// concurrent update is lost between the read and the write.
func (j *Journal) UpdateAccount(ctx context.Context, upn string, change func(*domain.AccountRecord)) error {
	if err := required("upn", upn); err != nil {
		return err
	}
	return j.Batch(ctx, func(ctx context.Context) error {
		a, err := j.Account(ctx, upn)
		if err != nil && domain.ErrorCode(err) != domain.NotFound {
			return err
		}
		if err != nil {
			a = domain.AccountRecord{UPN: upn}
		}
		change(&a)
		if a.UPN == "" {
			a.UPN = upn
		}
		return j.PutAccount(ctx, a)
	})
}

func scanAccount(s scanner) (domain.AccountRecord, error) {
	var a domain.AccountRecord
	var state, updated string
	var contractEnd, intentAt, warnedFor, claimedAt sql.NullString
	if err := s.Scan(&a.UPN, &a.UserID, &a.Vendor, &a.Email, &state, &contractEnd, &a.LastRequest, &intentAt, &updated, &a.Sponsor, &warnedFor, &a.CredentialID, &a.ClaimedBy, &claimedAt); err != nil {
		return domain.AccountRecord{}, err
	}
	a.State = domain.AccountState(state)
	var err error
	if a.ContractEnd, err = parseOptionalTime(contractEnd); err != nil {
		return domain.AccountRecord{}, err
	}
	if a.IntentAt, err = parseOptionalTime(intentAt); err != nil {
		return domain.AccountRecord{}, err
	}
	if a.UpdatedAt, err = parseTime(updated); err != nil {
		return domain.AccountRecord{}, err
	}
	if a.WarnedFor, err = parseOptionalTime(warnedFor); err != nil {
		return domain.AccountRecord{}, err
	}
	if a.ClaimedAt, err = parseOptionalTime(claimedAt); err != nil {
		return domain.AccountRecord{}, err
	}
	return a, nil
}
