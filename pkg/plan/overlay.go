package plan

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/graph"
)

// Reader is what the planner reads of the directory: the read-only calls
// of the Graph adapter (*graph.Client implements it). It has no write, so
// a plan cannot make one.
type Reader interface {
	FindUser(ctx context.Context, upn string) (domain.User, error)
	GetUser(ctx context.Context, id string) (domain.User, error)
	FindDeletedUser(ctx context.Context, upn string) (domain.User, error)
	ListSKUs(ctx context.Context) ([]domain.SKU, error)
	MemberOf(ctx context.Context, userID string) ([]string, error)
	ListTAPs(ctx context.Context, userID string) ([]domain.TAP, error)
	// GetGroup reads a group (a membership's group must exist).
	GetGroup(ctx context.Context, id string) (domain.Group, error)
	// TAPPolicy reads the tenant's Temporary Access Pass policy.
	TAPPolicy(ctx context.Context) (domain.TAPPolicy, error)
	// MailAddress reads the mail address of the user upn (the sender).
	MailAddress(ctx context.Context, upn string) (string, error)
}

var (
	_ Reader           = (*graph.Client)(nil)
	_ engine.Directory = (*overlay)(nil)
)

// Actions of a recorded write (Change.Action).
const (
	ActionCreateUser     = "create-user"
	ActionUpdateUser     = "update-user"
	ActionSetPassword    = "set-password"
	ActionDeleteUser     = "delete-user"
	ActionRestoreUser    = "restore-user"
	ActionAssignLicenses = "assign-licenses"
	ActionAddMember      = "add-member"
	ActionRemoveMember   = "remove-member"
	ActionCreateTAP      = "create-tap"
	ActionDeleteTAP      = "delete-tap"
	ActionRevokeSessions = "revoke-sessions"
	ActionSendMail       = "send-mail"
)

// plannedPrefix starts every id the overlay makes up (users, passes), so
// that no planned id can be taken for a real one.
const plannedPrefix = "planned-"

// overlay is the engine.Directory of a plan: reads go to the real
// directory unless the overlay holds the object; writes are recorded and
// applied to the overlay, never sent. One overlay serves one Plan call,
// sequentially (the engine runs one request at a time here).
type overlay struct {
	r   Reader
	clk clock.Clock
	// record receives every write the real run would make.
	record func(Change)
	// reads counts the calls made to r.
	reads int

	users map[string]*entry // by object id
	live  map[string]string // lower-cased UPN → id of a live user the overlay holds
	gone  map[string]string // lower-cased UPN → id of a soft-deleted user it holds
	next  int               // planned ids made

	skus     []domain.SKU   // as read, once
	skusRead bool           //
	seats    map[string]int // lower-cased sku id → seats taken (+) or freed (−) by the plan

	groups map[string]groupInfo

	policy     *domain.TAPPolicy
	policyRead bool
	senderRead bool
	senderErr  error

	// notes are what the plan could not check (a read refused).
	notes []string
}

// entry is the overlay's view of one user.
type entry struct {
	u       domain.User
	planned bool // created by the plan
	deleted bool
	// groups and taps are loaded from the directory on first need (a
	// planned user has none); known says they are.
	groups      []string
	groupsKnown bool
	taps        []domain.TAP
	tapsKnown   bool
}

type groupInfo struct {
	g   domain.Group
	err error
}

func newOverlay(r Reader, clk clock.Clock, record func(Change)) *overlay {
	return &overlay{
		r: r, clk: clk, record: record,
		users: map[string]*entry{}, live: map[string]string{}, gone: map[string]string{},
		seats: map[string]int{}, groups: map[string]groupInfo{},
	}
}

func key(s string) string { return strings.ToLower(s) }

func notFound(op string, format string, args ...any) error {
	return domain.Errorf(domain.NotFound, op+": "+format, args...)
}

// remember holds u, as read from the directory, in the overlay.
func (o *overlay) remember(u domain.User, deleted bool) *entry {
	e := &entry{u: cloneUser(u), deleted: deleted}
	o.users[u.ID] = e
	if deleted {
		o.gone[key(u.UPN)] = u.ID
	} else {
		o.live[key(u.UPN)] = u.ID
	}
	return e
}

// entry returns the overlay's view of the live user id, reading it first
// if the overlay does not hold it; NotFound for a user the plan deleted.
func (o *overlay) entry(ctx context.Context, op, id string) (*entry, error) {
	if e, ok := o.users[id]; ok {
		if e.deleted {
			return nil, notFound(op, "not found")
		}
		return e, nil
	}
	if strings.HasPrefix(id, plannedPrefix) {
		return nil, notFound(op, "not found")
	}
	o.reads++
	u, err := o.r.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	return o.remember(u, false), nil
}

// FindUser answers from the overlay for a user it holds, else from the
// directory.
func (o *overlay) FindUser(ctx context.Context, upn string) (domain.User, error) {
	if id, ok := o.live[key(upn)]; ok {
		return cloneUser(o.users[id].u), nil
	}
	o.reads++
	u, err := o.r.FindUser(ctx, upn)
	if err != nil {
		return domain.User{}, err
	}
	if e, ok := o.users[u.ID]; ok {
		if e.deleted {
			return domain.User{}, notFound("find user", "no user %s", upn)
		}
		return cloneUser(e.u), nil
	}
	return cloneUser(o.remember(u, false).u), nil
}

// GetUser answers from the overlay for a user it holds, else from the
// directory.
func (o *overlay) GetUser(ctx context.Context, id string) (domain.User, error) {
	e, err := o.entry(ctx, "get user", id)
	if err != nil {
		return domain.User{}, err
	}
	return cloneUser(e.u), nil
}

// CreateUser records the creation of u under a planned id. As Graph does,
// it refuses a UPN that a live or soft-deleted user holds (Conflict, the
// adapter's message).
func (o *overlay) CreateUser(ctx context.Context, u domain.User, password string) (domain.User, error) {
	switch {
	case u.UPN == "", u.DisplayName == "", u.MailNickname == "":
		return domain.User{}, domain.Errorf(domain.Invalid, "create user: userPrincipalName, displayName and mailNickname are required")
	case password == "":
		return domain.User{}, domain.Errorf(domain.Invalid, "create user: an initial password is required")
	}
	taken, err := o.upnTaken(ctx, u.UPN)
	if err != nil {
		return domain.User{}, err
	}
	if taken {
		return domain.User{}, domain.Errorf(domain.Conflict, "create user: userPrincipalName is already taken by another object")
	}
	o.next++
	u = cloneUser(u)
	u.ID = fmt.Sprintf("%suser-%d", plannedPrefix, o.next)
	u.SKUIDs = nil
	maps.DeleteFunc(u.Extensions, func(_, v string) bool { return v == "" })
	e := o.remember(u, false)
	e.planned, e.groupsKnown, e.tapsKnown = true, true, true
	o.record(Change{Action: ActionCreateUser, Account: u.UPN, Attributes: diffAttributes(domain.User{}, u),
		Note: "with a random initial password that is never delivered"})
	return cloneUser(u), nil
}

// upnTaken reports whether a live or soft-deleted user holds upn.
func (o *overlay) upnTaken(ctx context.Context, upn string) (bool, error) {
	if _, ok := o.live[key(upn)]; ok {
		return true, nil
	}
	if _, ok := o.gone[key(upn)]; ok {
		return true, nil
	}
	o.reads++
	u, err := o.r.FindUser(ctx, upn)
	switch domain.ErrorCode(err) {
	case "":
		if _, ok := o.users[u.ID]; !ok {
			o.remember(u, false)
		}
		return true, nil
	case domain.NotFound:
	default:
		return false, err
	}
	o.reads++
	d, err := o.r.FindDeletedUser(ctx, upn)
	switch domain.ErrorCode(err) {
	case "":
		if _, ok := o.users[d.ID]; !ok {
			o.remember(d, true)
		}
		return true, nil
	case domain.NotFound:
		return false, nil
	}
	return false, err
}

// UpdateUser records the changed properties, old → new.
func (o *overlay) UpdateUser(ctx context.Context, id string, c domain.UserChanges) error {
	if c.Empty() {
		return nil
	}
	if c.DisplayName != nil && *c.DisplayName == "" {
		return domain.Errorf(domain.Invalid, "update user: displayName cannot be cleared")
	}
	e, err := o.entry(ctx, "update user", id)
	if err != nil {
		return err
	}
	before := cloneUser(e.u)
	e.u.Apply(c)
	if d := diffAttributes(before, e.u); len(d) > 0 {
		o.record(Change{Action: ActionUpdateUser, Account: e.u.UPN, Attributes: d})
	}
	return nil
}

// SetPassword records that the password would be replaced (never with
// what).
func (o *overlay) SetPassword(ctx context.Context, id, password string, forceChange bool) error {
	if id == "" || password == "" {
		return domain.Errorf(domain.Invalid, "set password: id and password are required")
	}
	e, err := o.entry(ctx, "set password", id)
	if err != nil {
		return err
	}
	note := "a new temporary password (never shown)"
	if forceChange {
		note += ", to be changed at the first sign-in"
	}
	o.record(Change{Action: ActionSetPassword, Account: e.u.UPN, Note: note})
	return nil
}

// DeleteUser records a soft delete; the user's seats are free again.
func (o *overlay) DeleteUser(ctx context.Context, id string) error {
	e, err := o.entry(ctx, "delete user", id)
	if err != nil {
		return err
	}
	if _, err := o.ListSKUs(ctx); err != nil {
		return err
	}
	e.deleted = true
	delete(o.live, key(e.u.UPN))
	o.gone[key(e.u.UPN)] = id
	for _, s := range e.u.SKUIDs {
		o.seats[key(s)]--
	}
	o.record(Change{Action: ActionDeleteUser, Account: e.u.UPN, LicensesRemoved: o.parts(e.u.SKUIDs), Note: "soft delete: restorable for 30 days"})
	return nil
}

// FindDeletedUser answers from the overlay for a user it deleted, else
// from the directory's deleted items (NotFound for one the plan restored).
func (o *overlay) FindDeletedUser(ctx context.Context, upn string) (domain.User, error) {
	if id, ok := o.gone[key(upn)]; ok {
		return cloneUser(o.users[id].u), nil
	}
	o.reads++
	d, err := o.r.FindDeletedUser(ctx, upn)
	if err != nil {
		return domain.User{}, err
	}
	if e, ok := o.users[d.ID]; ok && !e.deleted {
		return domain.User{}, notFound("find deleted user", "no deleted user %s", upn)
	}
	return cloneUser(o.remember(d, true).u), nil
}

// RestoreUser records the restore of a user FindDeletedUser found. Its
// licences come back where a seat is free, as the emulator restores them.
func (o *overlay) RestoreUser(ctx context.Context, id string) (domain.User, error) {
	e, ok := o.users[id]
	if !ok || !e.deleted {
		return domain.User{}, notFound("restore user", "not found")
	}
	if _, taken := o.live[key(e.u.UPN)]; taken {
		return domain.User{}, domain.Errorf(domain.Conflict, "restore user: userPrincipalName is already taken by another object")
	}
	skus, err := o.ListSKUs(ctx)
	if err != nil {
		return domain.User{}, err
	}
	var kept, dropped []string
	for _, s := range e.u.SKUIDs {
		if i := slices.IndexFunc(skus, func(k domain.SKU) bool { return strings.EqualFold(k.ID, s) }); i >= 0 && skus[i].Free() > 0 {
			kept = append(kept, s)
			o.seats[key(s)]++
			skus[i].Consumed++
		} else {
			dropped = append(dropped, s)
		}
	}
	e.u.SKUIDs, e.deleted = kept, false
	if !e.groupsKnown || !e.tapsKnown {
		// Graph answers 404 for a deleted user's memberships and passes,
		// which a restore brings back.
		e.groups, e.groupsKnown, e.taps, e.tapsKnown = nil, true, nil, true
		o.notes = append(o.notes, e.u.UPN+" would be restored: its group memberships and passes cannot be read while it is deleted, "+
			"and are taken to be none (its offboarding removed vendorflow's; the run removes any other it finds)")
	}
	delete(o.gone, key(e.u.UPN))
	o.live[key(e.u.UPN)] = id
	c := Change{Action: ActionRestoreUser, Account: e.u.UPN, LicensesAdded: o.parts(kept)}
	if len(dropped) > 0 {
		c.Note = "without " + strings.Join(o.parts(dropped), ", ") + " (no free seat)"
	}
	o.record(c)
	return cloneUser(e.u), nil
}

// ListSKUs reads the subscribed SKUs once and answers with the seats the
// plan took and freed applied.
func (o *overlay) ListSKUs(ctx context.Context) ([]domain.SKU, error) {
	if !o.skusRead {
		o.reads++
		skus, err := o.r.ListSKUs(ctx)
		if err != nil {
			return nil, err
		}
		o.skus, o.skusRead = slices.Clone(skus), true
	}
	out := slices.Clone(o.skus)
	for i := range out {
		out[i].Consumed += o.seats[key(out[i].ID)]
	}
	return out, nil
}

// parts names SKU ids by their part numbers (the id when unknown).
func (o *overlay) parts(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		name := id
		if i := slices.IndexFunc(o.skus, func(s domain.SKU) bool { return strings.EqualFold(s.ID, id) }); i >= 0 {
			name = o.skus[i].PartNumber
		}
		out = append(out, name)
	}
	return out
}

// AssignLicenses records the licences added and removed, all or none: a
// licence to add without a free seat is Business, a licence to remove that
// is not assigned is Transient, each with the adapter's message.
func (o *overlay) AssignLicenses(ctx context.Context, userID string, add, remove []string) error {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	e, err := o.entry(ctx, "assign licenses", userID)
	if err != nil {
		return err
	}
	skus, err := o.ListSKUs(ctx)
	if err != nil {
		return err
	}
	held := func(id string) bool {
		return slices.ContainsFunc(e.u.SKUIDs, func(s string) bool { return strings.EqualFold(s, id) })
	}
	var added []string
	for _, id := range add {
		if held(id) {
			continue
		}
		i := slices.IndexFunc(skus, func(s domain.SKU) bool { return strings.EqualFold(s.ID, id) })
		switch {
		case i < 0:
			return domain.Errorf(domain.Invalid, "assign licenses: request rejected (SKU %s is not subscribed)", id)
		case skus[i].Free() <= 0:
			return domain.Errorf(domain.Business, "assign licenses: no free seat for SKU %s", id)
		}
		added = append(added, id)
	}
	for _, id := range remove {
		if !held(id) {
			return domain.Errorf(domain.Transient, "assign licenses: a licence to remove is no longer assigned (an earlier attempt may have removed it); the account is read again")
		}
	}
	for _, id := range added {
		o.seats[key(id)]++
	}
	for _, id := range remove {
		o.seats[key(id)]--
	}
	e.u.SKUIDs = slices.DeleteFunc(append(slices.Clone(e.u.SKUIDs), added...), func(s string) bool {
		return slices.ContainsFunc(remove, func(r string) bool { return strings.EqualFold(r, s) })
	})
	if len(added) > 0 || len(remove) > 0 {
		o.record(Change{Action: ActionAssignLicenses, Account: e.u.UPN, LicensesAdded: o.parts(added), LicensesRemoved: o.parts(remove)})
	}
	return nil
}

// group reads a group once; NotFound when it does not exist. A group that
// cannot be read (a permission) is noted and taken to exist: the run will
// learn.
func (o *overlay) group(ctx context.Context, id string) (domain.Group, error) {
	if gi, ok := o.groups[id]; ok {
		return gi.g, gi.err
	}
	o.reads++
	g, err := o.r.GetGroup(ctx, id)
	if err != nil && domain.ErrorCode(err) != domain.NotFound {
		o.notes = append(o.notes, fmt.Sprintf("group %s was not checked: %s", id, domain.ErrorMessage(err)))
		g, err = domain.Group{ID: id}, nil
	}
	o.groups[id] = groupInfo{g, err}
	return g, err
}

// memberships is the user's groups: the directory's (read once) with the
// plan's changes.
func (o *overlay) memberships(ctx context.Context, e *entry) ([]string, error) {
	if !e.groupsKnown {
		o.reads++
		gs, err := o.r.MemberOf(ctx, e.u.ID)
		if err != nil {
			return nil, err
		}
		e.groups, e.groupsKnown = gs, true
	}
	return slices.Clone(e.groups), nil
}

// AddMember records a membership the user lacks; already a member is
// success without a change. A group the directory does not have is
// NotFound, as Graph's 404.
func (o *overlay) AddMember(ctx context.Context, groupID, userID string) error {
	if groupID == "" || userID == "" {
		return domain.Errorf(domain.Invalid, "add group member: group and user ids are required")
	}
	e, err := o.entry(ctx, "add group member", userID)
	if err != nil {
		return err
	}
	g, err := o.group(ctx, groupID)
	if domain.ErrorCode(err) == domain.NotFound {
		return notFound("add group member", "not found")
	}
	if err != nil {
		return err
	}
	gs, err := o.memberships(ctx, e)
	if err != nil {
		return err
	}
	if slices.Contains(gs, groupID) {
		return nil
	}
	e.groups = append(e.groups, groupID)
	o.record(Change{Action: ActionAddMember, Account: e.u.UPN, Group: &GroupRef{ID: g.ID, Name: g.DisplayName}})
	return nil
}

// RemoveMember records the removal of a membership the user has; not a
// member is success without a change.
func (o *overlay) RemoveMember(ctx context.Context, groupID, userID string) error {
	if groupID == "" || userID == "" {
		return domain.Errorf(domain.Invalid, "remove group member: group and user ids are required")
	}
	e, err := o.entry(ctx, "remove group member", userID)
	if err != nil {
		return err
	}
	gs, err := o.memberships(ctx, e)
	if err != nil {
		return err
	}
	if !slices.Contains(gs, groupID) {
		return nil
	}
	g, err := o.group(ctx, groupID)
	if err != nil {
		g = domain.Group{ID: groupID}
	}
	e.groups = slices.DeleteFunc(e.groups, func(id string) bool { return id == groupID })
	o.record(Change{Action: ActionRemoveMember, Account: e.u.UPN, Group: &GroupRef{ID: groupID, Name: g.DisplayName}})
	return nil
}

// MemberOf answers with the user's groups as the plan leaves them.
func (o *overlay) MemberOf(ctx context.Context, userID string) ([]string, error) {
	e, err := o.entry(ctx, "list group memberships", userID)
	if err != nil {
		return nil, err
	}
	return o.memberships(ctx, e)
}

// tapPolicy reads the tenant's TAP policy once; nil when it cannot be read
// (noted; the plan then takes the pass to be allowed).
func (o *overlay) tapPolicy(ctx context.Context) *domain.TAPPolicy {
	if !o.policyRead {
		o.policyRead = true
		o.reads++
		p, err := o.r.TAPPolicy(ctx)
		if err != nil {
			o.notes = append(o.notes, "the Temporary Access Pass policy was not checked: "+domain.ErrorMessage(err))
			return nil
		}
		o.policy = &p
	}
	return o.policy
}

// tapRefusal is why the policy p refuses a reusable pass of this lifetime
// for a user in groups, or "" (the emulator's rules, pkg/tenantsim).
func tapRefusal(p domain.TAPPolicy, groups []string, lifetime time.Duration) string {
	in := func(ids []string) bool {
		return slices.ContainsFunc(ids, func(g string) bool { return slices.Contains(groups, g) })
	}
	switch {
	case !p.Enabled:
		return "the method is disabled"
	case !p.AllUsers && !in(p.IncludeGroups):
		return "the account is not in its include targets"
	case in(p.ExcludeGroups):
		return "the account is in its exclude targets"
	case lifetime < p.MinLifetime || lifetime > p.MaxLifetime:
		return fmt.Sprintf("a lifetime of %s is outside its %s to %s", human(lifetime), human(p.MinLifetime), human(p.MaxLifetime))
	case p.UsableOnce:
		return "it allows one-time passes only, and vendorflow issues reusable ones"
	}
	return ""
}

// CreateTAP records a pass of the lifetime, replacing the user's others,
// after the adapter's bounds and the tenant's policy: a refusal is
// Business with the adapter's message and the rule. The pass returned has
// a planned id and no value at all.
func (o *overlay) CreateTAP(ctx context.Context, userID string, lifetime time.Duration) (domain.TAP, error) {
	if lifetime < graph.MinTAPLifetime || lifetime > graph.MaxTAPLifetime {
		return domain.TAP{}, domain.Errorf(domain.Invalid, "create Temporary Access Pass: lifetime %s outside %s..%s", lifetime, graph.MinTAPLifetime, graph.MaxTAPLifetime)
	}
	e, err := o.entry(ctx, "create Temporary Access Pass", userID)
	if err != nil {
		return domain.TAP{}, err
	}
	minutes := time.Duration(math.Ceil(lifetime.Minutes())) * time.Minute
	if p := o.tapPolicy(ctx); p != nil {
		gs, err := o.memberships(ctx, e)
		if err != nil {
			return domain.TAP{}, err
		}
		if why := tapRefusal(*p, gs, minutes); why != "" {
			return domain.TAP{}, domain.Errorf(domain.Business, "create Temporary Access Pass: refused by the tenant's Temporary Access Pass policy (%s)", why)
		}
	}
	o.next++
	tap := domain.TAP{ID: fmt.Sprintf("%stap-%d", plannedPrefix, o.next), StartsAt: o.clk.Now().UTC(), Lifetime: minutes}
	e.taps, e.tapsKnown = []domain.TAP{tap}, true
	o.record(Change{Action: ActionCreateTAP, Account: e.u.UPN, TAPLifetime: human(minutes)})
	return tap, nil
}

// taps is the user's passes: the directory's (read once) with the plan's
// changes.
func (o *overlay) taps(ctx context.Context, e *entry) ([]domain.TAP, error) {
	if !e.tapsKnown {
		o.reads++
		ts, err := o.r.ListTAPs(ctx, e.u.ID)
		if err != nil {
			return nil, err
		}
		e.taps, e.tapsKnown = ts, true
	}
	return slices.Clone(e.taps), nil
}

// ListTAPs answers with the user's passes as the plan leaves them.
func (o *overlay) ListTAPs(ctx context.Context, userID string) ([]domain.TAP, error) {
	e, err := o.entry(ctx, "list Temporary Access Passes", userID)
	if err != nil {
		return nil, err
	}
	return o.taps(ctx, e)
}

// DeleteTAP records the removal of a pass the user has; already gone is
// success without a change.
func (o *overlay) DeleteTAP(ctx context.Context, userID, tapID string) error {
	if userID == "" || tapID == "" {
		return domain.Errorf(domain.Invalid, "delete Temporary Access Pass: user and TAP ids are required")
	}
	e, err := o.entry(ctx, "delete Temporary Access Pass", userID)
	if err != nil {
		return err
	}
	ts, err := o.taps(ctx, e)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ts, func(t domain.TAP) bool { return t.ID == tapID }) {
		return nil
	}
	e.taps = slices.DeleteFunc(e.taps, func(t domain.TAP) bool { return t.ID == tapID })
	o.record(Change{Action: ActionDeleteTAP, Account: e.u.UPN, TAPID: tapID})
	return nil
}

// RevokeSessions records the revocation.
func (o *overlay) RevokeSessions(ctx context.Context, userID string) error {
	e, err := o.entry(ctx, "revoke sessions", userID)
	if err != nil {
		return err
	}
	o.record(Change{Action: ActionRevokeSessions, Account: e.u.UPN, Note: "refresh tokens and session cookies invalidated"})
	return nil
}

// SendMail records the recipients and subject; the body, which may hold a
// credential, is dropped unread. A sender the directory does not know is
// NotFound, as Graph's 404.
func (o *overlay) SendMail(ctx context.Context, sender string, m domain.Mail) error {
	if sender == "" || len(m.To) == 0 {
		return domain.Errorf(domain.Invalid, "send mail: sender and at least one recipient are required")
	}
	if !o.senderRead {
		o.senderRead = true
		o.reads++
		_, err := o.r.MailAddress(ctx, sender)
		switch domain.ErrorCode(err) {
		case "":
		case domain.NotFound:
			o.senderErr = notFound("send mail", "no user %s", sender)
		default:
			o.notes = append(o.notes, "the sender mailbox "+sender+" was not checked: "+domain.ErrorMessage(err))
		}
	}
	if o.senderErr != nil {
		return o.senderErr
	}
	o.record(Change{Action: ActionSendMail, MailTo: slices.Clone(m.To), MailSubject: m.Subject})
	return nil
}

// ListUsers is refused: no onboarding or offboarding step lists users, and
// a plan of a listing (the expiry sweep, reconcile) is not offered.
func (o *overlay) ListUsers(context.Context, domain.UserQuery, func(domain.User) error) error {
	return domain.Errorf(domain.Internal, "plan: listing users is not part of an onboarding or offboarding plan")
}

func cloneUser(u domain.User) domain.User {
	u.OtherMails = slices.Clone(u.OtherMails)
	u.SKUIDs = slices.Clone(u.SKUIDs)
	u.Extensions = maps.Clone(u.Extensions)
	return u
}

// human writes a duration as 8h, 90m or 1h30m (whole minutes; anything
// else as time.Duration does).
func human(d time.Duration) string {
	if d%time.Minute != 0 || d < 0 {
		return d.String()
	}
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case m == 0 && h > 0:
		return fmt.Sprintf("%dh", h)
	case h == 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}
