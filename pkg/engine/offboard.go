package engine

import (
	"context"
	"slices"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// outGone marks an offboarding whose account is already soft-deleted.
const outGone = "alreadyDeleted"

type offboardRunner struct {
	e   *Engine
	req domain.OffboardRequest
}

func (r offboardRunner) step(ctx context.Context, s domain.Step, st *state) (map[string]string, error) {
	e := r.e
	if s == domain.StepValidate {
		o, err := domain.ValidateOffboard(e.cfg.Tenant, r.req)
		if err != nil {
			return nil, err
		}
		st.offboard, st.upn = o, o.UPN
		if err := e.j.SetUPN(ctx, st.requestID, o.UPN); err != nil {
			return nil, err
		}
		return map[string]string{outUPN: o.UPN}, nil
	}
	if s == domain.StepFindAccount {
		return e.findAccount(ctx, st)
	}
	if st.out(outGone) == "true" {
		// nothing left to take away: the account is in the deleted items
		return nil, nil
	}
	id := st.out(outUserID)
	switch s {
	case domain.StepDisableSignIn:
		u, err := e.dir.GetUser(ctx, id)
		if err != nil {
			return nil, notYetVisible(err, id)
		}
		if u.AccountEnabled {
			off := false
			return nil, e.dir.UpdateUser(ctx, id, domain.UserChanges{AccountEnabled: &off})
		}
		return nil, nil
	case domain.StepRevokeSessions:
		return nil, e.dir.RevokeSessions(ctx, id)
	case domain.StepRemoveTAPs:
		taps, err := e.dir.ListTAPs(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, t := range taps {
			if err := e.dir.DeleteTAP(ctx, id, t.ID); err != nil {
				return nil, err
			}
		}
		return nil, nil
	case domain.StepRemoveLicenses:
		return e.removeLicenses(ctx, id)
	case domain.StepRemoveSegment:
		return nil, e.removeSegment(ctx, id, st.upn)
	case domain.StepMarkOffboarded:
		t := e.cfg.Tenant
		u, err := e.dir.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		if u.Extensions[t.RequestAttribute] != st.requestID {
			c := domain.UserChanges{Extensions: map[string]string{t.RequestAttribute: st.requestID}}
			if err := e.dir.UpdateUser(ctx, id, c); err != nil {
				return nil, err
			}
		}
		return nil, e.saveAccount(ctx, st.upn, func(a *domain.AccountRecord) {
			a.UserID, a.Email, a.State = id, first(u.OtherMails), domain.AccountOffboarded
			a.ContractEnd, a.LastRequest, a.IntentAt = u.EmployeeLeaveDateTime, st.requestID, st.intentAt
		})
	}
	return nil, domain.Errorf(domain.Internal, "offboarding has no step %q", s)
}

// name picks, for an account named by vendor and email, which of the
// names it may have (domain.UPNCandidates) is this person's (AccountOf).
// When none is, the first name stands (and find-account reports that there
// is no account).
func (r offboardRunner) name(ctx context.Context, st *state) error {
	e, o := r.e, st.offboard
	if o.Email == "" || len(o.UPNs) < 2 {
		return nil
	}
	upn := o.UPNs[0]
	u, err := e.accountAmong(ctx, o.UPNs, o.Email)
	switch domain.ErrorCode(err) {
	case "":
		upn = u.UPN
	case domain.NotFound:
	default:
		return err
	}
	if upn == st.upn {
		return nil
	}
	st.offboard.UPN, st.upn = upn, upn
	return e.j.SetUPN(ctx, st.requestID, upn)
}

// AccountOf finds the service account of the person with this external
// email at vendor v: the first of the names it may have
// (domain.UPNCandidates) whose account is vendorflow's and belongs to the
// email. NotFound when there is none.
func (e *Engine) AccountOf(ctx context.Context, v domain.Vendor, email string) (domain.User, error) {
	upns, err := domain.UPNCandidates(e.cfg.Tenant, v, domain.Person{Email: email})
	if err != nil {
		return domain.User{}, domain.Wrap(domain.Invalid, err, "no service-account name for "+email)
	}
	return e.accountAmong(ctx, upns, email)
}

func (e *Engine) accountAmong(ctx context.Context, upns []string, email string) (domain.User, error) {
	for _, c := range upns {
		u, err := e.dir.FindUser(ctx, c)
		if domain.ErrorCode(err) == domain.NotFound {
			continue
		}
		if err != nil {
			return domain.User{}, err
		}
		if e.cfg.Tenant.Manages(u) && domain.BelongsTo(u, email) {
			return u, nil
		}
	}
	return domain.User{}, domain.Errorf(domain.NotFound, "no service account of %s (tried %s and its numbered alternatives)", email, upns[0])
}

// findAccount resolves the account; one that is already soft-deleted needs
// nothing more, one that is not ours is refused. When there is no account
// at all the request is parked (a mistyped UPN is worth a look), but its
// intent is recorded first: an older onboard of the same person, still on
// its way, is then superseded instead of creating the account after it.
func (e *Engine) findAccount(ctx context.Context, st *state) (map[string]string, error) {
	o := st.offboard
	u, err := e.dir.FindUser(ctx, o.UPN)
	switch domain.ErrorCode(err) {
	case "":
		if !e.cfg.Tenant.Manages(u) {
			return nil, domain.Errorf(domain.Conflict, "%s is not managed by vendorflow; it was left untouched", o.UPN)
		}
		return map[string]string{outUserID: u.ID}, nil
	case domain.NotFound:
		d, derr := e.dir.FindDeletedUser(ctx, o.UPN)
		if derr == nil && e.cfg.Tenant.Manages(d) {
			return map[string]string{outUserID: d.ID, outGone: "true"}, nil
		}
		if derr != nil && domain.ErrorCode(derr) != domain.NotFound {
			return nil, derr
		}
		if err := e.saveAccount(ctx, o.UPN, func(a *domain.AccountRecord) {
			a.State, a.LastRequest, a.IntentAt = domain.AccountOffboarded, st.requestID, st.intentAt
		}); err != nil {
			return nil, err
		}
		return nil, domain.Errorf(domain.NotFound, "no account %s exists (nor in the deleted items); recorded, so that an older onboard of it is superseded", o.UPN)
	}
	return nil, err
}

// removeLicenses takes away every SKU vendorflow assigns (the tenant's and
// every vendor's, barrier licences included) in one assignLicense call,
// leaving licenses it does not manage alone.
func (e *Engine) removeLicenses(ctx context.Context, id string) (map[string]string, error) {
	u, err := e.dir.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(u.SKUIDs) == 0 {
		return nil, nil
	}
	skus, err := e.dir.ListSKUs(ctx)
	if err != nil {
		return nil, err
	}
	managed := e.cfg.Tenant.ManagedSKUs()
	var remove []string
	for _, s := range skus {
		if managed[strings.ToUpper(s.PartNumber)] && slices.Contains(u.SKUIDs, s.ID) {
			remove = append(remove, s.ID)
		}
	}
	if len(remove) == 0 {
		return nil, nil
	}
	return nil, e.dir.AssignLicenses(ctx, id, nil, remove)
}

// removeSegment leaves every vendor segment group (and the one the last
// onboarding recorded) and clears the segment attribute, so the account falls out of every barrier segment.
func (e *Engine) removeSegment(ctx context.Context, id, upn string) error {
	t := e.cfg.Tenant
	groups := segmentGroups(t)
	if g := e.previousGroup(ctx, upn); g != "" {
		groups[g] = true
	}
	if len(groups) > 0 {
		member, err := e.dir.MemberOf(ctx, id)
		if err != nil {
			return err
		}
		for _, g := range member {
			if groups[g] {
				if err := e.dir.RemoveMember(ctx, g, id); err != nil {
					return err
				}
			}
		}
	}
	u, err := e.dir.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if t.SegmentOf(u) == "" {
		return nil
	}
	return e.dir.UpdateUser(ctx, id, segmentChange(t, ""))
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
