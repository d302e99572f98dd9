package graph

import (
	"context"
	"log/slog"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/directory"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/odata"
)

// advancedQuery returns the headers of an advanced directory query:
// ConsistencyLevel: eventual (to be sent with $count=true; REFERENCE §2
// "Queries").
func advancedQuery() *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	h.Add("ConsistencyLevel", "eventual")
	return h
}

// FindUser returns the user whose userPrincipalName is upn; NotFound when
// there is none. The UPN is escaped with odata.String.
// (learn.microsoft.com/graph/api/user-list)
func (c *Client) FindUser(ctx context.Context, upn string) (domain.User, error) {
	if upn == "" {
		return domain.User{}, domain.Errorf(domain.Invalid, "%s: empty userPrincipalName", opFindUser)
	}
	filter := upnFilter(upn)
	top := int32(2)
	resp, err := c.sdk.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Select: userFields(), Top: &top},
	})
	if err != nil {
		return domain.User{}, c.classify(opFindUser, err)
	}
	for _, u := range resp.GetValue() {
		if du := toUser(u); strings.EqualFold(du.UPN, upn) {
			return du, nil
		}
	}
	return domain.User{}, domain.Errorf(domain.NotFound, "%s: no user %s", opFindUser, upn)
}

// GetUser returns the user with object id id; NotFound when absent after
// the replication-lag retries (withLag).
// (learn.microsoft.com/graph/api/user-get)
func (c *Client) GetUser(ctx context.Context, id string) (domain.User, error) {
	if id == "" {
		return domain.User{}, domain.Errorf(domain.Invalid, "%s: empty id", opGetUser)
	}
	var out domain.User
	err := c.withLag(ctx, func() error {
		u, err := c.sdk.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userFields()},
		})
		if err != nil {
			return c.classify(opGetUser, err)
		}
		out = toUser(u)
		return nil
	})
	return out, err
}

// CreateUser creates u with every attribute set at creation and an initial
// password that must be changed at first sign-in. Conflict when the UPN is
// taken (400 ObjectConflict; REFERENCE §2 "Users").
// (learn.microsoft.com/graph/api/user-post-users)
func (c *Client) CreateUser(ctx context.Context, u domain.User, password string) (domain.User, error) {
	switch {
	case u.UPN == "", u.DisplayName == "", u.MailNickname == "":
		return domain.User{}, domain.Errorf(domain.Invalid, "%s: userPrincipalName, displayName and mailNickname are required", opCreateUser)
	case password == "":
		return domain.User{}, domain.Errorf(domain.Invalid, "%s: an initial password is required", opCreateUser)
	}
	m := models.NewUser()
	m.SetUserPrincipalName(&u.UPN)
	m.SetDisplayName(&u.DisplayName)
	m.SetMailNickname(&u.MailNickname)
	m.SetAccountEnabled(&u.AccountEnabled)
	for _, p := range []struct {
		v   string
		set func(*string)
	}{
		{u.GivenName, m.SetGivenName}, {u.Surname, m.SetSurname}, {u.UsageLocation, m.SetUsageLocation},
		{u.CompanyName, m.SetCompanyName}, {u.Department, m.SetDepartment}, {u.EmployeeType, m.SetEmployeeType},
	} {
		if p.v != "" {
			p.set(&p.v)
		}
	}
	if !u.EmployeeLeaveDateTime.IsZero() {
		m.SetEmployeeLeaveDateTime(utc(u.EmployeeLeaveDateTime))
	}
	if len(u.OtherMails) > 0 {
		m.SetOtherMails(append([]string(nil), u.OtherMails...))
	}
	ext := map[string]string{}
	for k, v := range u.Extensions {
		if v != "" {
			ext[k] = v
		}
	}
	if len(ext) > 0 {
		a, err := extensionsModel(opCreateUser, ext)
		if err != nil {
			return domain.User{}, err
		}
		m.SetOnPremisesExtensionAttributes(a)
	}
	pp := models.NewPasswordProfile()
	force := true
	pp.SetPassword(&password)
	pp.SetForceChangePasswordNextSignIn(&force)
	m.SetPasswordProfile(pp)

	created, err := c.sdk.Users().Post(ctx, m, nil)
	if err != nil {
		return domain.User{}, c.classify(opCreateUser, err)
	}
	out := toUser(created)
	if out.ID == "" {
		return domain.User{}, domain.Errorf(domain.Internal, "%s: Graph answered without an id", opCreateUser)
	}
	// The create response does not echo every $select-only property; what
	// we sent is what the account now holds.
	want := u
	want.ID = out.ID
	if out.UPN != "" {
		want.UPN = out.UPN
	}
	want.SKUIDs = out.SKUIDs
	if len(ext) == 0 {
		want.Extensions = nil
	} else {
		want.Extensions = ext
	}
	return want, nil
}

// UpdateUser PATCHes only the properties c changes; an empty string or a
// zero time clears the property (JSON null). Extension attributes go in
// onPremisesExtensionAttributes. An empty change sends nothing.
// (learn.microsoft.com/graph/api/user-update)
func (c *Client) UpdateUser(ctx context.Context, id string, ch domain.UserChanges) error {
	if id == "" {
		return domain.Errorf(domain.Invalid, "%s: empty id", opUpdateUser)
	}
	if ch.Empty() {
		return nil
	}
	m := models.NewUser()
	nulls := map[string]any{}
	if ch.AccountEnabled != nil {
		v := *ch.AccountEnabled
		m.SetAccountEnabled(&v)
	}
	if ch.DisplayName != nil {
		if *ch.DisplayName == "" {
			return domain.Errorf(domain.Invalid, "%s: displayName cannot be cleared", opUpdateUser)
		}
		v := *ch.DisplayName
		m.SetDisplayName(&v)
	}
	for _, p := range []struct {
		v   *string
		key string
		set func(*string)
	}{
		{ch.GivenName, "givenName", m.SetGivenName}, {ch.Surname, "surname", m.SetSurname},
		{ch.UsageLocation, "usageLocation", m.SetUsageLocation}, {ch.CompanyName, "companyName", m.SetCompanyName},
		{ch.Department, "department", m.SetDepartment}, {ch.EmployeeType, "employeeType", m.SetEmployeeType},
	} {
		if p.v != nil {
			strOrNull(*p.v, p.key, p.set, nulls)
		}
	}
	if ch.EmployeeLeaveDateTime != nil {
		if ch.EmployeeLeaveDateTime.IsZero() {
			nulls["employeeLeaveDateTime"] = nil
		} else {
			m.SetEmployeeLeaveDateTime(utc(*ch.EmployeeLeaveDateTime))
		}
	}
	if ch.OtherMails != nil {
		m.SetOtherMails(append([]string{}, ch.OtherMails...))
	}
	if len(ch.Extensions) > 0 {
		a, err := extensionsModel(opUpdateUser, ch.Extensions)
		if err != nil {
			return err
		}
		m.SetOnPremisesExtensionAttributes(a)
	}
	if len(nulls) > 0 {
		m.SetAdditionalData(nulls)
	}
	return c.withLag(ctx, func() error {
		_, err := c.sdk.Users().ByUserId(id).Patch(ctx, m, nil)
		return c.classify(opUpdateUser, err)
	})
}

// SetPassword replaces the user's password through passwordProfile.
// (learn.microsoft.com/graph/api/resources/passwordprofile)
func (c *Client) SetPassword(ctx context.Context, id, password string, forceChange bool) error {
	if id == "" || password == "" {
		return domain.Errorf(domain.Invalid, "%s: id and password are required", opSetPassword)
	}
	m := models.NewUser()
	pp := models.NewPasswordProfile()
	pp.SetPassword(&password)
	pp.SetForceChangePasswordNextSignIn(&forceChange)
	m.SetPasswordProfile(pp)
	return c.withLag(ctx, func() error {
		_, err := c.sdk.Users().ByUserId(id).Patch(ctx, m, nil)
		return c.classify(opSetPassword, err)
	})
}

// DeleteUser soft-deletes the user (restorable for 30 days); NotFound when
// there is no such live user.
// (learn.microsoft.com/graph/api/user-delete)
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	if id == "" {
		return domain.Errorf(domain.Invalid, "%s: empty id", opDeleteUser)
	}
	return c.classify(opDeleteUser, c.sdk.Users().ByUserId(id).Delete(ctx, nil))
}

// FindDeletedUser finds a soft-deleted user by UPN in
// /directory/deletedItems/microsoft.graph.user; NotFound if none.
//
// It asks for userPrincipalName eq upn first. Entra is reported to prefix
// a deleted user's UPN with its object id without dashes (UNVERIFIED
// here), so when that finds nothing it asks once more with
// endsWith(userPrincipalName, upn) as an advanced query and accepts only
// an exact match or that 32-hex-digit prefix.
// (learn.microsoft.com/graph/api/directory-deleteditems-list)
func (c *Client) FindDeletedUser(ctx context.Context, upn string) (domain.User, error) {
	if upn == "" {
		return domain.User{}, domain.Errorf(domain.Invalid, "%s: empty userPrincipalName", opFindDeletedUser)
	}
	deleted := c.sdk.Directory().DeletedItems().GraphUser()
	eq := upnFilter(upn)
	resp, err := deleted.Get(ctx, &directory.DeletedItemsGraphUserRequestBuilderGetRequestConfiguration{
		QueryParameters: &directory.DeletedItemsGraphUserRequestBuilderGetQueryParameters{Filter: &eq, Select: userFields()},
	})
	if err != nil {
		return domain.User{}, c.classify(opFindDeletedUser, err)
	}
	if u, ok := matchDeleted(resp.GetValue(), upn); ok {
		return u, nil
	}
	suffix := "endsWith(userPrincipalName," + odata.String(upn) + ")"
	count := true
	resp, err = deleted.Get(ctx, &directory.DeletedItemsGraphUserRequestBuilderGetRequestConfiguration{
		Headers:         advancedQuery(),
		QueryParameters: &directory.DeletedItemsGraphUserRequestBuilderGetQueryParameters{Filter: &suffix, Select: userFields(), Count: &count},
	})
	if err != nil {
		cerr := c.classify(opFindDeletedUser, err)
		if domain.ErrorCode(cerr) != domain.Invalid {
			return domain.User{}, cerr
		}
		// The exact query has answered; a tenant that refuses the suffix
		// query has no prefixed UPNs to find.
		c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "graph: deleted-user suffix query refused", slog.Any("error", cerr))
	} else if u, ok := matchDeleted(resp.GetValue(), upn); ok {
		return u, nil
	}
	return domain.User{}, domain.Errorf(domain.NotFound, "%s: no deleted user %s", opFindDeletedUser, upn)
}

// matchDeleted picks the deleted user whose UPN is upn, or upn behind a
// 32-hex-digit object-id prefix.
func matchDeleted(list []models.Userable, upn string) (domain.User, bool) {
	for _, m := range list {
		u := toUser(m)
		if strings.EqualFold(u.UPN, upn) {
			return u, true
		}
		if len(u.UPN) == len(upn)+32 && strings.EqualFold(u.UPN[32:], upn) && isHexString(u.UPN[:32]) {
			return u, true
		}
	}
	return domain.User{}, false
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// RestoreUser restores a soft-deleted user and returns it as it now is.
// (learn.microsoft.com/graph/api/directory-deleteditems-restore)
func (c *Client) RestoreUser(ctx context.Context, id string) (domain.User, error) {
	if id == "" {
		return domain.User{}, domain.Errorf(domain.Invalid, "%s: empty id", opRestoreUser)
	}
	if _, err := c.sdk.Directory().DeletedItems().ByDirectoryObjectId(id).Restore().Post(ctx, nil); err != nil {
		return domain.User{}, c.classify(opRestoreUser, err)
	}
	// The restore answer is a bare directoryObject; read the user back with
	// every property we use (replication may lag: GetUser retries).
	return c.GetUser(ctx, id)
}

// ListUsers pages through the users q selects, calling fn for each; fn's
// error stops the listing and is returned unchanged. It is an advanced
// query (ConsistencyLevel: eventual, $count=true) because extension
// attributes and employeeLeaveDateTime need one, and it follows
// @odata.nextLink until it is absent (REFERENCE §2 "Queries").
// (learn.microsoft.com/graph/aad-advanced-queries)
func (c *Client) ListUsers(ctx context.Context, q domain.UserQuery, fn func(domain.User) error) error {
	filter, err := usersFilter(q)
	if err != nil {
		return err
	}
	size := q.PageSize
	if size == 0 {
		size = c.cfg.PageSize
	}
	if size < 1 || size > MaxPageSize {
		return domain.Errorf(domain.Invalid, "%s: page size %d outside 1..%d", opListUsers, size, MaxPageSize)
	}
	top, count := int32(size), true
	fields := userFields()
	if q.Brief {
		fields = briefUserFields()
	}
	params := &users.UsersRequestBuilderGetQueryParameters{Select: fields, Top: &top, Count: &count}
	if filter != "" {
		params.Filter = &filter
	}
	resp, err := c.sdk.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{Headers: advancedQuery(), QueryParameters: params})
	for {
		if err != nil {
			return c.classify(opListUsers, err)
		}
		for _, u := range resp.GetValue() {
			if err := fn(toUser(u)); err != nil {
				return err
			}
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return nil
		}
		// The next link carries the whole query; only the headers are sent
		// again. A link to another host gets no token (allowed hosts).
		resp, err = c.sdk.Users().WithUrl(next).Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{Headers: advancedQuery()})
	}
}
