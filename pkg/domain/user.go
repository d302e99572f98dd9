package domain

import (
	"slices"
	"strings"
	"time"
)

// User is a directory user as vendorflow sees it: the properties it writes
// and reads, never credentials.
type User struct {
	ID                    string            `json:"id,omitempty"`
	UPN                   string            `json:"userPrincipalName"`
	DisplayName           string            `json:"displayName"`
	GivenName             string            `json:"givenName,omitempty"`
	Surname               string            `json:"surname,omitempty"`
	MailNickname          string            `json:"mailNickname,omitempty"`
	AccountEnabled        bool              `json:"accountEnabled"`
	UsageLocation         string            `json:"usageLocation,omitempty"`
	CompanyName           string            `json:"companyName,omitempty"`
	Department            string            `json:"department,omitempty"`
	EmployeeType          string            `json:"employeeType,omitempty"`
	EmployeeLeaveDateTime time.Time         `json:"employeeLeaveDateTime,omitzero"`
	OtherMails            []string          `json:"otherMails,omitempty"`
	Extensions            map[string]string `json:"extensions,omitempty"` // extensionAttributeN → value
	SKUIDs                []string          `json:"skuIds,omitempty"`     // assigned licenses
}

// SKU is a subscribed SKU with its seat counts.
type SKU struct {
	ID         string `json:"skuId"`
	PartNumber string `json:"skuPartNumber"`
	Enabled    int    `json:"enabled"`
	Consumed   int    `json:"consumed"`
}

// Free returns the number of unassigned seats.
func (s SKU) Free() int { return s.Enabled - s.Consumed }

// UserChanges lists the properties to PATCH; nil or absent means unchanged.
type UserChanges struct {
	AccountEnabled        *bool             `json:"accountEnabled,omitempty"`
	DisplayName           *string           `json:"displayName,omitempty"`
	GivenName             *string           `json:"givenName,omitempty"`
	Surname               *string           `json:"surname,omitempty"`
	UsageLocation         *string           `json:"usageLocation,omitempty"`
	CompanyName           *string           `json:"companyName,omitempty"`
	Department            *string           `json:"department,omitempty"`
	EmployeeType          *string           `json:"employeeType,omitempty"`
	EmployeeLeaveDateTime *time.Time        `json:"employeeLeaveDateTime,omitempty"`
	OtherMails            []string          `json:"otherMails,omitempty"`
	Extensions            map[string]string `json:"extensions,omitempty"` // "" clears
}

// Apply updates u as a PATCH of c updates the directory's user, so that a
// caller can keep using its copy instead of reading the user again.
func (u *User) Apply(c UserChanges) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	if c.AccountEnabled != nil {
		u.AccountEnabled = *c.AccountEnabled
	}
	set(&u.DisplayName, c.DisplayName)
	set(&u.GivenName, c.GivenName)
	set(&u.Surname, c.Surname)
	set(&u.UsageLocation, c.UsageLocation)
	set(&u.CompanyName, c.CompanyName)
	set(&u.Department, c.Department)
	set(&u.EmployeeType, c.EmployeeType)
	if c.EmployeeLeaveDateTime != nil {
		u.EmployeeLeaveDateTime = *c.EmployeeLeaveDateTime
	}
	if c.OtherMails != nil {
		u.OtherMails = slices.Clone(c.OtherMails)
	}
	if len(c.Extensions) > 0 {
		ext := make(map[string]string, len(u.Extensions)+len(c.Extensions))
		for k, v := range u.Extensions {
			ext[k] = v
		}
		for k, v := range c.Extensions {
			if v == "" {
				delete(ext, k)
			} else {
				ext[k] = v
			}
		}
		u.Extensions = ext
	}
}

// Empty reports whether c changes nothing.
func (c UserChanges) Empty() bool {
	return c.AccountEnabled == nil && c.DisplayName == nil && c.GivenName == nil && c.Surname == nil &&
		c.UsageLocation == nil && c.CompanyName == nil && c.Department == nil && c.EmployeeType == nil &&
		c.EmployeeLeaveDateTime == nil && c.OtherMails == nil && len(c.Extensions) == 0
}

// DesiredUser is the account an onboarding converges to: every attribute is
// set at creation (DESIGN lifecycle step 2).
func DesiredUser(t Tenant, o Onboarding) User {
	u := User{
		UPN:                   o.UPN,
		DisplayName:           o.DisplayName,
		GivenName:             o.Person.GivenName,
		Surname:               o.Person.Surname,
		MailNickname:          o.MailNickname,
		AccountEnabled:        true,
		UsageLocation:         o.UsageLocation,
		CompanyName:           o.Vendor.DisplayName,
		EmployeeType:          o.Vendor.EmployeeType,
		EmployeeLeaveDateTime: o.ContractEnd,
		OtherMails:            []string{o.Person.Email},
		Extensions: map[string]string{
			t.MarkerAttribute:  t.MarkerValue,
			t.RequestAttribute: o.RequestID,
		},
	}
	switch t.SegmentAttribute {
	case "companyName":
		u.CompanyName = o.Vendor.Segment
	case "department":
		u.Department = o.Vendor.Segment
	default:
		u.Extensions[t.SegmentAttribute] = o.Vendor.Segment
	}
	return u
}

// SegmentOf returns the segment value the tenant's segment attribute holds
// on u.
func (t Tenant) SegmentOf(u User) string {
	switch t.SegmentAttribute {
	case "companyName":
		return u.CompanyName
	case "department":
		return u.Department
	default:
		return u.Extensions[t.SegmentAttribute]
	}
}

// Manages reports whether u carries vendorflow's marker. vendorflow never
// changes an account that does not.
func (t Tenant) Manages(u User) bool {
	return u.Extensions[t.MarkerAttribute] == t.MarkerValue
}

// BelongsTo reports whether u was made for the person with this external
// email (kept in otherMails).
func BelongsTo(u User, email string) bool {
	return slices.ContainsFunc(u.OtherMails, func(m string) bool { return strings.EqualFold(m, email) })
}

// Changes returns what must be PATCHed on actual to reach desired, for the
// properties vendorflow owns. Licenses and group memberships are separate
// steps.
func Changes(desired, actual User) UserChanges {
	var c UserChanges
	str := func(want, have string) *string {
		if want == have {
			return nil
		}
		return &want
	}
	if desired.AccountEnabled != actual.AccountEnabled {
		v := desired.AccountEnabled
		c.AccountEnabled = &v
	}
	c.DisplayName = str(desired.DisplayName, actual.DisplayName)
	c.GivenName = str(desired.GivenName, actual.GivenName)
	c.Surname = str(desired.Surname, actual.Surname)
	c.UsageLocation = str(desired.UsageLocation, actual.UsageLocation)
	c.CompanyName = str(desired.CompanyName, actual.CompanyName)
	c.Department = str(desired.Department, actual.Department)
	c.EmployeeType = str(desired.EmployeeType, actual.EmployeeType)
	if !desired.EmployeeLeaveDateTime.Equal(actual.EmployeeLeaveDateTime) {
		v := desired.EmployeeLeaveDateTime
		c.EmployeeLeaveDateTime = &v
	}
	for _, m := range desired.OtherMails {
		if !BelongsTo(actual, m) {
			c.OtherMails = append(slices.Clone(actual.OtherMails), desired.OtherMails...)
			break
		}
	}
	for k, v := range desired.Extensions {
		if actual.Extensions[k] != v {
			if c.Extensions == nil {
				c.Extensions = map[string]string{}
			}
			c.Extensions[k] = v
		}
	}
	return c
}
