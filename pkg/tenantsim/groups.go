package tenantsim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// groupProps is the wire form of a group; all are in the default set.
func groupProps(g *Group) []prop {
	return []prop{
		{"id", true, func() any { return g.ID }},
		{"createdDateTime", true, func() any { return wireTime(g.CreatedDateTime) }},
		{"description", true, func() any { return wireString(g.Description) }},
		{"displayName", true, func() any { return wireString(g.DisplayName) }},
		{"groupTypes", true, func() any { return []string{} }},
		{"mailEnabled", true, func() any { return g.MailEnabled }},
		{"mailNickname", true, func() any { return wireString(g.MailNickname) }},
		{"securityEnabled", true, func() any { return g.SecurityEnabled }},
	}
}

func groupSelectable() []string { return propNames(groupProps(&Group{})) }

func groupSchema() *entitySchema {
	return newSchema("microsoft.graph.group", "Group", []field{
		{name: "id"}, {name: "displayName"}, {name: "mailNickname"}, {name: "description"},
		{name: "securityEnabled", kind: kBool}, {name: "mailEnabled", kind: kBool},
		{name: "createdDateTime", kind: kDateTime},
	}, nil)
}

func groupGetter(g *Group) getter {
	return func(f field) any {
		switch f.name {
		case "id":
			return g.ID
		case "displayName":
			return g.DisplayName
		case "mailNickname":
			return g.MailNickname
		case "description":
			return g.Description
		case "securityEnabled":
			return g.SecurityEnabled
		case "mailEnabled":
			return g.MailEnabled
		case "createdDateTime":
			return g.CreatedDateTime
		}
		return nil
	}
}

// visibleGroup finds a group for a read or a member add (replication lag applies).
func (c *call) visibleGroup(id string) (*groupRec, *graphError) {
	g := c.st.groups[id]
	if g == nil {
		return nil, notFound(id)
	}
	if c.hidden(g.createdAt) {
		e := notFound(id)
		e.fault = FaultReplicationLag
		return nil, e
	}
	return g, nil
}

func groupOptions(c *call) collectionOptions {
	return collectionOptions{schema: c.s.groupSchema, selectable: groupSelectable(), orderable: []string{"displayName"}}
}

func handleListGroups(c *call) reply {
	q, err := c.listQuery(groupOptions(c))
	if err != nil {
		return failed(err)
	}
	var items []listItem
	for _, g := range c.st.groups {
		if c.hidden(g.createdAt) || (q.filter != nil && !q.filter.match(groupGetter(&g.Group))) {
			continue
		}
		items = append(items, c.groupItem(g, q))
	}
	return c.page(items, q, "groups")
}

func (c *call) groupItem(g *groupRec, q listQuery) listItem {
	key := ""
	if q.orderBy == "displayName" {
		key = strings.ToLower(g.DisplayName)
	}
	return listItem{key: key, id: g.ID, render: func() jsonObject {
		return project(groupProps(&g.Group), q.sel, jsonField{"@odata.type", "#microsoft.graph.group"})
	}}
}

func handleGetGroup(c *call) reply {
	sel, err := c.selectOnly(groupSelectable(), "microsoft.graph.group")
	if err != nil {
		return failed(err)
	}
	g, err := c.visibleGroup(c.param("id"))
	if err != nil {
		return failed(err)
	}
	return ok(project(groupProps(&g.Group), sel, jsonField{"@odata.context", c.entityContext("groups", sel)}))
}

// groupMembers lists the group's live, replicated users that match q (nil: all).
func (c *call) groupMembers(q *listQuery) ([]listItem, *graphError) {
	g, err := c.visibleGroup(c.param("id"))
	if err != nil {
		return nil, err
	}
	var items []listItem
	for _, id := range g.Members {
		u := c.st.users[id]
		if u == nil || c.hidden(u.createdAt) || (q != nil && q.filter != nil && !q.filter.match(userGetter(&u.User))) {
			continue
		}
		it := listItem{id: u.ID}
		if q != nil {
			sel := q.sel
			it.key = userSortKey(&u.User, q.orderBy)
			it.render = func() jsonObject {
				return project(userProps(&u.User), sel, jsonField{"@odata.type", "#microsoft.graph.user"})
			}
		}
		items = append(items, it)
	}
	return items, nil
}

// memberList answers GET /groups/{id}/members (group-list-members.md): the
// members as directoryObjects with @odata.type, or with the
// microsoft.graph.user cast as users.
func memberList(cast bool) func(*call) reply {
	return func(c *call) reply {
		q, err := c.referenceQuery(collectionOptions{schema: c.s.userSchema, selectable: userSelectable(), orderable: []string{"displayName"}})
		if err != nil {
			return failed(err)
		}
		items, err := c.groupMembers(&q)
		if err != nil {
			return failed(err)
		}
		if cast {
			return c.page(items, q, "users")
		}
		return c.page(items, q, "directoryObjects")
	}
}

// handleMemberCount answers GET /groups/{id}/members/$count (and the user
// cast's).
func handleMemberCount(c *call) reply {
	return c.countSegment(func() (int, *graphError) {
		items, err := c.groupMembers(nil)
		return len(items), err
	})
}

// handleCountGroups answers GET /groups/$count, with an optional $filter.
func handleCountGroups(c *call) reply {
	return c.countSegment(func() (int, *graphError) {
		f, err := c.countFilter(c.s.groupSchema)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, g := range c.st.groups {
			if !c.hidden(g.createdAt) && (f == nil || f.match(groupGetter(&g.Group))) {
				n++
			}
		}
		return n, nil
	})
}

// membershipQuery parses the query of a user's memberOf or
// transitiveMemberOf list, a reference-property list (see referenceQuery;
// the message is the one microsoftgraph/microsoft-graph-docs#12152
// reports for a filter there without the header). transitive with cast
// (…/microsoft.graph.group) is an advanced query too: concepts/aad-advanced-queries.md
// lists "OData cast with transitive members list" among them. The cast on
// the direct memberOf list is served without the header, as that page's
// example 6 sends it (a reading: the header row says otherwise).
func (c *call) membershipQuery(transitive, cast bool) (listQuery, *graphError) {
	q, err := c.referenceQuery(groupOptions(c))
	if err != nil {
		return q, err
	}
	if transitive && cast && !(c.eventual() && q.count) {
		// Wording not verified.
		return q, unsupportedQuery("OData cast on a transitive membership list is supported only with ConsistencyLevel: eventual and $count=true.")
	}
	return q, nil
}

// referenceQuery parses the query of a reference-property list (a group's
// members, a user's memberships): $filter and $orderby there need
// ConsistencyLevel: eventual and $count=true (the ConsistencyLevel row of
// group-list-members.md and the memberOf pages).
func (c *call) referenceQuery(o collectionOptions) (listQuery, *graphError) {
	q, err := c.listQuery(o)
	if err != nil {
		return q, err
	}
	if (q.filter != nil || q.orderBy != "") && !(c.eventual() && q.count) {
		return q, unsupportedQuery("The specified filter to the reference property query is currently not supported.")
	}
	return q, nil
}

// memberships lists the groups that hold the user: directly, or also
// through nesting. The emulator's groups hold only users (a seed or a $ref
// add of anything else is refused), so there is no nesting and the
// transitive answer is exactly the direct one; should groups ever take
// groups as members, this is where to expand them.
func (c *call) memberships(q *listQuery) ([]listItem, *graphError) {
	u, err := c.visibleUser(c.param("id"))
	if err != nil {
		return nil, err
	}
	var items []listItem
	for _, gid := range c.st.memberOf(u.ID) {
		g := c.st.groups[gid]
		if c.hidden(g.createdAt) || (q != nil && q.filter != nil && !q.filter.match(groupGetter(&g.Group))) {
			continue
		}
		if q != nil {
			items = append(items, c.groupItem(g, *q))
		} else {
			items = append(items, listItem{id: g.ID})
		}
	}
	return items, nil
}

// membershipList answers GET /users/{id}/memberOf and
// /users/{id}/transitiveMemberOf (user-list-memberof.md,
// user-list-transitivememberof.md), with or without the
// microsoft.graph.group cast: the groups as directoryObjects with
// @odata.type, or with the cast as groups.
func membershipList(transitive, cast bool) func(*call) reply {
	return func(c *call) reply {
		q, err := c.membershipQuery(transitive, cast)
		if err != nil {
			return failed(err)
		}
		items, err := c.memberships(&q)
		if err != nil {
			return failed(err)
		}
		if cast {
			return c.page(items, q, "groups")
		}
		return c.page(items, q, "directoryObjects")
	}
}

// handleMembershipCount answers GET /users/{id}/memberOf/$count (and the
// transitive and cast forms).
func handleMembershipCount(c *call) reply {
	return c.countSegment(func() (int, *graphError) {
		items, err := c.memberships(nil)
		return len(items), err
	})
}

// maxBindMembers is how many members one PATCH may add with
// members@odata.bind (group-post-members.md: up to 20).
const maxBindMembers = 20

// handlePatchGroup answers PATCH /groups/{id} (group-update.md): 204. It
// updates displayName and description, and adds the members listed in
// members@odata.bind (group-post-members.md, example 2), all or nothing.
func handlePatchGroup(c *call) reply {
	if err := c.jsonWrite(); err != nil {
		return failed(err)
	}
	m, err := decodeObject(c.body)
	if err != nil {
		return failed(err)
	}
	g, err := c.visibleGroup(c.param("id"))
	if err != nil {
		return failed(err)
	}
	next := cloneGroup(g.Group)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		raw := m[k]
		switch k {
		case "displayName", "description":
			var v *string
			if json.Unmarshal(raw, &v) != nil || (k == "displayName" && (v == nil || *v == "")) {
				return failed(invalidValue(k))
			}
			if k == "displayName" {
				next.DisplayName = *v
			} else {
				next.Description = ""
				if v != nil {
					next.Description = *v
				}
			}
		case "members@odata.bind":
			var refs []string
			if json.Unmarshal(raw, &refs) != nil {
				return failed(badRequest("The value of 'members@odata.bind' must be an array of directory object URLs."))
			}
			if len(refs) > maxBindMembers {
				// Wording not verified; the limit is the docs'.
				return failed(badRequest(fmt.Sprintf("A single request can add at most %d members.", maxBindMembers)))
			}
			for _, ref := range refs {
				id := refID(ref)
				if id == "" {
					return failed(badRequest("The request body must contain an '@odata.id' that references a directory object."))
				}
				u, err := c.visibleUser(id)
				if err != nil {
					return failed(err)
				}
				if slices.Contains(next.Members, u.ID) {
					return failed(directoryBadRequest(MsgAlreadyMember))
				}
				next.Members = append(next.Members, u.ID)
			}
		default:
			if strings.HasPrefix(k, "@odata.") {
				continue
			}
			if slices.Contains(groupSelectable(), k) {
				// The emulator models only security groups as seeded.
				return failed(directoryBadRequest(fmt.Sprintf("Property '%s' cannot be updated on this group.", k)))
			}
			if !c.s.cfg.Lenient {
				return failed(unknownProperty(k, "microsoft.graph.group"))
			}
		}
	}
	g.Group = next
	return noContent()
}

// refID extracts the object id from an @odata.id of the form the docs give
// (api-reference group-post-members.md):
// "https://graph.microsoft.com/v1.0/directoryObjects/{id}", on any host
// (the emulator's own included). Anything else ("" returned) is refused.
func refID(ref string) string {
	u, err := url.Parse(ref)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return ""
	}
	rest, ok := strings.CutPrefix(strings.ToLower(u.Path), "/v1.0/directoryobjects/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return ""
	}
	return u.Path[len(u.Path)-len(rest):]
}

// handleAddMember answers POST /groups/{id}/members/$ref (REFERENCE.md §2
// Groups): 204; already a member → 400; group or object missing (or not yet
// replicated) → 404.
func handleAddMember(c *call) reply {
	var body struct {
		ID *string `json:"@odata.id"`
	}
	if _, err := decodeObject(c.body); err != nil {
		return failed(err)
	}
	if err := json.Unmarshal(c.body, &body); err != nil || body.ID == nil || refID(*body.ID) == "" {
		return failed(badRequest("The request body must contain an '@odata.id' that references a directory object."))
	}
	g, err := c.visibleGroup(c.param("id"))
	if err != nil {
		return failed(err)
	}
	uid := refID(*body.ID)
	u, err := c.visibleUser(uid)
	if err != nil {
		return failed(err)
	}
	if slices.Contains(g.Members, u.ID) {
		return failed(directoryBadRequest(MsgAlreadyMember))
	}
	g.Members = append(g.Members, u.ID)
	return noContent()
}

// handleRemoveMember answers DELETE /groups/{id}/members/{memberId}/$ref:
// 204; not a member → 404 Request_ResourceNotFound (REFERENCE.md §2 Groups).
func handleRemoveMember(c *call) reply {
	return c.removeMember(c.param("id"), c.param("memberId"))
}

// handleRemoveMemberByQuery answers DELETE /groups/{id}/members/$ref?@id=...,
// the form msgraph-sdk-go also offers.
func handleRemoveMemberByQuery(c *call) reply {
	ref := c.query.Get("@id")
	if ref == "" {
		ref = c.query.Get("$id")
	}
	if ref == "" {
		return failed(badRequest("The query option '@id' is required to remove a reference."))
	}
	return c.removeMember(c.param("id"), refID(ref))
}

func (c *call) removeMember(gid, uid string) reply {
	g := c.st.groups[gid]
	if g == nil {
		return failed(notFound(gid))
	}
	if u := c.st.userByKey(uid); u != nil {
		uid = u.ID
	}
	i := slices.Index(g.Members, uid)
	if i < 0 || c.st.users[uid] == nil {
		return failed(notFound(uid))
	}
	g.Members = slices.Delete(g.Members, i, i+1)
	return noContent()
}

// handleDeleteMemberObject answers DELETE /groups/{id}/members/{memberId}
// without /$ref: like Graph, it deletes the user itself, not the membership
// (REFERENCE.md §2 Groups). The emulator reproduces this trap on purpose.
func handleDeleteMemberObject(c *call) reply {
	g := c.st.groups[c.param("id")]
	if g == nil {
		return failed(notFound(c.param("id")))
	}
	u := c.st.userByKey(c.param("memberId"))
	if u == nil || !slices.Contains(g.Members, u.ID) {
		return failed(notFound(c.param("memberId")))
	}
	c.st.softDelete(u, c.now)
	return noContent()
}
