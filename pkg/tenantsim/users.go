package tenantsim

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// userProps is the wire form of a user. The default set (def) is Graph
// v1.0's: businessPhones, displayName, givenName, jobTitle, mail,
// mobilePhone, officeLocation, preferredLanguage, surname,
// userPrincipalName, id; everything else is returned only when $selected
// (resources/user.md). passwordProfile is selectable but always null.
func userProps(u *User) []prop {
	s := func(v string) func() any { return func() any { return wireString(v) } }
	null := func() any { return nil }
	return []prop{
		{"businessPhones", true, func() any { return wireStrings(u.BusinessPhones) }},
		{"displayName", true, s(u.DisplayName)},
		{"givenName", true, s(u.GivenName)},
		{"jobTitle", true, s(u.JobTitle)},
		{"mail", true, s(u.Mail)},
		{"mobilePhone", true, s(u.MobilePhone)},
		{"officeLocation", true, s(u.OfficeLocation)},
		{"preferredLanguage", true, s(u.PreferredLanguage)},
		{"surname", true, s(u.Surname)},
		{"userPrincipalName", true, s(u.UserPrincipalName)},
		{"id", true, s(u.ID)},
		{"accountEnabled", false, func() any { return u.AccountEnabled }},
		{"ageGroup", false, s(u.AgeGroup)},
		{"assignedLicenses", false, func() any { return wireLicenses(u.AssignedLicenses) }},
		{"city", false, s(u.City)},
		{"companyName", false, s(u.CompanyName)},
		{"consentProvidedForMinor", false, s(u.ConsentProvidedForMinor)},
		{"country", false, s(u.Country)},
		{"createdDateTime", false, func() any { return wireTime(u.CreatedDateTime) }},
		{"deletedDateTime", false, func() any { return wireTime(u.DeletedDateTime) }},
		{"department", false, s(u.Department)},
		{"employeeHireDate", false, func() any { return wireTime(u.EmployeeHireDate) }},
		{"employeeId", false, s(u.EmployeeID)},
		{"employeeLeaveDateTime", false, func() any { return wireTime(u.EmployeeLeaveDateTime) }},
		{"employeeOrgData", false, func() any { return wireOrgData(u.EmployeeOrgData) }},
		{"employeeType", false, s(u.EmployeeType)},
		{"faxNumber", false, s(u.FaxNumber)},
		{"identities", false, func() any { return wireIdentities(u) }},
		{"mailNickname", false, s(u.MailNickname)},
		{"onPremisesExtensionAttributes", false, func() any { return wireExtensions(u.OnPremisesExtensionAttributes) }},
		{"onPremisesImmutableId", false, s(u.OnPremisesImmutableID)},
		{"otherMails", false, func() any { return wireStrings(u.OtherMails) }},
		{"passwordPolicies", false, s(u.PasswordPolicies)},
		{"passwordProfile", false, null},
		{"postalCode", false, s(u.PostalCode)},
		{"showInAddressList", false, func() any { return u.ShowInAddressList }},
		{"signInSessionsValidFromDateTime", false, func() any { return wireTime(u.SignInSessionsValidFromDateTime) }},
		{"state", false, s(u.State)},
		{"streetAddress", false, s(u.StreetAddress)},
		{"usageLocation", false, s(u.UsageLocation)},
		{"userType", false, s(u.UserType)},
	}
}

// wireOrgData renders employeeOrgData; unset is null.
func wireOrgData(d EmployeeOrgData) any {
	if d == (EmployeeOrgData{}) {
		return nil
	}
	return jsonObject{{"division", wireString(d.Division)}, {"costCenter", wireString(d.CostCenter)}}
}

// wireIdentities renders identities: the userPrincipalName identity, which
// every member user has (issuer: the UPN's domain), then the stored ones.
func wireIdentities(u *User) []jsonObject {
	out := []jsonObject{}
	if at := strings.LastIndexByte(u.UserPrincipalName, '@'); at >= 0 {
		out = append(out, jsonObject{{"signInType", "userPrincipalName"}, {"issuer", u.UserPrincipalName[at+1:]}, {"issuerAssignedId", u.UserPrincipalName}})
	}
	for _, id := range u.Identities {
		out = append(out, jsonObject{{"signInType", id.SignInType}, {"issuer", id.Issuer}, {"issuerAssignedId", id.IssuerAssignedID}})
	}
	return out
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

// userSchema lists the filterable user properties and which of them
// Graph filters only as an advanced query (includes/filter-directory-objects.md
// in the docs, the eq column; employeeLeaveDateTime is not in that table and
// is treated as advanced, REFERENCE.md §2 Queries).
func userSchema() *entitySchema {
	fs := []field{
		{name: "id"}, {name: "userPrincipalName"}, {name: "displayName"}, {name: "givenName"},
		{name: "surname"}, {name: "mail"}, {name: "mailNickname"}, {name: "department"},
		{name: "employeeId"}, {name: "jobTitle"}, {name: "usageLocation"}, {name: "userType"},
		{name: "city"}, {name: "country"}, {name: "state"}, {name: "ageGroup"}, {name: "consentProvidedForMinor"},
		{name: "accountEnabled", kind: kBool},
		{name: "createdDateTime", kind: kDateTime},
		{name: "deletedDateTime", kind: kDateTime},
		{name: "companyName", advanced: true},
		{name: "employeeType", advanced: true},
		{name: "mobilePhone", advanced: true},
		{name: "officeLocation", advanced: true},
		{name: "postalCode", advanced: true},
		{name: "preferredLanguage", advanced: true},
		{name: "streetAddress", advanced: true},
		{name: "passwordPolicies", advanced: true},
		{name: "onPremisesImmutableId", advanced: true},
		{name: "showInAddressList", kind: kBool, advanced: true},
		{name: "employeeHireDate", kind: kDateTime, advanced: true},
		{name: "employeeLeaveDateTime", kind: kDateTime, advanced: true},
		{name: "otherMails", kind: kStringList, advanced: true},
		{name: "assignedLicenses", kind: kLicenseList},
	}
	for n := 1; n <= 15; n++ {
		fs = append(fs, field{name: "onPremisesExtensionAttributes/extensionAttribute" + strconv.Itoa(n), advanced: true, ext: n})
	}
	return newSchema("microsoft.graph.user", "User", fs, map[string]string{"onpremisesextensionattributes": "microsoft.graph.onPremisesExtensionAttributes"})
}

// userGetter exposes a user's values to the filter evaluator.
func userGetter(u *User) getter {
	return func(f field) any {
		if f.ext > 0 {
			return u.OnPremisesExtensionAttributes.Get(f.ext)
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
		case "city":
			return u.City
		case "country":
			return u.Country
		case "state":
			return u.State
		case "ageGroup":
			return u.AgeGroup
		case "consentProvidedForMinor":
			return u.ConsentProvidedForMinor
		case "mobilePhone":
			return u.MobilePhone
		case "officeLocation":
			return u.OfficeLocation
		case "postalCode":
			return u.PostalCode
		case "preferredLanguage":
			return u.PreferredLanguage
		case "streetAddress":
			return u.StreetAddress
		case "passwordPolicies":
			return u.PasswordPolicies
		case "onPremisesImmutableId":
			return u.OnPremisesImmutableID
		case "showInAddressList":
			if u.ShowInAddressList == nil {
				return nil
			}
			return *u.ShowInAddressList
		case "employeeHireDate":
			return u.EmployeeHireDate
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
	case "createdDateTime":
		return timeSortKey(u.CreatedDateTime)
	case "deletedDateTime":
		return timeSortKey(u.DeletedDateTime)
	}
	return ""
}

// timeSortKey is a fixed-width UTC timestamp, so that keys sort as times.
func timeSortKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000") }

// userOptions describes the users collection: $orderby on displayName and
// userPrincipalName by default, on createdDateTime only in an advanced
// query (concepts/aad-advanced-queries.md).
func userOptions(c *call) collectionOptions {
	return collectionOptions{schema: c.s.userSchema, selectable: userSelectable(),
		orderable: []string{"displayName", "userPrincipalName", "createdDateTime"}, advancedOrder: []string{"createdDateTime"}}
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

// userWrite is how this call checks a user body.
func (c *call) userWrite(create bool) userWrite {
	return userWrite{create: create, domain: c.s.cfg.Domain, strict: !c.s.cfg.Lenient}
}

func (c *call) userEntity(u *User, sel []string) jsonObject {
	return project(userProps(u), sel, jsonField{"@odata.context", c.entityContext("users", sel)})
}

// entityContext is a single entity's @odata.context: "…#users/$entity",
// or with $select "…#users(displayName,id)/$entity" (user-get.md, example 3).
func (c *call) entityContext(set string, sel []string) string {
	if sel != nil {
		set += "(" + strings.Join(sel, ",") + ")"
	}
	return c.base + "/$metadata#" + set + "/$entity"
}

// singleUserOnlyProps are properties Graph returns only for one user at a
// time; a $select of them on a collection answers 501 (user-list.md). The
// emulator does not model their values: a single GET returns null.
func singleUserOnlyProps() []string {
	return []string{"aboutMe", "birthday", "hireDate", "interests", "mySite", "pastProjects",
		"preferredName", "responsibilities", "schools", "skills", "mailboxSettings"}
}

func handleListUsers(c *call) reply {
	if err := c.collectionSelect(); err != nil {
		return failed(err)
	}
	q, err := c.listQuery(userOptions(c))
	if err != nil {
		return failed(err)
	}
	var items []listItem
	candidates := c.st.users
	if upn, ok := q.filter.requiredEq("userPrincipalName"); ok {
		// the filter matches no user but the one with this name: look it
		// up rather than scan the tenant (the filter still decides)
		candidates = map[string]*userRec{}
		if u := c.st.byUPN[strings.ToLower(upn)]; u != nil {
			candidates[u.ID] = u
		}
	}
	// Only the page is rendered: the matches are narrowed first, without a
	// closure or a rendering each (a sweep pages through 100,000 users).
	type cand struct {
		key string
		u   *userRec
	}
	cands := make([]cand, 0, len(candidates))
	for _, u := range candidates {
		if c.hidden(u.createdAt) || (q.filter != nil && !q.filter.match(userGetter(&u.User))) {
			continue
		}
		cands = append(cands, cand{userSortKey(&u.User, q.orderBy), u})
	}
	total := len(cands)
	for _, x := range trimListing(cands, q, func(x cand) (string, string) { return x.key, x.u.ID }) {
		u := x.u
		items = append(items, listItem{key: x.key, id: u.ID, render: func() jsonObject { return project(userProps(&u.User), q.sel) }})
	}
	return c.pageOf(items, total, q, "users")
}

// handleCountUsers answers GET /users/$count, with an optional $filter.
func handleCountUsers(c *call) reply {
	return c.countSegment(func() (int, *graphError) {
		f, err := c.countFilter(c.s.userSchema)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, u := range c.st.users {
			if !c.hidden(u.createdAt) && (f == nil || f.match(userGetter(&u.User))) {
				n++
			}
		}
		return n, nil
	})
}

// countSegment answers a /$count segment as text/plain. Like every $count
// segment on directory objects it needs ConsistencyLevel: eventual, else
// 400 (concepts/aad-advanced-queries.md, "Error handling").
func (c *call) countSegment(count func() (int, *graphError)) reply {
	if !c.eventual() {
		return failed(directoryBadRequest("$count is not currently supported."))
	}
	n, err := count()
	if err != nil {
		return failed(err)
	}
	return reply{status: http.StatusOK, raw: []byte(strconv.Itoa(n)), ctype: "text/plain"}
}

// countFilter compiles a /$count request's $filter (nil without one).
func (c *call) countFilter(schema *entitySchema) (*compiledFilter, *graphError) {
	v := c.query.Get("$filter")
	if v == "" {
		return nil, nil
	}
	return compileFilter(v, schema)
}

func handleGetUser(c *call) reply {
	if strings.HasPrefix(c.param("id"), "$") {
		// user-get.md: a key that starts with $ must be written
		// users('$key'); after "/users/" it is a 400 (wording not verified).
		return failed(badRequest(fmt.Sprintf("Resource not found for the segment '%s'.", c.param("id"))))
	}
	sel, err := c.selectOnly(append(userSelectable(), singleUserOnlyProps()...), "microsoft.graph.user")
	if err != nil {
		return failed(err)
	}
	u, err := c.visibleUser(c.param("id"))
	if err != nil {
		return failed(err)
	}
	e := c.userEntity(&u.User, sel)
	for _, name := range sel {
		if slices.Contains(singleUserOnlyProps(), name) {
			e = append(e, jsonField{name, nil})
		}
	}
	return ok(e)
}

// collectionSelect refuses, with 501, a $select on a users collection of a
// property Graph returns only for a single user (user-list.md; the
// code and wording are not verified).
func (c *call) collectionSelect() *graphError {
	for k, v := range c.query {
		if !strings.EqualFold(k, "$select") || len(v) == 0 {
			continue
		}
		for _, p := range strings.Split(v[0], ",") {
			if i := slices.IndexFunc(singleUserOnlyProps(), func(s string) bool { return strings.EqualFold(s, strings.TrimSpace(p)) }); i >= 0 {
				return newError(http.StatusNotImplemented, "NotImplemented", fmt.Sprintf("The property '%s' is supported only when retrieving a single user.", singleUserOnlyProps()[i]))
			}
		}
	}
	return nil
}

// selectOnly parses $select on a single-entity GET.
func (c *call) selectOnly(selectable []string, typeName string) ([]string, *graphError) {
	for k, v := range c.query {
		if strings.EqualFold(k, "$select") && len(v) > 0 {
			return c.parseSelect(v[0], selectable, typeName)
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
	if err := applyUserFields(&u, m, c.userWrite(true)); err != nil {
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
	c.st.putLive(rec)
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
	if err := applyUserFields(&next, m, c.userWrite(false)); err != nil {
		return failed(err)
	}
	if !strings.EqualFold(next.UserPrincipalName, u.UserPrincipalName) && c.st.upnTaken(next.UserPrincipalName, u.ID) {
		return failed(conflictUPN())
	}
	if next.UsageLocation != u.UsageLocation {
		u.prevUsageLocation = c.effectiveUsageLocation(u)
		u.usageLocationSetAt = c.now
	}
	old := u.UserPrincipalName
	u.User = next
	c.st.reindex(u, old)
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
	st.removeLive(u)
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
	if c.s.cfg.Lenient {
		return nil
	}
	mt, _, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return badRequest("Entity only allows writes with a JSON Content-Type header.")
	}
	return nil
}
