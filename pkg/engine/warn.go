package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// Warning is one sponsor warned that a contract ends soon.
type Warning struct {
	UPN         string    `json:"upn"`
	Sponsor     string    `json:"sponsor"`
	ContractEnd time.Time `json:"contractEnd"`
}

// WarnExpiring mails the sponsor of every enabled account vendorflow
// manages whose contract ends within the tenant's ExpiryWarning, once per
// contract end: the journal remembers the end it warned for, so an extended
// contract is warned about again and overlapping sweeps warn once. (A crash
// between the mail and that record can repeat one warning; the mail is
// informational.) Accounts whose sponsor the journal does not know are
// skipped.
func (e *Engine) WarnExpiring(ctx context.Context, now time.Time) ([]Warning, error) {
	scan, err := e.ScanContracts(ctx, now, func(Expiry) error { return nil })
	if err != nil {
		return nil, err
	}
	return e.WarnSoon(ctx, now, scan.Soon)
}

// WarnSoon warns the sponsors of the accounts a ScanContracts found ending
// soon, once per contract end (see WarnExpiring).
func (e *Engine) WarnSoon(ctx context.Context, now time.Time, soon []domain.User) ([]Warning, error) {
	if len(soon) == 0 {
		return nil, nil
	}
	owner, err := sweepOwner()
	if err != nil {
		return nil, err
	}
	var warned []Warning
	for _, u := range soon {
		w, err := e.warnOne(ctx, owner, u, now)
		if err != nil {
			return warned, err
		}
		if w != nil {
			warned = append(warned, *w)
		}
	}
	return warned, nil
}

// warnOne warns u's sponsor unless that was done for this contract end.
// It holds the account's lease meanwhile, so that overlapping sweeps (or a
// request changing the account) do not both warn: the one that finds the
// lease taken skips the account, and whoever comes next sees WarnedFor.
func (e *Engine) warnOne(ctx context.Context, owner string, u domain.User, now time.Time) (*Warning, error) {
	t := e.cfg.Tenant
	holder, err := e.j.AcquireLease(ctx, u.UPN, owner, e.sweepHold())
	if err != nil || holder != "" {
		return nil, err
	}
	defer func() {
		if err := e.j.ReleaseLease(context.WithoutCancel(ctx), u.UPN, owner); err != nil {
			e.log.WarnContext(ctx, "lease not released; it will expire", "upn", u.UPN, "error", err)
		}
	}()
	d, err := e.warnDecision(ctx, u)
	if err != nil {
		return nil, err
	}
	if d.skip == SkipNoSponsor {
		e.log.InfoContext(ctx, "no sponsor known; not warned", "upn", u.UPN)
	}
	if d.skip != "" {
		return nil, nil
	}
	w := d.warning
	if err := e.dir.SendMail(ctx, t.Sender, expiryMail(t, u, w.Sponsor, now)); err != nil {
		return nil, fmt.Errorf("warn %s about %s: %w", w.Sponsor, u.UPN, err)
	}
	if err := e.saveAccount(ctx, u.UPN, func(r *domain.AccountRecord) { r.WarnedFor = w.ContractEnd }); err != nil {
		return nil, err
	}
	return &w, nil
}

// Why a sweep warns no sponsor about an account whose contract ends soon
// (SweepPreview.NotWarned).
const (
	// SkipNoSponsor: the journal knows no sponsor for the account.
	SkipNoSponsor = "no sponsor known"
	// SkipWarned: the sponsor was warned for this contract end already.
	SkipWarned = "sponsor already warned for this contract end"
)

// warnOutcome is what the sweep would do about one account ending soon:
// warn (skip empty) or not, and why.
type warnOutcome struct {
	warning Warning
	skip    string
}

// warnDecision reads u's journal record and decides whether its sponsor is
// due a warning for u's contract end: the one rule warnOne (under the
// account's lease) and PreviewSweep (without it) share. It only reads.
func (e *Engine) warnDecision(ctx context.Context, u domain.User) (warnOutcome, error) {
	end := u.EmployeeLeaveDateTime.UTC()
	out := warnOutcome{warning: Warning{UPN: u.UPN, ContractEnd: end}}
	a, err := e.j.Account(ctx, u.UPN)
	switch {
	case domain.ErrorCode(err) == domain.NotFound || (err == nil && a.Sponsor == ""):
		out.skip = SkipNoSponsor
		return out, nil
	case err != nil:
		return warnOutcome{}, err
	}
	out.warning.Sponsor = a.Sponsor
	if a.WarnedFor.Equal(end) {
		out.skip = SkipWarned
	}
	return out, nil
}

// sweepOwner names one sweep's leases.
func sweepOwner() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("sweep id: %w", err)
	}
	return "sweep-" + hex.EncodeToString(b), nil
}

func expiryMail(t domain.Tenant, u domain.User, sponsor string, now time.Time) domain.Mail {
	end := u.EmployeeLeaveDateTime.UTC()
	days := int(end.Sub(now).Hours() / 24)
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nyou sponsor %s (%s", u.DisplayName, u.UPN)
	if len(u.OtherMails) > 0 {
		fmt.Fprintf(&b, ", %s", u.OtherMails[0])
	}
	fmt.Fprintf(&b, ").\nTheir contract ends on %s (UTC), in %d days. vendorflow will then disable the account,\n", end.Format("2006-01-02 15:04"), days)
	b.WriteString("revoke its sessions and free its Remote Assist license.\n\n")
	b.WriteString("To extend access, ask procurement to send a new onboard request with the new contract end.\n")
	b.WriteString("Nothing needs doing if the contract ends as planned.\n")
	return domain.Mail{
		To:      []string{sponsor},
		Subject: fmt.Sprintf("Vendor access ends on %s: %s", end.Format("2006-01-02"), u.UPN),
		Body:    secret.New(b.String()),
	}
}
