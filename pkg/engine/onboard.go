package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// Output keys recorded by the onboarding steps (never secrets).
const (
	outUserID  = "userId"
	outUPN     = "upn"
	outAdopted = "adopted"
	// outCreated marks an account this request created, with every
	// attribute set and nothing else on it: later steps need not read it.
	outCreated   = "created"
	outRestored  = "restored"
	outSegment   = "segment"
	outGroup     = "segmentGroup"
	outSKUs      = "skuIds"
	outTAPID     = "tapId"
	outValidTill = "validUntil"
	outMailedTo  = "mailedTo"
	outKind      = "credential"
	outBarrier   = "barrier"
	// outContract records a contract change on an account that was
	// already active: "extension" or "shortening", with outPreviousEnd and
	// outContractEnd (RFC 3339).
	outContract    = "contractChange"
	outPreviousEnd = "previousEnd"
	outContractEnd = "contractEnd"
	// outKept marks a credential step that mailed nothing: the person
	// already holds a credential for this active account.
	outKept = "credentialKept"
)

type onboardRunner struct {
	e   *Engine
	req domain.OnboardRequest
}

func (r onboardRunner) step(ctx context.Context, s domain.Step, st *state) (map[string]string, error) {
	e := r.e
	switch s {
	case domain.StepValidate:
		o, err := domain.ValidateOnboard(e.cfg.Tenant, r.req, e.clk.Now())
		if err != nil {
			return nil, err
		}
		st.onboard = o
		if st.finished[domain.StepEnsureUser] && st.upn != "" {
			// resumed: the account's name was settled (name keeps it)
			return map[string]string{outUPN: o.UPN}, nil
		}
		st.upn = o.UPN
		if err := e.journalAtFinish(ctx, st, func(ctx context.Context) error { return e.j.SetUPN(ctx, st.requestID, o.UPN) }); err != nil {
			return nil, err
		}
		return map[string]string{outUPN: o.UPN}, nil
	case domain.StepEnsureUser:
		return e.ensureUser(ctx, st)
	case domain.StepEnsureSegment:
		return e.ensureSegment(ctx, st)
	case domain.StepEnsureLicenses:
		return e.ensureLicenses(ctx, st)
	case domain.StepDeliverCredentials:
		if keep, err := e.keepsCredential(ctx, st); keep || err != nil {
			return map[string]string{outKept: "true"}, err
		}
		// a first attempt on an account this request created finds no
		// earlier pass to remove
		return e.deliverCredentials(ctx, st.onboard, st.out(outUserID), e.fresh(st) && st.attempt <= 1)
	case domain.StepComplete:
		o := st.onboard
		return nil, e.journalAtFinish(ctx, st, func(ctx context.Context) error {
			return e.saveAccount(ctx, o.UPN, func(a *domain.AccountRecord) {
				a.UserID, a.Vendor, a.Email, a.State = st.out(outUserID), o.Vendor.Key, o.Person.Email, domain.AccountActive
				a.ContractEnd, a.Sponsor, a.LastRequest, a.IntentAt = o.ContractEnd, o.Sponsor, st.requestID, st.intentAt
				if id := st.out(outTAPID); id != "" {
					a.CredentialID = id // a kept credential keeps the one on record
				}
			})
		})
	}
	return nil, domain.Errorf(domain.Internal, "onboarding has no step %q", s)
}

// name picks the account's name: the request's serviceAccount, else the
// first of the template's names (domain.UPNCandidates) that is free or is
// already this person's account. The journal knows every account
// vendorflow made, so it is asked first: a name on record for this person
// is taken again (and looked up in the directory before anything is
// created, st.known), a name on record for another person is skipped, and
// the first name the journal has never seen is chosen without a Graph read
// (ensure-user then creates it, and falls back to the directory when the
// create meets an account the journal did not know). With NaiveCalls the
// directory is asked for every name, as before the call economy.
func (r onboardRunner) name(ctx context.Context, st *state) error {
	e, o := r.e, st.onboard
	if st.finished[domain.StepEnsureUser] && st.upn != "" {
		// the account exists under the name an earlier run settled on
		st.onboard, st.known = o.WithUPN(st.upn), true
		return nil
	}
	upn := o.UPN
	switch {
	case e.cfg.NaiveCalls && !o.Named:
		var err error
		if st.named, err = e.freeName(ctx, o); err != nil {
			return err
		}
		upn, st.known = st.named.upn, true
	case e.cfg.NaiveCalls:
		st.known = true
	default:
		var err error
		if upn, st.known, err = e.journalName(ctx, o); err != nil {
			return err
		}
	}
	if upn == st.upn && upn == o.UPN {
		return nil
	}
	st.onboard, st.upn = o.WithUPN(upn), upn
	return e.j.SetUPN(ctx, st.requestID, upn)
}

// journalName chooses among the onboarding's names by the journal's
// account records; known reports that the journal has one for the choice.
func (e *Engine) journalName(ctx context.Context, o domain.Onboarding) (upn string, known bool, err error) {
	names := o.UPNs
	if o.Named {
		names = []string{o.UPN}
	}
	for _, c := range names {
		a, err := e.j.Account(ctx, c)
		if err == nil && a.State == "" {
			// a claim alone: no account on record under this name
			err = domain.Errorf(domain.NotFound, "no account %s on record", c)
		}
		switch domain.ErrorCode(err) {
		case domain.NotFound:
			if upn == "" {
				upn = c
			}
			continue
		case "":
		default:
			return "", false, err
		}
		if o.Named || a.Email == "" || strings.EqualFold(a.Email, o.Person.Email) {
			// this person's account (or a record that names no one: ask the directory)
			return c, true, nil
		}
	}
	if upn == "" {
		return "", false, domain.Errorf(domain.Conflict, "%s and its %d numbered alternatives all belong to other accounts; name the account in the request (serviceAccount)", o.UPNs[0], len(o.UPNs)-1)
	}
	return upn, false, nil
}

func (e *Engine) freeName(ctx context.Context, o domain.Onboarding) (*lookup, error) {
	for _, upn := range o.UPNs {
		u, err := e.dir.FindUser(ctx, upn)
		switch domain.ErrorCode(err) {
		case domain.NotFound:
			return &lookup{upn: upn, err: err}, nil
		case "":
			if e.cfg.Tenant.Manages(u) && domain.BelongsTo(u, o.Person.Email) {
				return &lookup{upn: upn, user: u}, nil
			}
		default:
			return nil, err
		}
	}
	return nil, domain.Errorf(domain.Conflict, "%s and its %d numbered alternatives all belong to other accounts; name the account in the request (serviceAccount)", o.UPNs[0], len(o.UPNs)-1)
}

// fresh reports whether the account is one this request created (so it has
// every attribute set and no memberships, licences or passes of before),
// unless NaiveCalls asks for the reads anyway.
func (e *Engine) fresh(st *state) bool {
	return st.out(outCreated) == "true" && !e.cfg.NaiveCalls
}

// ensureUser converges the service account: adopt ours, restore ours from
// the deleted items, or create it with every attribute set; refuse an
// account that is not ours or belongs to another person.
//
// An account the journal has never seen is created at once: a conflict is
// the only way to learn that the name is taken, and only then is the
// directory asked (adopt it if it is this person's; otherwise take the next
// free name, or refuse a name the request gave). An account on record is
// looked up first (it may be live, or deleted and restorable).
func (e *Engine) ensureUser(ctx context.Context, st *state) (map[string]string, error) {
	prior := st.named
	st.named = nil // a retry asks the directory again
	o := st.onboard
	want := domain.DesiredUser(e.cfg.Tenant, o)
	out := map[string]string{}
	var (
		u   domain.User
		err error
	)
	switch {
	case prior != nil && prior.upn == o.UPN:
		// read by name() a moment ago, just before the claim
		u, err = prior.user, prior.err
	case st.known:
		u, err = e.dir.FindUser(ctx, o.UPN)
	default:
		u, err = e.createUser(ctx, want)
		if err == nil {
			out[outUserID], out[outCreated] = u.ID, "true"
			return out, nil
		}
		if domain.ErrorCode(err) != domain.Conflict {
			return nil, err
		}
		if u, err = e.dir.FindUser(ctx, o.UPN); domain.ErrorCode(err) == domain.NotFound {
			// taken, yet not visible: our own create of an earlier attempt,
			// not replicated yet, or someone else's; look again later
			return nil, domain.Errorf(domain.Transient, "%s exists but is not visible yet (replication); will look again", o.UPN)
		}
		if err == nil && !o.Named && e.checkOwnership(u, o) != nil {
			// someone else's: the next free name, from the directory
			return e.renameAndEnsure(ctx, st)
		}
	}
	adopted := false
	switch domain.ErrorCode(err) {
	case "":
		if err := e.checkOwnership(u, o); err != nil {
			return nil, err
		}
		out[outAdopted], adopted = "true", true
	case domain.NotFound:
		u, err = e.restoreOrCreate(ctx, o, want, out)
		if err != nil {
			return nil, err
		}
		if out[outRestored] == "" {
			// created with every attribute set: nothing to converge
			out[outUserID], out[outCreated] = u.ID, "true"
			return out, nil
		}
	default:
		return nil, err
	}
	if c := domain.Changes(want, u); !c.Empty() {
		if c.EmployeeLeaveDateTime != nil && !u.EmployeeLeaveDateTime.IsZero() {
			// a contract change of an existing account: journaled with
			// the step, so that status and history show old → new
			out[outPreviousEnd] = u.EmployeeLeaveDateTime.UTC().Format(time.RFC3339)
			out[outContractEnd] = want.EmployeeLeaveDateTime.UTC().Format(time.RFC3339)
			out[outContract] = "extension"
			if want.EmployeeLeaveDateTime.Before(u.EmployeeLeaveDateTime) {
				out[outContract] = "shortening"
			}
		}
		if err := e.dir.UpdateUser(ctx, u.ID, c); err != nil {
			return nil, err
		}
		u.Apply(c)
	}
	if adopted {
		// read in full by FindUser: the next steps need not read it again
		st.user = &u
	}
	out[outUserID] = u.ID
	return out, nil
}

// renameAndEnsure moves the run to the next free name when the one the
// journal suggested turned out to be someone else's account: the directory
// chooses (freeName), the run takes the new name's lease and gives up the
// old one, and ensure-user goes on with the directory's answer.
func (e *Engine) renameAndEnsure(ctx context.Context, st *state) (map[string]string, error) {
	named, err := e.freeName(ctx, st.onboard)
	if err != nil {
		return nil, err
	}
	old := st.upn
	until := e.clk.Now().Add(e.cfg.LeaseTTL)
	holder, err := e.j.AcquireLease(ctx, named.upn, st.owner, until)
	if err != nil {
		return nil, err
	}
	if holder != "" {
		return nil, domain.Errorf(domain.Transient, "request %s is changing %s now; this request waits its turn", holderRequest(holder), named.upn)
	}
	if err := e.j.SetUPN(ctx, st.requestID, named.upn); err != nil {
		return nil, err
	}
	st.onboard, st.upn, st.leaseUntil, st.known, st.named = st.onboard.WithUPN(named.upn), named.upn, until, true, named
	if err := e.j.ReleaseLease(ctx, old, st.owner); err != nil {
		e.log.WarnContext(ctx, "lease not released; it will expire", "upn", old, "error", err)
	}
	return e.ensureUser(ctx, st)
}

// keepsCredential reports whether the person already holds a credential
// for this account, so that the credential step mails nothing: the journal
// says an earlier onboard request completed it and it is still active
// (the request is a contract change), and the request did not ask for a
// new one (reissueCredential).
func (e *Engine) keepsCredential(ctx context.Context, st *state) (bool, error) {
	if st.onboard.Reissue {
		return false, nil
	}
	a, err := e.j.Account(ctx, st.upn)
	switch domain.ErrorCode(err) {
	case domain.NotFound:
		return false, nil
	case "":
	default:
		return false, err
	}
	// A pass is kept only while the journal knows it is there: an
	// offboarding that removed it part-way (and was then superseded)
	// cleared CredentialID, so the person gets a new one.
	holds := e.cfg.Tenant.Credentials.Kind == domain.CredentialPassword || a.CredentialID != ""
	return holds && a.State == domain.AccountActive && a.LastRequest != "" && a.LastRequest != st.requestID &&
		a.UserID == st.out(outUserID) && strings.EqualFold(a.Email, st.onboard.Person.Email), nil
}

func (e *Engine) checkOwnership(u domain.User, o domain.Onboarding) error {
	code := domain.Conflict
	if !o.Named {
		// The name was free when this run chose it; another run took it
		// meanwhile. The next run chooses again.
		code = domain.Transient
	}
	if !e.cfg.Tenant.Manages(u) {
		return domain.Errorf(code, "%s already exists and is not managed by vendorflow; it was left untouched", o.UPN)
	}
	if !domain.BelongsTo(u, o.Person.Email) {
		return domain.Errorf(code, "%s is managed by vendorflow but belongs to another person (%s); name another service account or offboard that account first", o.UPN, strings.Join(u.OtherMails, ", "))
	}
	return nil
}

func (e *Engine) restoreOrCreate(ctx context.Context, o domain.Onboarding, want domain.User, out map[string]string) (domain.User, error) {
	d, err := e.dir.FindDeletedUser(ctx, o.UPN)
	switch domain.ErrorCode(err) {
	case "":
		if err := e.checkOwnership(d, o); err != nil {
			return domain.User{}, err
		}
		u, err := e.dir.RestoreUser(ctx, d.ID)
		if err != nil {
			return domain.User{}, err
		}
		out[outRestored] = "true"
		return u, nil
	case domain.NotFound:
	default:
		return domain.User{}, err
	}
	u, err := e.createUser(ctx, want)
	if domain.ErrorCode(err) == domain.Conflict {
		// The UPN is taken but our lookup did not see it: a create of ours
		// that is not replicated yet, or someone else's account. Retry the
		// lookup later; it will then adopt or refuse.
		return domain.User{}, &domain.Error{Code: domain.Transient, Message: o.UPN + " exists but is not visible yet (replication); will look again", Err: err}
	}
	if err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// createUser creates the account with a random initial password, which
// is never delivered when credentials are passes.
func (e *Engine) createUser(ctx context.Context, want domain.User) (domain.User, error) {
	pw, err := secret.Password(24)
	if err != nil {
		return domain.User{}, domain.Wrap(domain.Internal, err, "cannot generate a password")
	}
	return e.dir.CreateUser(ctx, want, pw.Reveal())
}

// ensureSegment verifies the segment attribute (set at creation) and, when
// the vendor has a segment group, the membership; it removes the account
// from other vendors' segment groups so that a changed vendor segment moves
// the account. An account this request created (fresh) has the attribute
// and no group: it is only added to its group, without a read.
func (e *Engine) ensureSegment(ctx context.Context, st *state) (map[string]string, error) {
	t, o, userID := e.cfg.Tenant, st.onboard, st.out(outUserID)
	out := map[string]string{outSegment: o.Vendor.Segment, outBarrier: barriers.EffectiveNotice}
	if e.fresh(st) {
		if g := o.Vendor.SegmentGroupID; g != "" {
			if err := e.dir.AddMember(ctx, g, userID); err != nil {
				return nil, err
			}
			out[outGroup] = g
		}
		return out, nil
	}
	u, err := e.knownUser(ctx, st, userID)
	if err != nil {
		return nil, err
	}
	if got := t.SegmentOf(u); got != o.Vendor.Segment {
		c := domain.Changes(domain.DesiredUser(t, o), u)
		if err := e.dir.UpdateUser(ctx, userID, c); err != nil {
			return nil, err
		}
		u.Apply(c)
		st.user = &u
	}
	others := segmentGroups(t)
	if g := e.previousGroup(ctx, o.UPN); g != "" {
		// the group an earlier onboarding placed the account in, even if
		// the registry no longer names it
		others[g] = true
	}
	delete(others, o.Vendor.SegmentGroupID)
	if o.Vendor.SegmentGroupID == "" && len(others) == 0 {
		return out, nil
	}
	groups, err := e.dir.MemberOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if others[g] {
			if err := e.dir.RemoveMember(ctx, g, userID); err != nil {
				return nil, err
			}
		}
	}
	if g := o.Vendor.SegmentGroupID; g != "" {
		if !slices.Contains(groups, g) {
			if err := e.dir.AddMember(ctx, g, userID); err != nil {
				return nil, err
			}
		}
		out[outGroup] = g
	}
	return out, nil
}

// previousGroup returns the segment group the account's last completed
// request recorded, or "" when there is none or the journal cannot tell.
func (e *Engine) previousGroup(ctx context.Context, upn string) string {
	a, err := e.j.Account(ctx, upn)
	if err != nil || a.LastRequest == "" {
		return ""
	}
	steps, err := e.j.Steps(ctx, a.LastRequest)
	if err != nil {
		return ""
	}
	for _, s := range steps {
		if s.Step == domain.StepEnsureSegment && s.Status == domain.StepDone {
			return s.Outputs[outGroup]
		}
	}
	return ""
}

// segmentGroups returns every vendor segment group id.
func segmentGroups(t domain.Tenant) map[string]bool {
	m := map[string]bool{}
	for _, v := range t.Vendors {
		if v.SegmentGroupID != "" {
			m[v.SegmentGroupID] = true
		}
	}
	return m
}

// ensureLicenses assigns the vendor's SKUs that the account lacks. A SKU
// with no free seat is a Business failure, decided before any write. The
// SKU list comes from the process's cache; an account this request created
// holds no licence before this step's first attempt, so it is not read then.
func (e *Engine) ensureLicenses(ctx context.Context, st *state) (map[string]string, error) {
	o, userID := st.onboard, st.out(outUserID)
	var held []string
	if !e.fresh(st) || st.attempt > 1 {
		// a retry may find the seats an attempt that crashed took
		u, err := e.knownUser(ctx, st, userID)
		if err != nil {
			return nil, err
		}
		held = u.SKUIDs
	}
	want, add, err := e.wantedSKUs(ctx, o.SKUs, held)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(want))
	for i, s := range want {
		ids[i] = s.ID
	}
	out := map[string]string{outSKUs: strings.Join(ids, ",")}
	if len(add) == 0 {
		return out, nil
	}
	if err := e.dir.AssignLicenses(ctx, userID, add, nil); err != nil {
		if domain.ErrorCode(err) == domain.Business {
			// The cached counts were wrong (another writer took the last
			// seat). Graph names the SKU by id only: read the seats again,
			// so that the reason names it by part number with its counts,
			// as the engine's own check does.
			e.forgetSKUs()
			if _, _, serr := e.wantedSKUs(ctx, o.SKUs, held); domain.ErrorCode(serr) == domain.Business {
				return nil, serr
			}
		}
		return nil, err
	}
	return out, nil
}

// deliverCredentials issues a fresh credential and mails it to the vendor's
// external address. The secret lives only in memory between Graph's answer
// and the mail. A retry issues a fresh credential, which replaces the one a
// crashed attempt may have made, so the only mail that can arrive after the
// last one holds the valid credential.
func (e *Engine) deliverCredentials(ctx context.Context, o domain.Onboarding, userID string, first bool) (map[string]string, error) {
	t := e.cfg.Tenant
	var (
		cred      secret.Value
		validTill time.Time
		out       = map[string]string{outKind: t.Credentials.Kind, outMailedTo: o.Person.Email}
	)
	switch t.Credentials.Kind {
	case domain.CredentialPassword:
		pw, err := secret.Password(16)
		if err != nil {
			return nil, domain.Wrap(domain.Internal, err, "cannot generate a password")
		}
		if err := e.dir.SetPassword(ctx, userID, pw.Reveal(), true); err != nil {
			return nil, err
		}
		cred = pw
	default:
		if !first {
			// an account that may hold an earlier pass (adopted, restored,
			// or a retry): remove it, although a new pass replaces the old
			// (REFERENCE §2), so that none outlives this step
			old, err := e.dir.ListTAPs(ctx, userID)
			if err != nil {
				return nil, err
			}
			for _, p := range old {
				if err := e.dir.DeleteTAP(ctx, userID, p.ID); err != nil {
					return nil, err
				}
			}
		}
		tap, err := e.dir.CreateTAP(ctx, userID, time.Duration(t.Credentials.TAPLifetime))
		if err != nil {
			return nil, err
		}
		cred, validTill = tap.Value, tap.ExpiresAt()
		out[outTAPID] = tap.ID
		out[outValidTill] = validTill.UTC().Format(time.RFC3339)
	}
	m := credentialMail(t, o, cred, validTill)
	if err := e.dir.SendMail(ctx, t.Sender, m); err != nil {
		if domain.ErrorCode(err) == domain.NotFound {
			// the sender mailbox, not the account: a setting to fix
			return nil, domain.Wrap(domain.Business, err, "the sender mailbox "+t.Sender+" does not exist")
		}
		return nil, err
	}
	return out, nil
}

// credentialMail writes the plain-text message that carries the credential.
func credentialMail(t domain.Tenant, o domain.Onboarding, cred secret.Value, validTill time.Time) domain.Mail {
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n", o.Person.GivenName)
	fmt.Fprintf(&b, "%s has created an account for you to work with its experts in Dynamics 365 Remote Assist.\n\n", t.Domain)
	fmt.Fprintf(&b, "Account:  %s\n", o.UPN)
	if t.Credentials.Kind == domain.CredentialPassword {
		fmt.Fprintf(&b, "Temporary password:  %s\n", cred.Reveal())
		b.WriteString("You will be asked to choose a new password at your first sign-in.\n\n")
	} else {
		fmt.Fprintf(&b, "Temporary Access Pass:  %s\n", cred.Reveal())
		fmt.Fprintf(&b, "Valid until:  %s (UTC)\n\n", validTill.UTC().Format("2006-01-02 15:04"))
	}
	what := "Temporary Access Pass"
	if t.Credentials.Kind == domain.CredentialPassword {
		what = "temporary password"
	}
	b.WriteString("To sign in:\n")
	b.WriteString("1. Open Dynamics 365 Remote Assist on your device and choose Sign in.\n")
	fmt.Fprintf(&b, "2. Enter the account above, then the %s when asked.\n", what)
	fmt.Fprintf(&b, "3. Set up your own sign-in method at %s.\n\n", t.Credentials.SignInURL)
	fmt.Fprintf(&b, "Your access ends with your contract on %s (UTC).\n", o.ContractEnd.UTC().Format("2006-01-02 15:04"))
	fmt.Fprintf(&b, "Your sponsor at %s is %s.\n\n", t.Domain, o.Sponsor)
	b.WriteString("Keep this message private. It was sent automatically; replies are not read.\n")
	return domain.Mail{
		To:      []string{o.Person.Email},
		Subject: fmt.Sprintf("Your Dynamics 365 Remote Assist account at %s", t.Domain),
		Body:    secret.New(b.String()),
	}
}

// notYetVisible turns a NotFound for an object we created (or found) into
// a Transient error: Entra is eventually consistent (REFERENCE §2). The
// engine applies it to every step that acts on the request's account
// (domain.Step.ActsOnAccount); ensure-user, to its own read after a create.
func notYetVisible(err error, id string) error {
	if domain.ErrorCode(err) != domain.NotFound {
		return err
	}
	return &domain.Error{Code: domain.Transient, Message: "user " + id + " is not visible yet (replication lag)", Err: err}
}
