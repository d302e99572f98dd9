package tenantsim

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// userProps is the wire form of a user. The default set (def) is Graph
// v1.0's: businessPhones, displayName, givenName, jobTitle, mail,
// mobilePhone, officeLocation, preferredLanguage, surname,
// userPrincipalName, id; everything else is returned only when $selected
// (REFERENCE.md §2 Users; GDOCS user resource). passwordProfile is
// selectable but always null.
func userProps(u *User) []prop {
	s := func(v string) func() any { return func() any { return wireString(v) } }
	null := func() any { return nil }
	return []prop{
		{"businessPhones", true, func() any { return wireStrings(u.BusinessPhones) }},
		{"displayName", true, s(u.DisplayName)},
		{"givenName", true, s(u.GivenName)},
		{"jobTitle", true, s(u.JobTitle)},
		{"mail", true, s(u.Mail)},
		{"mobilePhone", true, null},
		{"officeLocation", true, s(u.OfficeLocation)},
		{"preferredLanguage", true, null},
		{"surname", true, s(u.Surname)},
		{"userPrincipalName", true, s(u.UserPrincipalName)},
		{"id", true, s(u.ID)},
		{"accountEnabled", false, func() any { return u.AccountEnabled }},
		{"assignedLicenses", false, func() any { return wireLicenses(u.AssignedLicenses) }},
		{"companyName", false, s(u.CompanyName)},
		{"createdDateTime", false, func() any { return wireTime(u.CreatedDateTime) }},
		{"deletedDateTime", false, func() any { return wireTime(u.DeletedDateTime) }},
		{"department", false, s(u.Department)},
		{"employeeId", false, s(u.EmployeeID)},
		{"employeeLeaveDateTime", false, func() any { return wireTime(u.EmployeeLeaveDateTime) }},
		{"employeeType", false, s(u.EmployeeType)},
		{"mailNickname", false, s(u.MailNickname)},
		{"onPremisesExtensionAttributes", false, func() any { return wireExtensions(u.OnPremisesExtensionAttributes) }},
		{"otherMails", false, func() any { return wireStrings(u.OtherMails) }},
		{"passwordProfile", false, null},
		{"signInSessionsValidFromDateTime", false, func() any { return wireTime(u.SignInSessionsValidFromDateTime) }},
		{"usageLocation", false, s(u.UsageLocation)},
		{"userType", false, s(u.UserType)},
	}
}

func userSelectable() []string { return propNames(userProps(&User{})) }

func wireLicenses(ls []AssignedLicense) []jsonObject {
	out := make([]jsonObject, 0, len(ls))
	for _, l := range ls {
		out = append(out, jsonObject{{"disabledPlans", wireStrings(l.DisabledPlans)}, {"skuId", l.SkuID}})
	}
	return out
}

func wireExtensions(e ExtensionAttributes) jsonObject {
	out := make(jsonObject, 0, 15)
	for n := 1; n <= 15; n++ {
		out = append(out, jsonField{"extensionAttribute" + strconv.Itoa(n), wireString(e.Get(n))})
	}
	return out
}

// userSchema lists the filterable user properties. companyName,
// employeeType, employeeLeaveDateTime, otherMails and
// onPremisesExtensionAttributes/* need an advanced query (REFERENCE.md §2
// Queries; employeeLeaveDateTime is UNVERIFIED there and treated as advanced).
func userSchema() *entitySchema {
	fs := []field{
		{name: "id"}, {name: "userPrincipalName"}, {name: "displayName"}, {name: "givenName"},
		{name: "surname"}, {name: "mail"}, {name: "mailNickname"}, {name: "department"},
		{name: "employeeId"}, {name: "jobTitle"}, {name: "usageLocation"}, {name: "userType"},
		{name: "accountEnabled", kind: kBool},
		{name: "createdDateTime", kind: kDateTime},
		{name: "deletedDateTime", kind: kDateTime},
		{name: "companyName", advanced: true},
		{name: "employeeType", advanced: true},
		{name: "employeeLeaveDateTime", kind: kDateTime, advanced: true},
		{name: "otherMails", kind: kStringList, advanced: true},
		{name: "assignedLicenses", kind: kLicenseList},
	}
	for n := 1; n <= 15; n++ {
		fs = append(fs, field{name: "onPremisesExtensionAttributes/extensionAttribute" + strconv.Itoa(n), advanced: true})
	}
	return newSchema("microsoft.graph.user", "User", fs, map[string]string{"onpremisesextensionattributes": "microsoft.graph.onPremisesExtensionAttributes"})
}

// userGetter exposes a user's values to the filter evaluator.
func userGetter(u *User) getter {
	return func(f field) any {
		if n, ok := strings.CutPrefix(f.name, "onPremisesExtensionAttributes/extensionAttribute"); ok {
			i, _ := strconv.Atoi(n)
			return u.OnPremisesExtensionAttributes.Get(i)
		}
		switch f.name {
		case "id":
			return u.ID
		case "userPrincipalName":
			return u.UserPrincipalName
		case "displayName":
			return u.DisplayName
		case "givenName":
			return u.GivenName
		case "surname":
			return u.Surname
		case "mail":
			return u.Mail
		case "mailNickname":
			return u.MailNickname
		case "department":
			return u.Department
		case "employeeId":
			return u.EmployeeID
		case "jobTitle":
			return u.JobTitle
		case "usageLocation":
			return u.UsageLocation
		case "userType":
			return u.UserType
		case "accountEnabled":
			return u.AccountEnabled
		case "createdDateTime":
			return u.CreatedDateTime
		case "deletedDateTime":
			return u.DeletedDateTime
		case "companyName":
			return u.CompanyName
		case "employeeType":
			return u.EmployeeType
		case "employeeLeaveDateTime":
			return u.EmployeeLeaveDateTime
		case "otherMails":
			return u.OtherMails
		case "assignedLicenses":
			return u.AssignedLicenses
		}
		return nil
	}
}

func userSortKey(u *User, orderBy string) string {
	switch orderBy {
	case "displayName":
		return strings.ToLower(u.DisplayName)
	case "userPrincipalName":
		return strings.ToLower(u.UserPrincipalName)
	}
	return ""
}

// visibleUser finds a live user by id or UPN for a read; a user created less
// than ReplicationLag ago answers 404 like a replica that has not seen it yet
// (REFERENCE.md §2 Faults, consistency).
func (c *call) visibleUser(key string) (*userRec, *graphError) {
	u := c.st.userByKey(key)
	if u == nil {
		return nil, notFound(key)
	}
	if c.hidden(u.createdAt) {
		e := notFound(key)
		e.fault = FaultReplicationLag
		return nil, e
	}
	return u, nil
}

// existingUser finds a live user by id or UPN for a write (no lag).
func (c *call) existingUser(key string) (*userRec, *graphError) {
	if u := c.st.userByKey(key); u != nil {
		return u, nil
	}
	return nil, notFound(key)
}

func (c *call) userEntity(u *User, sel []string) jsonObject {
	return project(userProps(u), sel, jsonField{"@odata.context", c.base + "/$metadata#users/$entity"})
}

func handleListUsers(c *call) reply {
	q, err := c.listQuery(collectionOptions{schema: c.s.userSchema, selectable: userSelectable(), orderable: []string{"displayName", "userPrincipalName"}})
	if err != nil {
		return failed(err)
	}
	var items []listItem
	for _, u := range c.st.users {
		if c.hidden(u.createdAt) || (q.filter != nil && !q.filter.match(userGetter(&u.User))) {
			continue
		}
		items = append(items, listItem{key: userSortKey(&u.User, q.orderBy), id: u.ID, render: func() jsonObject { return project(userProps(&u.User), q.sel) }})
	}
	return c.page(items, q, "users")
}

// handleCountUsers answers GET /users/$count as text/plain; it needs
// ConsistencyLevel: eventual.
func handleCountUsers(c *call) reply {
	if !c.eventual() {
		return failed(directoryBadRequest("$count is not currently supported."))
	}
	var f *compiledFilter
	if v := c.query.Get("$filter"); v != "" {
		cf, err := compileFilter(v, c.s.userSchema)
		if err != nil {
			return failed(err)
		}
		f = cf
	}
	n := 0
	for _, u := range c.st.users {
		if !c.hidden(u.createdAt) && (f == nil || f.match(userGetter(&u.User))) {
			n++
		}
	}
	return reply{status: http.StatusOK, raw: []byte(strconv.Itoa(n)), ctype: "text/plain"}
}

func handleGetUser(c *call) reply {
	sel, err := c.selectOnly(userSelectable(), "microsoft.graph.user")
	if err != nil {
		return failed(err)
	}
	u, err := c.visibleUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	return ok(c.userEntity(&u.User, sel))
}

// selectOnly parses $select on a single-entity GET.
func (c *call) selectOnly(selectable []string, typeName string) ([]string, *graphError) {
	for k, v := range c.query {
		if strings.EqualFold(k, "$select") && len(v) > 0 {
			return parseSelect(v[0], selectable, typeName)
		}
	}
	return nil, nil
}

func handleCreateUser(c *call) reply {
	if err := c.jsonWrite(); err != nil {
		return failed(err)
	}
	m, err := decodeObject(c.body)
	if err != nil {
		return failed(err)
	}
	var u User
	if err := applyUserFields(&u, m, true, c.s.cfg.Domain); err != nil {
		return failed(err)
	}
	if c.st.upnTaken(u.UserPrincipalName, "") {
		return failed(conflictUPN())
	}
	u.ID = c.st.newID()
	u.CreatedDateTime = c.now
	if u.UserType == "" {
		u.UserType = "Member"
	}
	rec := &userRec{User: u, createdAt: c.now}
	c.st.users[u.ID] = rec
	return created(c.userEntity(&rec.User, nil))
}

func conflictUPN() *graphError {
	e := directoryBadRequest(MsgDuplicateUPN)
	e.details = []errorDetail{{code: CodeObjectConflict, target: "userPrincipalName"}}
	return e
}

func handlePatchUser(c *call) reply {
	if err := c.jsonWrite(); err != nil {
		return failed(err)
	}
	u, err := c.existingUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	m, err := decodeObject(c.body)
	if err != nil {
		return failed(err)
	}
	next := cloneUser(u.User)
	if err := applyUserFields(&next, m, false, c.s.cfg.Domain); err != nil {
		return failed(err)
	}
	if !strings.EqualFold(next.UserPrincipalName, u.UserPrincipalName) && c.st.upnTaken(next.UserPrincipalName, u.ID) {
		return failed(conflictUPN())
	}
	if next.UsageLocation != u.UsageLocation {
		u.prevUsageLocation = c.effectiveUsageLocation(u)
		u.usageLocationSetAt = c.now
	}
	u.User = next
	return noContent()
}

// effectiveUsageLocation is the usage location assignLicense sees: a value
// PATCHed less than ReplicationLag ago is not seen yet (REFERENCE.md §2 Licenses).
func (c *call) effectiveUsageLocation(u *userRec) string {
	if c.hidden(u.usageLocationSetAt) {
		return u.prevUsageLocation
	}
	return u.UsageLocation
}

func handleDeleteUser(c *call) reply {
	u, err := c.existingUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	c.st.softDelete(u, c.now)
	return noContent()
}

// softDelete moves a user to deleted items (restorable for 30 days,
// REFERENCE.md §2 Users). Group memberships and assignedLicenses are kept
// and return on restore; the licenses stop consuming seats (see consumed).
func (st *state) softDelete(u *userRec, now time.Time) {
	delete(st.users, u.ID)
	u.DeletedDateTime = now
	st.deleted[u.ID] = u
}

func handleRevokeSessions(c *call) reply {
	u, err := c.existingUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	u.SignInSessionsValidFromDateTime = c.now
	return ok(jsonObject{{"@odata.context", c.base + "/$metadata#Edm.Boolean"}, {"value", true}})
}

// jsonWrite refuses a user write whose body is not declared JSON: Graph
// answers 400 "Entity only allows writes with a JSON Content-Type header."
// (reported for POST /users in microsoftgraph/msgraph-sample-pythondjangoapp
// issue 22; the docs list Content-Type: application/json as required).
func (c *call) jsonWrite() *graphError {
	mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return badRequest("Entity only allows writes with a JSON Content-Type header.")
	}
	return nil
}
