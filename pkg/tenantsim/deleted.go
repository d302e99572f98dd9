package tenantsim

import (
	"slices"
	"strings"
	"time"
)

// deletedUserProps adds deletedDateTime to the default user set.
func deletedUserProps(u *User) []prop {
	ps := userProps(u)
	for i := range ps {
		if ps[i].name == "deletedDateTime" {
			ps[i].def = true
		}
	}
	return ps
}

// handleListDeleted answers GET /directory/deletedItems/microsoft.graph.user
// (and the SDK's graph.user spelling), with $filter, $select, $top, $count
// and paging.
func handleListDeleted(c *call) reply {
	// directory-deleteditems-list.md: $orderBy on deletedDateTime,
	// displayName and userPrincipalName; deletedDateTime needs the advanced
	// query parameters.
	q, err := c.listQuery(collectionOptions{schema: c.s.userSchema, selectable: userSelectable(),
		orderable: []string{"displayName", "userPrincipalName", "deletedDateTime"}, advancedOrder: []string{"deletedDateTime"}})
	if err != nil {
		return failed(err)
	}
	var items []listItem
	for _, u := range c.st.deleted {
		if q.filter != nil && !q.filter.match(userGetter(&u.User)) {
			continue
		}
		items = append(items, listItem{key: userSortKey(&u.User, q.orderBy), id: u.ID, render: func() jsonObject {
			return project(deletedUserProps(&u.User), q.sel, jsonField{"@odata.type", "#microsoft.graph.user"})
		}})
	}
	// The page shows the group cast's context as "#groups"; the user
	// cast's is taken to be "#users" by the same rule.
	return c.page(items, q, "users")
}

// handleListDeletedGroups answers GET /directory/deletedItems/microsoft.graph.group
// (directory-deleteditems-list.md): the emulator cannot delete groups, so
// the collection is always empty, but the query is checked like Graph's:
// deletedDateTime is selectable, and sorting on it needs the advanced
// query parameters.
func handleListDeletedGroups(c *call) reply {
	q, err := c.listQuery(collectionOptions{schema: c.s.groupSchema, selectable: append(groupSelectable(), "deletedDateTime"),
		orderable: []string{"displayName", "deletedDateTime"}, advancedOrder: []string{"deletedDateTime"}})
	if err != nil {
		return failed(err)
	}
	return c.page(nil, q, "groups")
}

func handleGetDeleted(c *call) reply {
	sel, err := c.selectOnly(userSelectable(), "microsoft.graph.user")
	if err != nil {
		return failed(err)
	}
	u := c.st.deleted[c.param("id")]
	if u == nil {
		return failed(notFound(c.param("id")))
	}
	return ok(project(deletedUserProps(&u.User), sel,
		jsonField{"@odata.context", c.base + "/$metadata#directoryObjects/$entity"},
		jsonField{"@odata.type", "#microsoft.graph.user"}))
}

// handleRestoreDeleted answers POST /directory/deletedItems/{id}/restore with
// 200 and the user (REFERENCE.md §2 Users). Group memberships come back.
// Licenses come back where their SKU still has a free seat; the others are
// dropped (the emulator's choice: the seat was released on delete and may
// have been given to someone else).
func handleRestoreDeleted(c *call) reply {
	u := c.st.deleted[c.param("id")]
	if u == nil {
		return failed(notFound(c.param("id")))
	}
	if c.st.upnTaken(u.UserPrincipalName, u.ID) {
		return failed(conflictUPN())
	}
	kept := u.AssignedLicenses[:0:0]
	for _, l := range u.AssignedLicenses {
		if sku := c.st.skuByID(l.SkuID); sku != nil && sku.PrepaidUnits.Enabled-c.st.consumed(sku.SkuID) > 0 {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	u.AssignedLicenses = kept
	delete(c.st.deleted, u.ID)
	u.DeletedDateTime = time.Time{}
	c.st.putLive(u)
	return ok(project(userProps(&u.User), nil,
		jsonField{"@odata.context", c.base + "/$metadata#directoryObjects/$entity"},
		jsonField{"@odata.type", "#microsoft.graph.user"}))
}

// handlePurgeDeleted answers DELETE /directory/deletedItems/{id}: the user is
// gone for good, with its memberships and TAP; its UPN is free again.
func handlePurgeDeleted(c *call) reply {
	u := c.st.deleted[c.param("id")]
	if u == nil {
		return failed(notFound(c.param("id")))
	}
	delete(c.st.deleted, u.ID)
	delete(c.st.taps, u.ID)
	for _, g := range c.st.groups {
		g.Members = slices.DeleteFunc(g.Members, func(id string) bool { return id == u.ID })
	}
	return noContent()
}

// DeletedUsers returns copies of the soft-deleted users, sorted by UPN.
func (s *Server) DeletedUsers() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.sortedUsers(s.st.deleted)
}

func (st *state) sortedUsers(m map[string]*userRec) []User {
	out := make([]User, 0, len(m))
	for _, u := range m {
		out = append(out, st.userCopy(u))
	}
	slices.SortFunc(out, func(a, b User) int {
		return strings.Compare(strings.ToLower(a.UserPrincipalName), strings.ToLower(b.UserPrincipalName))
	})
	return out
}
