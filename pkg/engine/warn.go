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
	a, err := e.j.Account(ctx, u.UPN)
	if domain.ErrorCode(err) == domain.NotFound || (err == nil && a.Sponsor == "") {
		e.log.InfoContext(ctx, "no sponsor known; not warned", "upn", u.UPN)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	end := u.EmployeeLeaveDateTime.UTC()
	if a.WarnedFor.Equal(end) {
		return nil, nil
	}
	if err := e.dir.SendMail(ctx, t.Sender, expiryMail(t, u, a.Sponsor, now)); err != nil {
		return nil, fmt.Errorf("warn %s about %s: %w", a.Sponsor, u.UPN, err)
	}
	if err := e.saveAccount(ctx, u.UPN, func(r *domain.AccountRecord) { r.WarnedFor = end }); err != nil {
		return nil, err
	}
	return &Warning{UPN: u.UPN, Sponsor: a.Sponsor, ContractEnd: end}, nil
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
