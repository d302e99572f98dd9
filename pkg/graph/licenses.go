package graph

import (
	"context"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// ListSKUs returns the tenant's subscribed SKUs. Enabled is
// prepaidUnits.enabled and Consumed is consumedUnits, so Free() is the
// number of unassigned seats (REFERENCE §2 "Licenses").
// (learn.microsoft.com/graph/api/subscribedsku-list)
func (c *Client) ListSKUs(ctx context.Context) ([]domain.SKU, error) {
	resp, err := c.sdk.SubscribedSkus().Get(ctx, nil)
	var out []domain.SKU
	for {
		if err != nil {
			return nil, c.classify(opListSKUs, err)
		}
		for _, s := range resp.GetValue() {
			if s == nil || s.GetSkuId() == nil {
				continue
			}
			sku := domain.SKU{
				ID:         s.GetSkuId().String(),
				PartNumber: deref(s.GetSkuPartNumber()),
				Consumed:   int(deref(s.GetConsumedUnits())),
			}
			if p := s.GetPrepaidUnits(); p != nil {
				sku.Enabled = int(deref(p.GetEnabled()))
			}
			out = append(out, sku)
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" {
			return out, nil
		}
		resp, err = c.sdk.SubscribedSkus().WithUrl(next).Get(ctx, nil)
	}
}

// AssignLicenses adds and removes licenses by skuId in one assignLicense
// call (all service plans enabled). No free seat is Business; an invalid
// usage location right after it was set is Transient; a user just created
// may 404 for a moment (withLag).
// (learn.microsoft.com/graph/api/user-assignlicense)
func (c *Client) AssignLicenses(ctx context.Context, userID string, add, remove []string) error {
	if userID == "" {
		return domain.Errorf(domain.Invalid, "%s: empty user id", opAssignLicenses)
	}
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	body := users.NewItemAssignLicensePostRequestBody()
	adds := make([]models.AssignedLicenseable, 0, len(add))
	for _, s := range add {
		id, err := uuid.Parse(s)
		if err != nil {
			return domain.Errorf(domain.Invalid, "%s: skuId %q is not a GUID", opAssignLicenses, s)
		}
		l := models.NewAssignedLicense()
		l.SetSkuId(&id)
		l.SetDisabledPlans([]uuid.UUID{})
		adds = append(adds, l)
	}
	removes := make([]uuid.UUID, 0, len(remove))
	for _, s := range remove {
		id, err := uuid.Parse(s)
		if err != nil {
			return domain.Errorf(domain.Invalid, "%s: skuId %q is not a GUID", opAssignLicenses, s)
		}
		removes = append(removes, id)
	}
	// Both lists are required, possibly empty.
	body.SetAddLicenses(adds)
	body.SetRemoveLicenses(removes)
	return c.withLag(ctx, func() error {
		_, err := c.sdk.Users().ByUserId(userID).AssignLicense().Post(ctx, body, nil)
		return c.classify(opAssignLicenses, err)
	})
}
