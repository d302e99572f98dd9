package tenantsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// userRec is a stored user plus the emulator's bookkeeping.
type userRec struct {
	User
	// createdAt is when the emulator created the user (zero for seeded
	// users): reads answer 404 until createdAt+ReplicationLag.
	createdAt time.Time
	// prevUsageLocation is what assignLicense still sees until
	// usageLocationSetAt+ReplicationLag (replication lag after a PATCH).
	prevUsageLocation  string
	usageLocationSetAt time.Time
}

type groupRec struct {
	Group
	createdAt time.Time // zero for seeded groups
}

// tapRec is a user's one Temporary Access Pass. The value is kept only so
// that TAPValid can answer; it is never logged and never returned by GET.
type tapRec struct {
	id         string
	value      string
	created    time.Time
	start      time.Time
	lifetime   int // minutes
	usableOnce bool
	visibleAt  time.Time
}

// state is the tenant. Every access holds Server.mu.
type state struct {
	users map[string]*userRec // live users by id
	// byUPN indexes users by lower-cased UPN (putLive, removeLive,
	// reindex keep it), so that look-ups by name do not scan a large tenant.
	byUPN   map[string]*userRec
	deleted map[string]*userRec // soft-deleted users by id
	groups  map[string]*groupRec
	skus    []*SKU
	taps    map[string]*tapRec // by user id
	outbox  []Mail
	ids     *rand.Rand // deterministic object ids
	// tapPolicy is the Temporary Access Pass policy (policy.go).
	tapPolicy TAPPolicy
}

// idSeed seeds object ids, so a demo gives the same ids every run.
const idSeed = 0x76656e646f72

func newState() *state {
	return &state{
		users:     map[string]*userRec{},
		byUPN:     map[string]*userRec{},
		deleted:   map[string]*userRec{},
		groups:    map[string]*groupRec{},
		taps:      map[string]*tapRec{},
		tapPolicy: PermissiveTAPPolicy(),
		ids:       rand.New(rand.NewPCG(idSeed, idSeed>>7)),
	}
}

// newID returns a fresh, unused, version-4-shaped GUID.
func (st *state) newID() string {
	for {
		hi, lo := st.ids.Uint64(), st.ids.Uint64()
		hi = hi&^0xf000 | 0x4000     // version 4
		lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
		id := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, (hi>>16)&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
		if !st.idTaken(id) {
			return id
		}
	}
}

func (st *state) idTaken(id string) bool {
	_, u := st.users[id]
	_, d := st.deleted[id]
	_, g := st.groups[id]
	return u || d || g
}

// userByKey finds a live user by id or UPN (case-insensitive), ignoring lag.
func (st *state) userByKey(key string) *userRec {
	if u, ok := st.users[key]; ok {
		return u
	}
	return st.byUPN[strings.ToLower(key)]
}

// putLive makes u a live user.
func (st *state) putLive(u *userRec) {
	st.users[u.ID] = u
	st.byUPN[strings.ToLower(u.UserPrincipalName)] = u
}

// removeLive takes u out of the live users.
func (st *state) removeLive(u *userRec) {
	delete(st.users, u.ID)
	if st.byUPN[strings.ToLower(u.UserPrincipalName)] == u {
		delete(st.byUPN, strings.ToLower(u.UserPrincipalName))
	}
}

// reindex follows a live user's change of UPN from old.
func (st *state) reindex(u *userRec, old string) {
	if st.byUPN[strings.ToLower(old)] == u {
		delete(st.byUPN, strings.ToLower(old))
	}
	st.byUPN[strings.ToLower(u.UserPrincipalName)] = u
}

// upnTaken reports whether a live or soft-deleted user other than exceptID
// holds upn. A soft-deleted user keeps holding its UPN (REFERENCE.md §2 Users:
// an inference, followed here because the brief asks for it).
func (st *state) upnTaken(upn, exceptID string) bool {
	if u := st.byUPN[strings.ToLower(upn)]; u != nil && u.ID != exceptID {
		return true
	}
	for id, u := range st.deleted {
		if id != exceptID && strings.EqualFold(u.UserPrincipalName, upn) {
			return true
		}
	}
	return false
}

// skuByID finds a subscribed SKU (case-insensitive GUID).
func (st *state) skuByID(id string) *SKU {
	for _, s := range st.skus {
		if strings.EqualFold(s.SkuID, id) {
			return s
		}
	}
	return nil
}

// consumed counts the seats of skuID held by live users. Soft-deleted users
// keep their assignedLicenses (a restore brings them back) but do not consume
// a seat: Microsoft 365 releases a deleted user's licenses for reassignment
// (learn.microsoft.com "Delete a user from your organization").
func (st *state) consumed(skuID string) int {
	n := 0
	for _, u := range st.users {
		if hasLicense(u.AssignedLicenses, skuID) {
			n++
		}
	}
	return n
}

func hasLicense(ls []AssignedLicense, skuID string) bool {
	return slices.ContainsFunc(ls, func(l AssignedLicense) bool { return strings.EqualFold(l.SkuID, skuID) })
}

// memberOf lists the ids of groups containing userID, sorted.
func (st *state) memberOf(userID string) []string {
	var out []string
	for id, g := range st.groups {
		if slices.Contains(g.Members, userID) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// userCopy returns an inspection copy with MemberOf filled in.
func (st *state) userCopy(u *userRec) User {
	c := cloneUser(u.User)
	c.MemberOf = st.memberOf(u.ID)
	return c
}

func cloneUser(u User) User {
	c := u
	c.OtherMails = slices.Clone(u.OtherMails)
	c.BusinessPhones = slices.Clone(u.BusinessPhones)
	c.MemberOf = slices.Clone(u.MemberOf)
	c.Identities = slices.Clone(u.Identities)
	if u.ShowInAddressList != nil {
		v := *u.ShowInAddressList
		c.ShowInAddressList = &v
	}
	c.AssignedLicenses = make([]AssignedLicense, len(u.AssignedLicenses))
	for i, l := range u.AssignedLicenses {
		c.AssignedLicenses[i] = AssignedLicense{SkuID: l.SkuID, DisabledPlans: slices.Clone(l.DisabledPlans)}
	}
	if len(u.AssignedLicenses) == 0 {
		c.AssignedLicenses = nil
	}
	return c
}

func cloneGroup(g Group) Group {
	c := g
	c.Members = slices.Clone(g.Members)
	return c
}

func cloneSKU(s SKU) SKU {
	c := s
	c.ServicePlans = slices.Clone(s.ServicePlans)
	return c
}

// load replaces the tenant with seed. now stamps objects without a
// createdDateTime; seeded objects are visible at once (no replication lag).
func (st *state) load(seed Seed, domain string, now time.Time) error {
	fresh := newState()
	if seed.TAPPolicy != nil {
		if err := seed.TAPPolicy.Validate(); err != nil {
			return fmt.Errorf("tenantsim: seed: %w", err)
		}
		fresh.tapPolicy = cloneTAPPolicy(*seed.TAPPolicy)
	}
	for _, s := range seed.SKUs {
		if s.SkuID == "" || s.SkuPartNumber == "" {
			return fmt.Errorf("tenantsim: seed: SKU without skuId or skuPartNumber")
		}
		if fresh.skuByID(s.SkuID) != nil {
			return fmt.Errorf("tenantsim: seed: duplicate SKU %s", s.SkuID)
		}
		c := cloneSKU(s)
		fresh.skus = append(fresh.skus, &c)
	}
	upns := map[string]bool{} // lower-cased, live and deleted: a linear upnTaken would make large seeds quadratic
	add := func(u User, deleted bool) error {
		if u.ID == "" {
			u.ID = fresh.newID()
		}
		if fresh.idTaken(u.ID) {
			return fmt.Errorf("tenantsim: seed: duplicate object id %s", u.ID)
		}
		if !upnOnDomain(u.UserPrincipalName, domain) {
			return fmt.Errorf("tenantsim: seed: user %s: UPN %q is not on domain %s", u.ID, u.UserPrincipalName, domain)
		}
		if upns[strings.ToLower(u.UserPrincipalName)] {
			return fmt.Errorf("tenantsim: seed: duplicate UPN %q", u.UserPrincipalName)
		}
		upns[strings.ToLower(u.UserPrincipalName)] = true
		for _, l := range u.AssignedLicenses {
			if fresh.skuByID(l.SkuID) == nil {
				return fmt.Errorf("tenantsim: seed: user %s holds unknown SKU %s", u.UserPrincipalName, l.SkuID)
			}
		}
		c := cloneUser(u)
		c.MemberOf = nil
		if c.CreatedDateTime.IsZero() {
			c.CreatedDateTime = now
		}
		if deleted && c.DeletedDateTime.IsZero() {
			c.DeletedDateTime = now
		}
		if !deleted {
			c.DeletedDateTime = time.Time{}
		}
		if c.UserType == "" {
			c.UserType = "Member"
		}
		rec := &userRec{User: c}
		if deleted {
			fresh.deleted[c.ID] = rec
		} else {
			fresh.putLive(rec)
		}
		return nil
	}
	for _, u := range seed.Users {
		if err := add(u, false); err != nil {
			return err
		}
	}
	for _, u := range seed.DeletedUsers {
		if err := add(u, true); err != nil {
			return err
		}
	}
	for _, g := range seed.Groups {
		if g.ID == "" {
			g.ID = fresh.newID()
		}
		if fresh.idTaken(g.ID) {
			return fmt.Errorf("tenantsim: seed: duplicate object id %s", g.ID)
		}
		c := cloneGroup(g)
		c.Members = nil
		for _, m := range g.Members {
			if fresh.users[m] == nil && fresh.deleted[m] == nil {
				return fmt.Errorf("tenantsim: seed: group %s lists unknown member %s", g.DisplayName, m)
			}
			if !slices.Contains(c.Members, m) {
				c.Members = append(c.Members, m)
			}
		}
		if c.CreatedDateTime.IsZero() {
			c.CreatedDateTime = now
		}
		fresh.groups[c.ID] = &groupRec{Group: c}
	}
	for _, list := range [][]User{seed.Users, seed.DeletedUsers} {
		for _, u := range list {
			for _, gid := range u.MemberOf {
				g := fresh.groups[gid]
				if g == nil || u.ID == "" {
					return fmt.Errorf("tenantsim: seed: user %s is member of unknown group %s (or has no id)", u.UserPrincipalName, gid)
				}
				if !slices.Contains(g.Members, u.ID) {
					g.Members = append(g.Members, u.ID)
				}
			}
		}
	}
	for _, s := range fresh.skus {
		if c := fresh.consumed(s.SkuID); c > s.PrepaidUnits.Enabled {
			return fmt.Errorf("tenantsim: seed: SKU %s has %d enabled seats but %d assignments", s.SkuPartNumber, s.PrepaidUnits.Enabled, c)
		}
	}
	*st = *fresh
	return nil
}

func upnOnDomain(upn, domain string) bool {
	at := strings.LastIndexByte(upn, '@')
	return at > 0 && strings.EqualFold(upn[at+1:], domain)
}
