package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// Drift is one difference between what the journal says an account should
// be and what the tenant holds.
type Drift struct {
	UPN string `json:"upn"`
	// What differs: "signIn", "licenses", "segment", "segmentGroup",
	// "contractEnd", "marker", "account".
	What string `json:"what"`
	Want string `json:"want"`
	Have string `json:"have"`
	// Repair is what reconcile does about it; Report is set instead when
	// the policy leaves it to a person, with the reason.
	Repair string `json:"repair,omitempty"`
	Report string `json:"report,omitempty"`
	// Repaired is set once the repair was made (never in a dry run).
	Repaired bool `json:"repaired,omitempty"`
}

// Reconciliation is what one reconcile run found and did.
type Reconciliation struct {
	At      time.Time `json:"at"`
	DryRun  bool      `json:"dryRun"`
	Checked int       `json:"checked"`
	Drifts  []Drift   `json:"drifts"`
	// Busy lists accounts skipped because a request held them; the next
	// run looks again.
	Busy []string `json:"busy,omitempty"`
	// Requests are the journal entries of the repairs, one per account.
	Requests []string `json:"requests,omitempty"`
}

// KindReconcile is the journal kind of a reconcile repair.
const KindReconcile = "reconcile"

// Reconcile compares every account the journal knows with the tenant and
// repairs drift within a fixed policy (the admin's hand edits in the
// portal are the usual cause):
//
//   - active accounts: a removed licence is assigned again (when a seat is
//     free), the segment attribute and segment group are restored, and
//     employeeLeaveDateTime is set back to the contract end the journal
//     holds. An account disabled by hand is reported, never re-enabled:
//     an admin may have done it on purpose.
//   - offboarded accounts: an account enabled again is disabled and its
//     sessions revoked; licences vendorflow assigns and the segment are
//     removed.
//   - what is ambiguous is reported and left untouched: an account with
//     the journal's UPN that does not carry the marker, an account that is
//     gone, a marked account the journal does not know.
//
// Managed users are read page by page (one listing), writes go through
// the paced Graph adapter, and each account is repaired under its lease,
// so a reconcile overlapping a sweep or a request skips that account
// (Busy). Every repair is journaled as a request of kind "reconcile" with
// the drift as its payload and the repairs as its reason. With dryRun
// nothing is written, to the tenant or the journal.
func (e *Engine) Reconcile(ctx context.Context, now time.Time, dryRun bool) (Reconciliation, error) {
	t := e.cfg.Tenant
	rep := Reconciliation{At: now, DryRun: dryRun, Drifts: []Drift{}}
	marked := map[string]domain.User{}
	if err := e.dir.ListUsers(ctx, domain.UserQuery{MarkerAttribute: t.MarkerAttribute, MarkerValue: t.MarkerValue, PageSize: 999},
		func(u domain.User) error {
			if t.Manages(u) {
				marked[strings.ToLower(u.UPN)] = u
			}
			return nil
		}); err != nil {
		return rep, fmt.Errorf("list managed accounts: %w", err)
	}
	known := map[string]bool{}
	var records []domain.AccountRecord
	if err := e.j.Accounts(ctx, func(a domain.AccountRecord) error { records = append(records, a); return nil }); err != nil {
		return rep, fmt.Errorf("list journal accounts: %w", err)
	}
	skus, err := e.dir.ListSKUs(ctx)
	if err != nil {
		return rep, err
	}
	for _, a := range records {
		key := strings.ToLower(a.UPN)
		known[key] = true
		if a.State != domain.AccountActive && a.State != domain.AccountOffboarded {
			continue
		}
		rep.Checked++
		u, ok := marked[key]
		if !ok {
			rep.Drifts = append(rep.Drifts, e.missing(ctx, a))
			continue
		}
		drifts, err := e.driftOf(ctx, a, u, skus)
		if err != nil {
			return rep, err
		}
		if len(drifts) == 0 {
			continue
		}
		if dryRun {
			rep.Drifts = append(rep.Drifts, drifts...)
			continue
		}
		id, busy, err := e.repair(ctx, a, u, skus, drifts, now)
		if err != nil {
			return rep, err
		}
		if busy {
			rep.Busy = append(rep.Busy, a.UPN)
		}
		if id != "" {
			rep.Requests = append(rep.Requests, id)
		}
		rep.Drifts = append(rep.Drifts, drifts...)
	}
	var unknown []string
	for key, u := range marked {
		if !known[key] {
			unknown = append(unknown, u.UPN)
		}
	}
	slices.Sort(unknown)
	for _, upn := range unknown {
		rep.Drifts = append(rep.Drifts, Drift{UPN: upn, What: "account", Want: "known to the journal", Have: "marked, unknown",
			Report: "carries the marker but no request made it; left untouched (onboard it, or remove the marker)"})
	}
	return rep, nil
}

// missing explains an account the journal has and the managed listing
// does not: gone, or not marked (someone else's account with our UPN).
func (e *Engine) missing(ctx context.Context, a domain.AccountRecord) Drift {
	d := Drift{UPN: a.UPN, What: "account", Want: string(a.State) + ", marked"}
	u, err := e.dir.FindUser(ctx, a.UPN)
	switch domain.ErrorCode(err) {
	case "":
		d.What, d.Have = "marker", "not marked"
		d.Report = "an account with this UPN does not carry vendorflow's marker: it may not be ours; left untouched"
		if e.cfg.Tenant.Manages(u) {
			d.What, d.Have, d.Report = "account", "not listed", "listed by name but not by the marker query (replication); the next run looks again"
		}
	case domain.NotFound:
		d.Have = "gone"
		d.Report = "the account was deleted outside vendorflow; a new onboard request re-creates it"
	default:
		d.Have = "unreadable"
		d.Report = domain.ErrorMessage(err)
	}
	return d
}

// driftOf lists how u differs from what record a says it should be.
func (e *Engine) driftOf(ctx context.Context, a domain.AccountRecord, u domain.User, skus []domain.SKU) ([]Drift, error) {
	t := e.cfg.Tenant
	var out []Drift
	add := func(what, want, have, repair, report string) {
		out = append(out, Drift{UPN: a.UPN, What: what, Want: want, Have: have, Repair: repair, Report: report})
	}
	v, vendorKnown := t.Vendor(a.Vendor)
	switch a.State {
	case domain.AccountActive:
		if !u.AccountEnabled {
			add("signIn", "enabled", "disabled", "", "disabled by hand: not re-enabled, an admin may have meant it (re-enable it, or offboard it)")
		}
		if vendorKnown {
			if missing := missingSKUs(t.SKUsFor(v), u.SKUIDs, skus); len(missing) > 0 {
				add("licenses", strings.Join(t.SKUsFor(v), ","), partsOf(u.SKUIDs, skus), "assign "+strings.Join(missing, ","), "")
			}
			if got := t.SegmentOf(u); got != v.Segment {
				add("segment", v.Segment, orEmpty(got), "set "+t.SegmentAttribute+" to "+v.Segment, "")
			}
			if v.SegmentGroupID != "" {
				groups, err := e.dir.MemberOf(ctx, u.ID)
				if err != nil {
					return nil, err
				}
				if !slices.Contains(groups, v.SegmentGroupID) {
					add("segmentGroup", v.SegmentGroupID, "not a member", "add to the segment group", "")
				}
			}
		} else {
			add("segment", "vendor "+a.Vendor, "vendor not in the registry", "", "the vendor is no longer configured; offboard the account or restore the vendor")
		}
		if !a.ContractEnd.IsZero() && !u.EmployeeLeaveDateTime.Equal(a.ContractEnd) {
			add("contractEnd", a.ContractEnd.UTC().Format(time.RFC3339), orEmpty(formatOptional(u.EmployeeLeaveDateTime)), "set employeeLeaveDateTime", "")
		}
	case domain.AccountOffboarded:
		if u.AccountEnabled {
			add("signIn", "disabled", "enabled", "disable and revoke sessions", "")
		}
		managed := t.ManagedSKUs()
		var held []string
		for _, s := range skus {
			if managed[strings.ToUpper(s.PartNumber)] && slices.Contains(u.SKUIDs, s.ID) {
				held = append(held, s.PartNumber)
			}
		}
		if len(held) > 0 {
			add("licenses", "none", strings.Join(held, ","), "remove "+strings.Join(held, ","), "")
		}
		if got := t.SegmentOf(u); got != "" {
			add("segment", "none", got, "remove from the segment", "")
		}
	}
	return out, nil
}

// repair makes the repairs of drifts under the account's lease and
// journals them. busy is set when a request or sweep held the account.
func (e *Engine) repair(ctx context.Context, a domain.AccountRecord, u domain.User, skus []domain.SKU, drifts []Drift, now time.Time) (id string, busy bool, err error) {
	t := e.cfg.Tenant
	owner := runOwner(KindReconcile)
	holder, err := e.j.AcquireLease(ctx, a.UPN, owner, e.sweepHold())
	if err != nil {
		return "", false, err
	}
	if holder != "" {
		for i := range drifts {
			if drifts[i].Repair != "" {
				drifts[i].Report, drifts[i].Repair = "held by "+holderRequest(holder)+" now; the next run looks again", ""
			}
		}
		return "", true, nil
	}
	defer func() {
		if rerr := e.j.ReleaseLease(context.WithoutCancel(ctx), a.UPN, owner); rerr != nil {
			e.log.WarnContext(ctx, "lease not released; it will expire", "upn", a.UPN, "error", rerr)
		}
	}()
	// Under the lease, look again: a request may have changed the account
	// between the listing and now (an onboard re-enabling an offboarded
	// account, say), and only what still differs is repaired.
	if a, err = e.j.Account(ctx, a.UPN); err != nil {
		return "", false, err
	}
	if u, err = e.dir.GetUser(ctx, u.ID); err != nil {
		return "", false, err
	}
	fresh, err := e.driftOf(ctx, a, u, skus)
	if err != nil {
		return "", false, err
	}
	for i := range drifts {
		if drifts[i].Repair != "" && !slices.ContainsFunc(fresh, func(f Drift) bool { return f.What == drifts[i].What && f.Repair == drifts[i].Repair }) {
			drifts[i].Repair, drifts[i].Report = "", "changed by a request meanwhile; nothing to repair"
		}
	}
	v, _ := t.Vendor(a.Vendor)
	var done []string
	for i := range drifts {
		d := &drifts[i]
		if d.Repair == "" {
			continue
		}
		if err := e.repairOne(ctx, a, u, v, skus, d.What); err != nil {
			if domain.ErrorCode(err) == domain.Business {
				d.Report, d.Repair = domain.ErrorMessage(err), ""
				continue
			}
			return "", false, fmt.Errorf("repair %s of %s: %w", d.What, a.UPN, err)
		}
		d.Repaired = true
		done = append(done, d.What+": "+d.Repair)
	}
	if len(done) == 0 {
		return "", false, nil
	}
	id, err = e.journalRepair(ctx, a, drifts, done, now)
	return id, false, err
}

func (e *Engine) repairOne(ctx context.Context, a domain.AccountRecord, u domain.User, v domain.Vendor, skus []domain.SKU, what string) error {
	t := e.cfg.Tenant
	switch {
	case a.State == domain.AccountActive && what == "licenses":
		want, err := resolveSKUs(skus, t.SKUsFor(v))
		if err != nil {
			return err
		}
		var add []string
		for _, s := range want {
			if !slices.Contains(u.SKUIDs, s.ID) {
				if s.Free() <= 0 {
					return domain.Errorf(domain.Business, "no free seat for %s to give back (%d of %d in use)", s.PartNumber, s.Consumed, s.Enabled)
				}
				add = append(add, s.ID)
			}
		}
		return e.dir.AssignLicenses(ctx, u.ID, add, nil)
	case a.State == domain.AccountActive && what == "segment":
		return e.dir.UpdateUser(ctx, u.ID, segmentChange(t, v.Segment))
	case a.State == domain.AccountActive && what == "segmentGroup":
		return e.dir.AddMember(ctx, v.SegmentGroupID, u.ID)
	case a.State == domain.AccountActive && what == "contractEnd":
		end := a.ContractEnd
		return e.dir.UpdateUser(ctx, u.ID, domain.UserChanges{EmployeeLeaveDateTime: &end})
	case a.State == domain.AccountOffboarded && what == "signIn":
		off := false
		if err := e.dir.UpdateUser(ctx, u.ID, domain.UserChanges{AccountEnabled: &off}); err != nil {
			return err
		}
		return e.dir.RevokeSessions(ctx, u.ID)
	case a.State == domain.AccountOffboarded && what == "licenses":
		_, err := e.removeLicenses(ctx, &state{upn: a.UPN, user: &u}, u.ID)
		return err
	case a.State == domain.AccountOffboarded && what == "segment":
		return e.removeSegment(ctx, &state{upn: a.UPN, user: &u}, u.ID, true)
	}
	return domain.Errorf(domain.Internal, "no repair for %s of a %s account", what, a.State)
}

// journalRepair records the repairs of one account as a request of kind
// "reconcile": the drift is its payload, the repairs its reason.
func (e *Engine) journalRepair(ctx context.Context, a domain.AccountRecord, drifts []Drift, done []string, now time.Time) (string, error) {
	payload, err := json.Marshal(struct {
		UPN    string  `json:"upn"`
		At     string  `json:"at"`
		Drifts []Drift `json:"drifts"`
	}{a.UPN, now.UTC().Format(time.RFC3339), drifts})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(payload)
	id := "reconcile-" + hex.EncodeToString(sum[:12])
	if _, _, err := e.j.Begin(ctx, domain.RequestRecord{ID: id, Kind: KindReconcile, Fingerprint: hex.EncodeToString(sum[:]), Payload: payload, Status: domain.RequestReceived, IntentAt: now}); err != nil {
		return "", err
	}
	if err := e.j.SetUPN(ctx, id, a.UPN); err != nil {
		return "", err
	}
	if err := e.j.SetStatus(ctx, id, domain.RequestRunning, "", ""); err != nil {
		return "", err
	}
	reason := domain.CutMessage("drift repaired: " + strings.Join(done, "; "))
	if err := e.j.SetStatus(ctx, id, domain.RequestDone, "", reason); err != nil {
		return "", err
	}
	e.log.InfoContext(ctx, "drift repaired", "upn", a.UPN, "request", id, "repairs", done)
	e.tellDrift(ctx, a, done, id)
	return id, nil
}

// tellDrift mails the repairs to whom tenant.driftMail names. A failed mail
// is logged and does not undo the repair: the journal holds the record.
func (e *Engine) tellDrift(ctx context.Context, a domain.AccountRecord, done []string, id string) {
	t := e.cfg.Tenant
	to := t.DriftMail
	if to == domain.DriftMailSponsor {
		to = a.Sponsor
	}
	if to == "" {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello,\n\nthe service account %s had been changed outside vendorflow, and vendorflow put it back\n", a.UPN)
	fmt.Fprintf(&b, "as its requests left it (%s):\n\n", a.State)
	for _, d := range done {
		fmt.Fprintf(&b, "  - %s\n", d)
	}
	fmt.Fprintf(&b, "\nThe repair is journaled as %s (vendorflow status %s).\n", id, id)
	m := domain.Mail{To: []string{to}, Subject: "vendorflow repaired drift on " + a.UPN, Body: secret.New(b.String())}
	if err := e.dir.SendMail(ctx, t.Sender, m); err != nil {
		e.log.WarnContext(ctx, "drift repair not mailed", "upn", a.UPN, "to", to, "error", domain.ErrorMessage(err))
	}
}

// segmentChange sets the segment attribute to seg ("" clears it).
func segmentChange(t domain.Tenant, seg string) domain.UserChanges {
	var c domain.UserChanges
	switch t.SegmentAttribute {
	case "companyName":
		c.CompanyName = &seg
	case "department":
		c.Department = &seg
	default:
		c.Extensions = map[string]string{t.SegmentAttribute: seg}
	}
	return c
}

// missingSKUs lists the part numbers of want that have no id in have.
func missingSKUs(want, have []string, skus []domain.SKU) []string {
	var out []string
	for _, p := range want {
		i := slices.IndexFunc(skus, func(s domain.SKU) bool { return strings.EqualFold(s.PartNumber, p) })
		if i < 0 || !slices.Contains(have, skus[i].ID) {
			out = append(out, p)
		}
	}
	return out
}

// partsOf names SKU ids by part number.
func partsOf(ids []string, skus []domain.SKU) string {
	var out []string
	for _, id := range ids {
		name := id
		if i := slices.IndexFunc(skus, func(s domain.SKU) bool { return s.ID == id }); i >= 0 {
			name = skus[i].PartNumber
		}
		out = append(out, name)
	}
	return orEmpty(strings.Join(out, ","))
}

func orEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func formatOptional(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
