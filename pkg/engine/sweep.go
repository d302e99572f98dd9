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

// ContractScan is what one pass over the enabled accounts vendorflow
// manages whose contracts end by the end of the warning window found: how
// many contracts have ended (each handed to the pass's callback as the
// listing reaches it), and the accounts whose contracts end soon.
type ContractScan struct {
	Expired int
	Soon    []domain.User
}

// ScanContracts pages once through the enabled accounts vendorflow manages
// whose contract ends at or before now + the tenant's ExpiryWarning: the
// expiry pass and the warning pass share this one listing (pages of the
// adapter's size, Graph's largest by default). Each ended contract goes to
// expired as soon as its page is read, so a sweep of a large tenant holds
// one page and what expired keeps, not every expiry at once; expired's
// error stops the listing and is returned. On an error the scan still
// counts the expiries handed over, and has no Soon.
func (e *Engine) ScanContracts(ctx context.Context, now time.Time, expired func(Expiry) error) (ContractScan, error) {
	t := e.cfg.Tenant
	window := max(time.Duration(t.ExpiryWarning), 0)
	enabled := true
	var out ContractScan
	err := e.dir.ListUsers(ctx, domain.UserQuery{
		MarkerAttribute: t.MarkerAttribute, MarkerValue: t.MarkerValue,
		LeaveBefore: now.Add(window), Enabled: &enabled, Brief: true,
	}, func(u domain.User) error {
		end := u.EmployeeLeaveDateTime
		if !t.Manages(u) || !u.AccountEnabled || end.IsZero() || end.After(now.Add(window)) {
			return nil // the filter is the directory's; trust but verify
		}
		if end.After(now) {
			if window > 0 {
				out.Soon = append(out.Soon, u)
			}
			return nil
		}
		x, err := expiryOf(u)
		if err != nil {
			return err
		}
		out.Expired++
		return expired(x)
	})
	if err != nil {
		// the expiries already handed over count; a partial Soon is dropped
		return ContractScan{Expired: out.Expired}, fmt.Errorf("list accounts whose contracts end: %w", err)
	}
	return out, nil
}

// Expired returns one offboard request for each enabled account
// vendorflow manages whose contract ended at or before now.
func (e *Engine) Expired(ctx context.Context, now time.Time) ([]Expiry, error) {
	var out []Expiry
	_, err := e.ScanContracts(ctx, now, func(x Expiry) error {
		out = append(out, x)
		return nil
	})
	return out, err
}

// expiryOf is the offboard request for u, whose contract has ended.
func expiryOf(u domain.User) (Expiry, error) {
	id := expiryRequestID(u.UPN, u.EmployeeLeaveDateTime)
	body, err := json.Marshal(domain.OffboardRequest{
		SchemaVersion: domain.SchemaVersion,
		RequestID:     id,
		Account:       domain.AccountRef{UPN: u.UPN},
		Reason:        "contract ended " + u.EmployeeLeaveDateTime.UTC().Format(time.RFC3339) + " (expiry sweep)",
	})
	if err != nil {
		return Expiry{}, err
	}
	return Expiry{UPN: u.UPN, ContractEnd: u.EmployeeLeaveDateTime, MessageID: id, Payload: body}, nil
}

// expiryRequestID is deterministic in the UPN (case-insensitive) and the
// contract end.
func expiryRequestID(upn string, end time.Time) string {
	sum := sha256.Sum256([]byte(strings.ToLower(upn) + "|" + end.UTC().Format(time.RFC3339)))
	return "expiry-" + hex.EncodeToString(sum[:12])
}

// DeletePastRetention soft-deletes the disabled accounts vendorflow manages
// whose contract ended more than the retention period before now, each
// under its account lease (retire), and returns their UPNs. Deleted accounts stay restorable for 30 days
// (REFERENCE §2), so a re-onboarding restores rather than collides.
func (e *Engine) DeletePastRetention(ctx context.Context, now time.Time) ([]string, error) {
	victims, cutoff, err := e.pastRetention(ctx, now)
	if err != nil {
		return nil, err
	}
	owner := runOwner(KindRetention)
	var deleted []string
	for _, u := range victims {
		gone, err := e.retire(ctx, owner, u, cutoff)
		if err != nil {
			return deleted, err
		}
		if gone {
			deleted = append(deleted, u.UPN)
		}
	}
	return deleted, nil
}

// pastRetention lists the accounts the retention pass deletes at now, and
// the cutoff: a contract that ended at or before it is past retention. It
// only reads.
func (e *Engine) pastRetention(ctx context.Context, now time.Time) ([]domain.User, time.Time, error) {
	t := e.cfg.Tenant
	disabled := false
	cutoff := now.Add(-time.Duration(t.Retention))
	var victims []domain.User
	err := e.dir.ListUsers(ctx, domain.UserQuery{
		MarkerAttribute: t.MarkerAttribute, MarkerValue: t.MarkerValue,
		LeaveBefore: cutoff, Enabled: &disabled, Brief: true,
	}, func(u domain.User) error {
		if deletable(t, u, cutoff) {
			victims = append(victims, u)
		}
		return nil
	})
	if err != nil {
		return nil, cutoff, fmt.Errorf("list accounts past retention: %w", err)
	}
	return victims, cutoff, nil
}

// deletable is the retention rule: an account vendorflow manages, disabled,
// whose contract ended at or before cutoff. The listing applies it, and
// retire again under the lease, since a request may have changed the
// account in between.
func deletable(t domain.Tenant, u domain.User, cutoff time.Time) bool {
	return t.Manages(u) && !u.AccountEnabled && !u.EmployeeLeaveDateTime.IsZero() && !u.EmployeeLeaveDateTime.After(cutoff)
}

// KindRetention names the retention pass on the account leases it takes.
const KindRetention = "retention"

// retire deletes one account past retention under its lease, so that a
// request changing the account (a re-onboarding restoring it) and the
// deletion exclude each other. An account whose lease is held is left for
// the next sweep. Under the lease the account is read again, and kept if
// it no longer qualifies: a request may have enabled it, or extended the
// contract, since the listing.
func (e *Engine) retire(ctx context.Context, owner string, u domain.User, cutoff time.Time) (bool, error) {
	t := e.cfg.Tenant
	holder, err := e.j.AcquireLease(ctx, u.UPN, owner, e.sweepHold())
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", u.UPN, err)
	}
	if holder != "" {
		e.log.InfoContext(ctx, "account past retention is busy; the next sweep looks again", "upn", u.UPN, "holder", holderRequest(holder))
		return false, nil
	}
	defer func() {
		if err := e.j.ReleaseLease(context.WithoutCancel(ctx), u.UPN, owner); err != nil {
			e.log.WarnContext(ctx, "lease not released; it will expire", "upn", u.UPN, "error", err)
		}
	}()
	cur, err := e.dir.GetUser(ctx, u.ID)
	switch {
	case domain.ErrorCode(err) == domain.NotFound:
		// deleted already (by an overlapping sweep): record it as such
	case err != nil:
		return false, fmt.Errorf("read %s: %w", u.UPN, err)
	case !deletable(t, cur, cutoff):
		e.log.InfoContext(ctx, "account changed since the listing; kept", "upn", u.UPN)
		return false, nil
	default:
		if err := e.dir.DeleteUser(ctx, u.ID); err != nil && domain.ErrorCode(err) != domain.NotFound {
			return false, fmt.Errorf("delete %s: %w", u.UPN, err)
		}
	}
	if err := e.saveAccount(ctx, u.UPN, func(a *domain.AccountRecord) {
		a.UserID, a.State, a.ContractEnd = u.ID, domain.AccountDeleted, u.EmployeeLeaveDateTime
	}); err != nil {
		return false, err
	}
	return true, nil
}
