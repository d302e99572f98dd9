package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Expiry is one account whose contract has ended, with the offboard request
// the sweep enqueues for it.
type Expiry struct {
	UPN         string    `json:"upn"`
	ContractEnd time.Time `json:"contractEnd"`
	// MessageID equals the request's id: it is derived from the UPN and the
	// contract end only, so overlapping sweeps produce the same message and
	// the queue's duplicate detection (and the journal) collapse them.
	MessageID string `json:"messageId"`
	Payload   []byte `json:"-"`
}

// Expired pages through the accounts vendorflow manages that are still
// enabled and whose contract ended at or before now, and returns one
// offboard request for each.
func (e *Engine) Expired(ctx context.Context, now time.Time) ([]Expiry, error) {
	t := e.cfg.Tenant
	enabled := true
	var out []Expiry
	err := e.dir.ListUsers(ctx, domain.UserQuery{
		MarkerAttribute: t.MarkerAttribute, MarkerValue: t.MarkerValue,
		LeaveBefore: now, Enabled: &enabled,
	}, func(u domain.User) error {
		if !t.Manages(u) || !u.AccountEnabled || u.EmployeeLeaveDateTime.IsZero() || u.EmployeeLeaveDateTime.After(now) {
			return nil // the filter is the directory's; trust but verify
		}
		id := expiryRequestID(u.UPN, u.EmployeeLeaveDateTime)
		body, err := json.Marshal(domain.OffboardRequest{
			SchemaVersion: domain.SchemaVersion,
			RequestID:     id,
			Account:       domain.AccountRef{UPN: u.UPN},
			Reason:        "contract ended " + u.EmployeeLeaveDateTime.UTC().Format(time.RFC3339) + " (expiry sweep)",
		})
		if err != nil {
			return err
		}
		out = append(out, Expiry{UPN: u.UPN, ContractEnd: u.EmployeeLeaveDateTime, MessageID: id, Payload: body})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list expired accounts: %w", err)
	}
	return out, nil
}

// expiryRequestID is deterministic in the UPN (case-insensitive) and the
// contract end.
func expiryRequestID(upn string, end time.Time) string {
	sum := sha256.Sum256([]byte(strings.ToLower(upn) + "|" + end.UTC().Format(time.RFC3339)))
	return "expiry-" + hex.EncodeToString(sum[:12])
}

// DeletePastRetention soft-deletes the disabled accounts vendorflow manages
// whose contract ended more than the retention period before now, and
// returns their UPNs. Deleted accounts stay restorable for 30 days
// (REFERENCE §2), so a re-onboarding restores rather than collides.
func (e *Engine) DeletePastRetention(ctx context.Context, now time.Time) ([]string, error) {
	t := e.cfg.Tenant
	disabled := false
	cutoff := now.Add(-time.Duration(t.Retention))
	var victims []domain.User
	err := e.dir.ListUsers(ctx, domain.UserQuery{
		MarkerAttribute: t.MarkerAttribute, MarkerValue: t.MarkerValue,
		LeaveBefore: cutoff, Enabled: &disabled,
	}, func(u domain.User) error {
		if t.Manages(u) && !u.AccountEnabled && !u.EmployeeLeaveDateTime.IsZero() && !u.EmployeeLeaveDateTime.After(cutoff) {
			victims = append(victims, u)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts past retention: %w", err)
	}
	var deleted []string
	for _, u := range victims {
		if err := e.dir.DeleteUser(ctx, u.ID); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return deleted, fmt.Errorf("delete %s: %w", u.UPN, err)
		}
		if err := e.saveAccount(ctx, u.UPN, func(a *domain.AccountRecord) {
			a.UserID, a.State, a.ContractEnd = u.ID, domain.AccountDeleted, u.EmployeeLeaveDateTime
		}); err != nil {
			return deleted, err
		}
		deleted = append(deleted, u.UPN)
	}
	return deleted, nil
}
