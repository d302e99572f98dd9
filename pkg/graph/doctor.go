package graph

import (
	"context"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// The reads below serve `vendorflow doctor` and `vendorflow plan` (which
// predicts with them what Graph would refuse at write time); the engine
// never makes them. docs/permissions.md lists each with its permission.

// tapConfigurationID is the TAP method's id in the authentication methods
// policy (the "Update" page's spelling).
const tapConfigurationID = "TemporaryAccessPass"

// TAPPolicy reads the tenant's Temporary Access Pass policy with GET
// /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass
// (Policy.Read.AuthenticationMethod).
// (learn.microsoft.com/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get)
func (c *Client) TAPPolicy(ctx context.Context) (domain.TAPPolicy, error) {
	got, err := c.sdk.Policies().AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId(tapConfigurationID).Get(ctx, nil)
	if err != nil {
		return domain.TAPPolicy{}, c.classify(opTAPPolicy, err)
	}
	t, ok := got.(models.TemporaryAccessPassAuthenticationMethodConfigurationable)
	if !ok {
		return domain.TAPPolicy{}, domain.Errorf(domain.Internal, "%s: the answer is not a temporaryAccessPassAuthenticationMethodConfiguration", opTAPPolicy)
	}
	minutes := func(p *int32) time.Duration { return time.Duration(deref(p)) * time.Minute }
	p := domain.TAPPolicy{
		Enabled:     t.GetState() != nil && *t.GetState() == models.ENABLED_AUTHENTICATIONMETHODSTATE,
		MinLifetime: minutes(t.GetMinimumLifetimeInMinutes()),
		MaxLifetime: minutes(t.GetMaximumLifetimeInMinutes()),
		UsableOnce:  deref(t.GetIsUsableOnce()),
	}
	for _, target := range t.GetIncludeTargets() {
		if id := deref(target.GetId()); id == "all_users" {
			p.AllUsers = true
		} else if id != "" {
			p.IncludeGroups = append(p.IncludeGroups, id)
		}
	}
	for _, target := range t.GetExcludeTargets() {
		if id := deref(target.GetId()); id != "" {
			p.ExcludeGroups = append(p.ExcludeGroups, id)
		}
	}
	return p, nil
}

// GetGroup reads a group's id and display name with GET /groups/{id}
// (GroupMember.Read.All); NotFound when there is none.
// (learn.microsoft.com/graph/api/group-get)
func (c *Client) GetGroup(ctx context.Context, id string) (domain.Group, error) {
	if id == "" {
		return domain.Group{}, domain.Errorf(domain.Invalid, "%s: a group id is required", opGetGroup)
	}
	g, err := c.sdk.Groups().ByGroupId(id).Get(ctx, &groups.GroupItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupItemRequestBuilderGetQueryParameters{Select: []string{"id", "displayName"}},
	})
	if err != nil {
		return domain.Group{}, c.classify(opGetGroup, err)
	}
	return domain.Group{ID: deref(g.GetId()), DisplayName: deref(g.GetDisplayName())}, nil
}

// MailAddress reads the primary SMTP address (mail) of the user upn with
// GET /users/{upn}?$select=id,mail (User.Read.All): Exchange Online sets it
// when it provisions the user's mailbox, so an empty one means no mailbox
// to send from. NotFound when there is no such user.
// (learn.microsoft.com/graph/api/resources/user, "mail")
func (c *Client) MailAddress(ctx context.Context, upn string) (string, error) {
	if upn == "" {
		return "", domain.Errorf(domain.Invalid, "%s: a user principal name is required", opGetUser)
	}
	u, err := c.sdk.Users().ByUserId(upn).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "mail"}},
	})
	if err != nil {
		return "", c.classify(opGetUser, err)
	}
	return deref(u.GetMail()), nil
}
