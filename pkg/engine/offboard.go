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
		if err := e.journalAtFinish(ctx, st, func(ctx context.Context) error { return e.j.SetUPN(ctx, st.requestID, o.UPN) }); err != nil {
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
		return nil, e.disableSignIn(ctx, st, id)
	case domain.StepRevokeSessions:
		return nil, e.dir.RevokeSessions(ctx, id)
	case domain.StepRemoveTAPs:
		return nil, e.removeTAPs(ctx, st, id)
	case domain.StepRemoveLicenses:
		return e.removeLicenses(ctx, st, id)
	case domain.StepRemoveSegment:
		return nil, e.removeSegment(ctx, st, id, false)
	case domain.StepMarkOffboarded:
		u, err := e.knownUser(ctx, st, id)
		if err != nil {
			return nil, err
		}
		if c := e.offboardMark(u, st.requestID); !c.Empty() {
			if err := e.dir.UpdateUser(ctx, id, c); err != nil {
				return nil, err
			}
		}
		return nil, e.journalAtFinish(ctx, st, func(ctx context.Context) error {
			return e.saveAccount(ctx, st.upn, func(a *domain.AccountRecord) {
				a.UserID, a.Email, a.State = id, first(u.OtherMails), domain.AccountOffboarded
				a.ContractEnd, a.LastRequest, a.IntentAt = u.EmployeeLeaveDateTime, st.requestID, st.intentAt
				a.CredentialID = "" // removed by remove-taps
			})
		})
	}
	return nil, domain.Errorf(domain.Internal, "offboarding has no step %q", s)
}

// removeTAPs deletes every Temporary Access Pass of the account: those a
// listing shows, and the one the journal recorded as issued last, which a
// listing right after its creation may not show yet (replication lag,
// REFERENCE §2); deleting one already gone is success.
func (e *Engine) removeTAPs(ctx context.Context, st *state, id string) error {
	taps, err := e.dir.ListTAPs(ctx, id)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(taps)+1)
	for _, t := range taps {
		ids = append(ids, t.ID)
	}
	a, err := e.j.Account(ctx, st.upn)
	switch domain.ErrorCode(err) {
	case "":
		if a.CredentialID != "" && a.UserID == id && !slices.Contains(ids, a.CredentialID) {
			ids = append(ids, a.CredentialID)
		}
	case domain.NotFound:
	default:
		return err
	}
	for _, t := range ids {
		if err := e.dir.DeleteTAP(ctx, id, t); err != nil {
			return err
		}
	}
	if a.CredentialID == "" {
		return nil
	}
	// the pass is gone: a later onboarding must not keep it (keepsCredential)
	return e.journalAtFinish(ctx, st, func(ctx context.Context) error {
		return e.saveAccount(ctx, st.upn, func(r *domain.AccountRecord) { r.CredentialID = "" })
	})
}

// knownUser is the account as this run last read it, with the run's own
// changes applied (st.user); a resumed run, or NaiveCalls, reads it again.
func (e *Engine) knownUser(ctx context.Context, st *state, id string) (domain.User, error) {
	if st.user != nil && !e.cfg.NaiveCalls {
		return *st.user, nil
	}
	u, err := e.dir.GetUser(ctx, id)
	if err != nil {
		return domain.User{}, err // lag is the engine's to classify (attempt)
	}
	st.user = &u
	return u, nil
}

// offboardMark is the PATCH that records which request offboarded u.
func (e *Engine) offboardMark(u domain.User, requestID string) domain.UserChanges {
	attr := e.cfg.Tenant.RequestAttribute
	if u.Extensions[attr] == requestID {
		return domain.UserChanges{}
	}
	return domain.UserChanges{Extensions: map[string]string{attr: requestID}}
}

// disableSignIn turns sign-in off. In the same PATCH it clears the segment
// attribute and records the request (what remove-segment and
// mark-offboarded would otherwise write one by one), so that an
// offboarding writes the user once; with NaiveCalls it writes only
// accountEnabled here.
func (e *Engine) disableSignIn(ctx context.Context, st *state, id string) error {
	u, err := e.knownUser(ctx, st, id)
	if err != nil {
		return err
	}
	var c domain.UserChanges
	if !e.cfg.NaiveCalls && e.cfg.Tenant.SegmentOf(u) != "" {
		c = segmentChange(e.cfg.Tenant, "")
	}
	if u.AccountEnabled {
		off := false
		c.AccountEnabled = &off
	}
	if !e.cfg.NaiveCalls {
		for k, v := range e.offboardMark(u, st.requestID).Extensions {
			if c.Extensions == nil {
				c.Extensions = map[string]string{}
			}
			c.Extensions[k] = v
		}
	}
	if c.Empty() {
		return nil
	}
	if err := e.dir.UpdateUser(ctx, id, c); err != nil {
		return err
	}
	u.Apply(c)
	st.user = &u
	return nil
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
	known := ""
	if !e.cfg.NaiveCalls {
		var err error
		if known, err = e.journalAccountOf(ctx, o.UPNs, o.Email); err != nil {
			return err
		}
	}
	if known != "" {
		// the journal knows which name is this person's: find-account
		// reads it, once
		upn = known
	} else {
		u, err := e.accountAmong(ctx, o.UPNs, o.Email)
		switch domain.ErrorCode(err) {
		case "":
			upn = u.UPN
			st.named = &lookup{upn: u.UPN, user: u}
		case domain.NotFound:
		default:
			return err
		}
	}
	if upn == st.upn {
		return nil
	}
	st.offboard.UPN, st.upn = upn, upn
	return e.j.SetUPN(ctx, st.requestID, upn)
}

// journalAccountOf returns the name among upns whose journal record is
// the person's with this email, or "" when the journal knows none.
func (e *Engine) journalAccountOf(ctx context.Context, upns []string, email string) (string, error) {
	for _, c := range upns {
		a, err := e.j.Account(ctx, c)
		switch domain.ErrorCode(err) {
		case "":
			if strings.EqualFold(a.Email, email) {
				return c, nil
			}
		case domain.NotFound:
		default:
			return "", err
		}
	}
	return "", nil
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
	var (
		u   domain.User
		err error
	)
	if n := st.named; n != nil && n.upn == o.UPN && !e.cfg.NaiveCalls {
		u = n.user // name() found it a moment ago
	} else {
		u, err = e.dir.FindUser(ctx, o.UPN)
	}
	st.named = nil
	switch domain.ErrorCode(err) {
	case "":
		if !e.cfg.Tenant.Manages(u) {
			return nil, domain.Errorf(domain.Conflict, "%s is not managed by vendorflow; it was left untouched", o.UPN)
		}
		if o.Email != "" && !domain.BelongsTo(u, o.Email) {
			// named by vendor and email, and the journal's name for them
			// now holds someone else's account
			return nil, domain.Errorf(domain.Conflict, "%s belongs to %s, not to %s; it was left untouched", o.UPN, strings.Join(u.OtherMails, ", "), o.Email)
		}
		st.user = &u
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
func (e *Engine) removeLicenses(ctx context.Context, st *state, id string) (map[string]string, error) {
	u, err := e.knownUser(ctx, st, id)
	if err != nil {
		return nil, err
	}
	if len(u.SKUIDs) == 0 {
		return nil, nil
	}
	managed := e.cfg.Tenant.ManagedSKUs()
	var remove []string
	for fresh := false; ; fresh = true {
		skus, cached, err := e.subscribedSKUs(ctx, fresh)
		if err != nil {
			return nil, err
		}
		remove, known := remove[:0], 0
		for _, s := range skus {
			if slices.Contains(u.SKUIDs, s.ID) {
				known++
				if managed[strings.ToUpper(s.PartNumber)] {
					remove = append(remove, s.ID)
				}
			}
		}
		if known == len(u.SKUIDs) || !cached {
			// every licence the account holds is identified (a cached list
			// that misses one is read again)
			if len(remove) == 0 {
				return nil, nil
			}
			if err := e.dir.AssignLicenses(ctx, id, nil, remove); err != nil {
				return nil, err
			}
			u.SKUIDs = slices.DeleteFunc(slices.Clone(u.SKUIDs), func(s string) bool { return slices.Contains(remove, s) })
			st.user = &u
			return nil, nil
		}
	}
}

// removeSegment takes the account out of its segment groups and clears the
// segment attribute (unless disable-sign-in already did), so the account
// falls out of every barrier segment. When the journal knows the group the
// last onboarding placed it in, that membership is removed without listing
// them (a hand-made membership of a disabled account is left to the
// reconciler); otherwise every vendor segment group it is in.
//
// thorough lists the memberships even when the journal knows the group
// (the reconciler repairing a drift).
func (e *Engine) removeSegment(ctx context.Context, st *state, id string, thorough bool) error {
	t := e.cfg.Tenant
	prev := e.previousGroup(ctx, st.upn)
	switch {
	case prev != "" && !thorough && !e.cfg.NaiveCalls:
		if err := e.dir.RemoveMember(ctx, prev, id); err != nil {
			return err
		}
	default:
		groups := segmentGroups(t)
		if prev != "" {
			groups[prev] = true
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
	}
	u, err := e.knownUser(ctx, st, id)
	if err != nil {
		return err
	}
	if t.SegmentOf(u) == "" {
		return nil
	}
	c := segmentChange(t, "")
	if err := e.dir.UpdateUser(ctx, id, c); err != nil {
		return err
	}
	u.Apply(c)
	st.user = &u
	return nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
