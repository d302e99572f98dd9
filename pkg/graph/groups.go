package graph

import (
	"context"
	"net/url"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// AddMember adds userID to groupID with POST /groups/{id}/members/$ref.
// Already a member (400 "… already exist …") is success; a user just
// created may 404 for a moment (withLag).
// (learn.microsoft.com/graph/api/group-post-members)
func (c *Client) AddMember(ctx context.Context, groupID, userID string) error {
	if groupID == "" || userID == "" {
		return domain.Errorf(domain.Invalid, "%s: group and user ids are required", opAddMember)
	}
	ref := models.NewReferenceCreate()
	odataID := c.cfg.BaseURL + "/directoryObjects/" + url.PathEscape(userID)
	ref.SetOdataId(&odataID)
	return c.withLag(ctx, func() error {
		err := c.sdk.Groups().ByGroupId(groupID).Members().Ref().Post(ctx, ref, nil)
		if f, ok := faultOf(err, c.cfg.Clock.Now()); ok && f.Status == 400 &&
			strings.Contains(strings.ToLower(f.Message), "already exist") {
			return nil
		}
		return c.classify(opAddMember, err)
	})
}

// RemoveMember removes userID from groupID with
// DELETE /groups/{id}/members/{id}/$ref — never without /$ref, which would
// delete the user itself (REFERENCE §2 "Groups"). Not a member (404) is
// success.
// (learn.microsoft.com/graph/api/group-delete-members)
func (c *Client) RemoveMember(ctx context.Context, groupID, userID string) error {
	if groupID == "" || userID == "" {
		return domain.Errorf(domain.Invalid, "%s: group and user ids are required", opRemoveMember)
	}
	err := c.classify(opRemoveMember, c.sdk.Groups().ByGroupId(groupID).Members().ByDirectoryObjectId(userID).Ref().Delete(ctx, nil))
	if domain.ErrorCode(err) == domain.NotFound {
		return nil
	}
	return err
}

// MemberOf lists the ids of the groups userID is a member of, directly or
// through nested groups, with GET /users/{id}/transitiveMemberOf, following
// @odata.nextLink. transitiveMemberOf needs only User.Read.All where
// memberOf of another user needs Directory.Read.All (docs/permissions.md).
// Directory roles and administrative units in the answer are skipped here
// rather than with the /microsoft.graph.group cast, which would need an
// advanced query (ConsistencyLevel: eventual and $count); an entry without
// @odata.type is taken as a group.
// (learn.microsoft.com/graph/api/user-list-transitivememberof)
func (c *Client) MemberOf(ctx context.Context, userID string) ([]string, error) {
	if userID == "" {
		return nil, domain.Errorf(domain.Invalid, "%s: empty user id", opMemberOf)
	}
	var ids []string
	err := c.withLag(ctx, func() error {
		ids = nil
		top := int32(c.cfg.PageSize)
		b := c.sdk.Users().ByUserId(userID).TransitiveMemberOf()
		resp, err := b.Get(ctx, &users.ItemTransitiveMemberOfRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemTransitiveMemberOfRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: &top},
		})
		for {
			if err != nil {
				return c.classify(opMemberOf, err)
			}
			for _, o := range resp.GetValue() {
				if o == nil || o.GetId() == nil {
					continue
				}
				if t := deref(o.GetOdataType()); t != "" && t != "#microsoft.graph.group" {
					continue
				}
				ids = append(ids, *o.GetId())
			}
			next := deref(resp.GetOdataNextLink())
			if next == "" {
				return nil
			}
			resp, err = b.WithUrl(next).Get(ctx, nil)
		}
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}
