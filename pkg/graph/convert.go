package graph

import (
	"strconv"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// toUser converts a Graph user to vendorflow's view of it. Extension
// attributes with no value are left out of Extensions.
func toUser(u models.Userable) domain.User {
	if u == nil {
		return domain.User{}
	}
	out := domain.User{
		ID:             deref(u.GetId()),
		UPN:            deref(u.GetUserPrincipalName()),
		DisplayName:    deref(u.GetDisplayName()),
		GivenName:      deref(u.GetGivenName()),
		Surname:        deref(u.GetSurname()),
		MailNickname:   deref(u.GetMailNickname()),
		AccountEnabled: deref(u.GetAccountEnabled()),
		UsageLocation:  deref(u.GetUsageLocation()),
		CompanyName:    deref(u.GetCompanyName()),
		Department:     deref(u.GetDepartment()),
		EmployeeType:   deref(u.GetEmployeeType()),
	}
	if t := u.GetEmployeeLeaveDateTime(); t != nil {
		out.EmployeeLeaveDateTime = t.UTC()
	}
	if m := u.GetOtherMails(); len(m) > 0 {
		out.OtherMails = append([]string(nil), m...)
	}
	if a := u.GetOnPremisesExtensionAttributes(); a != nil {
		for n := 1; n <= 15; n++ {
			if v := deref(extensionAttribute(a, n)); v != "" {
				if out.Extensions == nil {
					out.Extensions = map[string]string{}
				}
				out.Extensions[extensionName(n)] = v
			}
		}
	}
	for _, l := range u.GetAssignedLicenses() {
		if l != nil && l.GetSkuId() != nil {
			out.SKUIDs = append(out.SKUIDs, l.GetSkuId().String())
		}
	}
	return out
}

// extensionName is "extensionAttributeN".
func extensionName(n int) string { return "extensionAttribute" + strconv.Itoa(n) }

// extensionAttribute reads extensionAttributeN (1..15) of a.
func extensionAttribute(a models.OnPremisesExtensionAttributesable, n int) *string {
	switch n {
	case 1:
		return a.GetExtensionAttribute1()
	case 2:
		return a.GetExtensionAttribute2()
	case 3:
		return a.GetExtensionAttribute3()
	case 4:
		return a.GetExtensionAttribute4()
	case 5:
		return a.GetExtensionAttribute5()
	case 6:
		return a.GetExtensionAttribute6()
	case 7:
		return a.GetExtensionAttribute7()
	case 8:
		return a.GetExtensionAttribute8()
	case 9:
		return a.GetExtensionAttribute9()
	case 10:
		return a.GetExtensionAttribute10()
	case 11:
		return a.GetExtensionAttribute11()
	case 12:
		return a.GetExtensionAttribute12()
	case 13:
		return a.GetExtensionAttribute13()
	case 14:
		return a.GetExtensionAttribute14()
	case 15:
		return a.GetExtensionAttribute15()
	}
	return nil
}

// setExtensionAttribute writes extensionAttributeN (1..15) of a.
func setExtensionAttribute(a models.OnPremisesExtensionAttributesable, n int, v *string) {
	switch n {
	case 1:
		a.SetExtensionAttribute1(v)
	case 2:
		a.SetExtensionAttribute2(v)
	case 3:
		a.SetExtensionAttribute3(v)
	case 4:
		a.SetExtensionAttribute4(v)
	case 5:
		a.SetExtensionAttribute5(v)
	case 6:
		a.SetExtensionAttribute6(v)
	case 7:
		a.SetExtensionAttribute7(v)
	case 8:
		a.SetExtensionAttribute8(v)
	case 9:
		a.SetExtensionAttribute9(v)
	case 10:
		a.SetExtensionAttribute10(v)
	case 11:
		a.SetExtensionAttribute11(v)
	case 12:
		a.SetExtensionAttribute12(v)
	case 13:
		a.SetExtensionAttribute13(v)
	case 14:
		a.SetExtensionAttribute14(v)
	case 15:
		a.SetExtensionAttribute15(v)
	}
}

// extensionsModel builds onPremisesExtensionAttributes from name → value.
// An empty value is sent as JSON null, which is how Graph clears an
// attribute. Names other than extensionAttribute1..15 are Invalid.
func extensionsModel(o op, ext map[string]string) (models.OnPremisesExtensionAttributesable, error) {
	a := models.NewOnPremisesExtensionAttributes()
	nulls := map[string]any{}
	for name, v := range ext {
		n, ok := extensionNumber(name)
		if !ok {
			return nil, domain.Errorf(domain.Invalid, "%s: %q is not extensionAttribute1..15", o, name)
		}
		if v == "" {
			nulls[extensionName(n)] = nil
			continue
		}
		setExtensionAttribute(a, n, &v)
	}
	if len(nulls) > 0 {
		a.SetAdditionalData(nulls)
	}
	return a, nil
}

// strOrNull sets a string property with setter, or queues JSON null in
// nulls when v is empty (Graph clears optional strings with null).
func strOrNull(v string, key string, setter func(*string), nulls map[string]any) {
	if v == "" {
		nulls[key] = nil
		return
	}
	setter(&v)
}

// utc returns a pointer to t in UTC.
func utc(t time.Time) *time.Time {
	u := t.UTC()
	return &u
}
