package tenantsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// handleListSKUs answers GET /subscribedSkus. consumedUnits counts live
// users; free seats = prepaidUnits.enabled - consumedUnits; the collection
// supports no $filter (REFERENCE.md §2 Licenses).
//
// $select (subscribedsku-list.md: "supports the $select OData query
// parameter") keeps only the named properties, and names them in
// @odata.context; an unknown property is a 400, as for users.
func handleListSKUs(c *call) reply {
	var sel []string
	for k, v := range c.query {
		switch {
		case strings.EqualFold(k, "$filter"):
			return failed(badRequest("Query option 'Filter' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings."))
		case strings.EqualFold(k, "$select") && len(v) > 0:
			var gerr *graphError
			if sel, gerr = c.parseSelect(v[0], c.skuProperties(), "microsoft.graph.subscribedSku"); gerr != nil {
				return failed(gerr)
			}
		}
	}
	values := make([]jsonObject, 0, len(c.st.skus))
	for _, s := range c.st.skus {
		o := c.skuJSON(s)
		if sel != nil {
			o = slices.DeleteFunc(o, func(f jsonField) bool { return !slices.Contains(sel, f.k) })
		}
		values = append(values, o)
	}
	ctx := c.base + "/$metadata#subscribedSkus"
	if sel != nil {
		ctx += "(" + strings.Join(sel, ",") + ")"
	}
	return ok(jsonObject{{"@odata.context", ctx}, {"value", values}})
}

// skuProperties are the subscribedSku properties skuJSON renders.
func (c *call) skuProperties() []string {
	var out []string
	for _, f := range c.skuJSON(&SKU{}) {
		out = append(out, f.k)
	}
	return out
}

func (c *call) skuJSON(s *SKU) jsonObject {
	plans := make([]jsonObject, 0, len(s.ServicePlans))
	for _, p := range s.ServicePlans {
		plans = append(plans, jsonObject{
			{"servicePlanId", p.ServicePlanID}, {"servicePlanName", p.ServicePlanName},
			{"provisioningStatus", p.ProvisioningStatus}, {"appliesTo", p.AppliesTo},
		})
	}
	return jsonObject{
		{"accountName", strings.ToLower(strings.SplitN(c.s.cfg.Domain, ".", 2)[0])},
		{"accountId", c.s.cfg.TenantID},
		{"appliesTo", s.AppliesTo},
		{"capabilityStatus", s.CapabilityStatus},
		{"consumedUnits", c.st.consumed(s.SkuID)},
		{"id", c.s.cfg.TenantID + "_" + s.SkuID},
		{"skuId", s.SkuID},
		{"skuPartNumber", s.SkuPartNumber},
		{"subscriptionIds", []string{}},
		{"prepaidUnits", jsonObject{
			{"enabled", s.PrepaidUnits.Enabled}, {"suspended", s.PrepaidUnits.Suspended},
			{"warning", s.PrepaidUnits.Warning}, {"lockedOut", s.PrepaidUnits.LockedOut},
		}},
		{"servicePlans", plans},
	}
}

// handleAssignLicense answers POST /users/{id}/assignLicense (REFERENCE.md
// §2 Licenses). Checks, in order: body, user (with replication lag), SKUs,
// usage location (a PATCHed value is unseen for ReplicationLag), free seats.
// Removals apply before additions; re-adding a held SKU replaces its
// disabledPlans and takes no extra seat. Nothing changes unless all pass.
func handleAssignLicense(c *call) reply {
	var body struct {
		AddLicenses *[]struct {
			SkuID         *string  `json:"skuId"`
			DisabledPlans []string `json:"disabledPlans"`
		} `json:"addLicenses"`
		RemoveLicenses *[]*string `json:"removeLicenses"`
	}
	if _, err := decodeObject(c.body); err != nil {
		return failed(err)
	}
	if err := json.Unmarshal(c.body, &body); err != nil {
		return failed(badRequest(MsgInvalidJSON))
	}
	var missing []string
	if body.AddLicenses == nil {
		missing = append(missing, "addLicenses")
	}
	if body.RemoveLicenses == nil {
		missing = append(missing, "removeLicenses")
	}
	if len(missing) > 0 {
		return failed(badRequest(fmt.Sprintf("One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: %s.", strings.Join(missing, ", "))))
	}
	u, gerr := c.visibleUser(c.param("id"))
	if gerr != nil {
		return failed(gerr)
	}
	next := cloneUser(u.User).AssignedLicenses
	for _, id := range *body.RemoveLicenses {
		if id == nil || c.st.skuByID(*id) == nil {
			return failed(unknownSKU(deref(id)))
		}
		if !hasLicense(next, *id) {
			// Wording not verified.
			return failed(directoryBadRequest("User does not have a corresponding license."))
		}
		next = slices.DeleteFunc(next, func(l AssignedLicense) bool { return strings.EqualFold(l.SkuID, *id) })
	}
	var added []*SKU
	for _, l := range *body.AddLicenses {
		if l.SkuID == nil {
			return failed(unknownSKU(""))
		}
		sku := c.st.skuByID(*l.SkuID)
		if sku == nil {
			return failed(unknownSKU(*l.SkuID))
		}
		for _, p := range l.DisabledPlans {
			if !slices.ContainsFunc(sku.ServicePlans, func(sp ServicePlan) bool { return strings.EqualFold(sp.ServicePlanID, p) }) {
				// Graph refuses a disabled plan the SKU does not have
				// (user-assignlicense.md: disabledPlans are the SKU's
				// servicePlanIds); wording not verified.
				return failed(directoryBadRequest(fmt.Sprintf("The service plan '%s' is not part of the subscribed SKU '%s'.", p, sku.SkuID)))
			}
		}
		next = slices.DeleteFunc(next, func(x AssignedLicense) bool { return strings.EqualFold(x.SkuID, sku.SkuID) })
		next = append(next, AssignedLicense{SkuID: sku.SkuID, DisabledPlans: slices.Clone(l.DisabledPlans)})
		if !hasLicense(u.AssignedLicenses, sku.SkuID) && !slices.Contains(added, sku) {
			added = append(added, sku)
		}
	}
	if len(*body.AddLicenses) > 0 && c.effectiveUsageLocation(u) == "" {
		e := directoryBadRequest(MsgInvalidUsageLocation)
		if u.UsageLocation != "" {
			e.fault = FaultReplicationLag
		}
		return failed(e)
	}
	for _, sku := range added {
		if sku.PrepaidUnits.Enabled-c.st.consumed(sku.SkuID) < 1 {
			return failed(directoryBadRequest(MsgNoSeats(sku.SkuID)))
		}
	}
	if len(next) == 0 {
		next = nil
	}
	u.AssignedLicenses = next
	return ok(c.userEntity(&u.User, nil))
}

// unknownSKU: wording from memory of live Graph, not verified.
func unknownSKU(id string) *graphError {
	return newError(http.StatusBadRequest, CodeRequestBadRequest, fmt.Sprintf("License %s does not correspond to a valid company License.", id))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
