package tenantsim

import "time"

// The tenant's objects as the emulator stores them and returns them from
// its inspection methods.

// User is a directory user as the emulator stores it. Inspection methods
// return copies. The password is validated on write and never stored, so it
// can never be returned.
type User struct {
	ID                            string              `json:"id"`
	AccountEnabled                bool                `json:"accountEnabled"`
	DisplayName                   string              `json:"displayName,omitempty"`
	GivenName                     string              `json:"givenName,omitempty"`
	Surname                       string              `json:"surname,omitempty"`
	MailNickname                  string              `json:"mailNickname,omitempty"`
	UserPrincipalName             string              `json:"userPrincipalName"`
	Mail                          string              `json:"mail,omitempty"`
	JobTitle                      string              `json:"jobTitle,omitempty"`
	BusinessPhones                []string            `json:"businessPhones,omitempty"`
	OfficeLocation                string              `json:"officeLocation,omitempty"`
	UsageLocation                 string              `json:"usageLocation,omitempty"`
	CompanyName                   string              `json:"companyName,omitempty"`
	Department                    string              `json:"department,omitempty"`
	EmployeeType                  string              `json:"employeeType,omitempty"`
	EmployeeID                    string              `json:"employeeId,omitempty"`
	EmployeeLeaveDateTime         time.Time           `json:"employeeLeaveDateTime,omitzero"`
	OtherMails                    []string            `json:"otherMails,omitempty"`
	OnPremisesExtensionAttributes ExtensionAttributes `json:"onPremisesExtensionAttributes,omitzero"`
	AssignedLicenses              []AssignedLicense   `json:"assignedLicenses,omitempty"`
	UserType                      string              `json:"userType,omitempty"`
	City                          string              `json:"city,omitempty"`
	Country                       string              `json:"country,omitempty"`
	State                         string              `json:"state,omitempty"`
	StreetAddress                 string              `json:"streetAddress,omitempty"`
	PostalCode                    string              `json:"postalCode,omitempty"`
	MobilePhone                   string              `json:"mobilePhone,omitempty"`
	FaxNumber                     string              `json:"faxNumber,omitempty"`
	PreferredLanguage             string              `json:"preferredLanguage,omitempty"`
	AgeGroup                      string              `json:"ageGroup,omitempty"`
	ConsentProvidedForMinor       string              `json:"consentProvidedForMinor,omitempty"`
	PasswordPolicies              string              `json:"passwordPolicies,omitempty"`
	OnPremisesImmutableID         string              `json:"onPremisesImmutableId,omitempty"`
	ShowInAddressList             *bool               `json:"showInAddressList,omitempty"`
	EmployeeHireDate              time.Time           `json:"employeeHireDate,omitzero"`
	EmployeeOrgData               EmployeeOrgData     `json:"employeeOrgData,omitzero"`
	// Identities are the sign-in identities other than the userPrincipalName
	// one, which is always derived from UserPrincipalName.
	Identities                      []ObjectIdentity `json:"identities,omitempty"`
	CreatedDateTime                 time.Time        `json:"createdDateTime,omitzero"`
	DeletedDateTime                 time.Time        `json:"deletedDateTime,omitzero"`
	SignInSessionsValidFromDateTime time.Time        `json:"signInSessionsValidFromDateTime,omitzero"`
	// MemberOf lists the ids of the groups the user belongs to. In a Seed it
	// adds memberships; groups' Members lists are merged with it.
	MemberOf []string `json:"memberOf,omitempty"`
}

// ExtensionAttributes are onPremisesExtensionAttributes.extensionAttribute1..15,
// writable for cloud-only users (REFERENCE.md §2 Users).
type ExtensionAttributes struct {
	ExtensionAttribute1  string `json:"extensionAttribute1,omitempty"`
	ExtensionAttribute2  string `json:"extensionAttribute2,omitempty"`
	ExtensionAttribute3  string `json:"extensionAttribute3,omitempty"`
	ExtensionAttribute4  string `json:"extensionAttribute4,omitempty"`
	ExtensionAttribute5  string `json:"extensionAttribute5,omitempty"`
	ExtensionAttribute6  string `json:"extensionAttribute6,omitempty"`
	ExtensionAttribute7  string `json:"extensionAttribute7,omitempty"`
	ExtensionAttribute8  string `json:"extensionAttribute8,omitempty"`
	ExtensionAttribute9  string `json:"extensionAttribute9,omitempty"`
	ExtensionAttribute10 string `json:"extensionAttribute10,omitempty"`
	ExtensionAttribute11 string `json:"extensionAttribute11,omitempty"`
	ExtensionAttribute12 string `json:"extensionAttribute12,omitempty"`
	ExtensionAttribute13 string `json:"extensionAttribute13,omitempty"`
	ExtensionAttribute14 string `json:"extensionAttribute14,omitempty"`
	ExtensionAttribute15 string `json:"extensionAttribute15,omitempty"`
}

// Get returns extensionAttributeN (1..15); other n give "".
func (e ExtensionAttributes) Get(n int) string {
	if p := e.ptr(n); p != nil {
		return *p
	}
	return ""
}

// Set sets extensionAttributeN (1..15); other n are ignored.
func (e *ExtensionAttributes) Set(n int, v string) {
	if p := e.ptr(n); p != nil {
		*p = v
	}
}

func (e *ExtensionAttributes) ptr(n int) *string {
	switch n {
	case 1:
		return &e.ExtensionAttribute1
	case 2:
		return &e.ExtensionAttribute2
	case 3:
		return &e.ExtensionAttribute3
	case 4:
		return &e.ExtensionAttribute4
	case 5:
		return &e.ExtensionAttribute5
	case 6:
		return &e.ExtensionAttribute6
	case 7:
		return &e.ExtensionAttribute7
	case 8:
		return &e.ExtensionAttribute8
	case 9:
		return &e.ExtensionAttribute9
	case 10:
		return &e.ExtensionAttribute10
	case 11:
		return &e.ExtensionAttribute11
	case 12:
		return &e.ExtensionAttribute12
	case 13:
		return &e.ExtensionAttribute13
	case 14:
		return &e.ExtensionAttribute14
	case 15:
		return &e.ExtensionAttribute15
	}
	return nil
}

// EmployeeOrgData is a user's employeeOrgData (resources/employeeorgdata.md).
type EmployeeOrgData struct {
	Division   string `json:"division,omitempty"`
	CostCenter string `json:"costCenter,omitempty"`
}

// ObjectIdentity is one of a user's sign-in identities (resources/objectidentity.md).
type ObjectIdentity struct {
	SignInType       string `json:"signInType"`
	Issuer           string `json:"issuer"`
	IssuerAssignedID string `json:"issuerAssignedId"`
}

// AssignedLicense is one entry of a user's assignedLicenses.
type AssignedLicense struct {
	SkuID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

// Group is a security group; Members holds user ids.
type Group struct {
	ID              string    `json:"id"`
	DisplayName     string    `json:"displayName"`
	MailNickname    string    `json:"mailNickname"`
	Description     string    `json:"description,omitempty"`
	SecurityEnabled bool      `json:"securityEnabled"`
	MailEnabled     bool      `json:"mailEnabled"`
	CreatedDateTime time.Time `json:"createdDateTime,omitzero"`
	Members         []string  `json:"members"`
}

// SKU is a subscribed SKU (GET /subscribedSkus). ConsumedUnits is computed:
// the number of non-deleted users holding the SKU.
type SKU struct {
	SkuID            string        `json:"skuId"`
	SkuPartNumber    string        `json:"skuPartNumber"`
	AppliesTo        string        `json:"appliesTo"`
	CapabilityStatus string        `json:"capabilityStatus"`
	ConsumedUnits    int           `json:"consumedUnits"`
	PrepaidUnits     PrepaidUnits  `json:"prepaidUnits"`
	ServicePlans     []ServicePlan `json:"servicePlans"`
}

// PrepaidUnits are a SKU's seat counts; free seats = Enabled - ConsumedUnits
// (REFERENCE.md §2 Licenses).
type PrepaidUnits struct {
	Enabled   int `json:"enabled"`
	Suspended int `json:"suspended"`
	Warning   int `json:"warning"`
	LockedOut int `json:"lockedOut"`
}

// ServicePlan is one plan inside a SKU.
type ServicePlan struct {
	ServicePlanID      string `json:"servicePlanId"`
	ServicePlanName    string `json:"servicePlanName"`
	ProvisioningStatus string `json:"provisioningStatus"`
	AppliesTo          string `json:"appliesTo"`
}

// Mail is one message captured from POST /users/{sender}/sendMail. It holds
// whatever the caller sent — a Temporary Access Pass in a credential mail —
// so treat the outbox as the recipients' inbox, never as a log.
type Mail struct {
	From            string    `json:"from"`
	To              []string  `json:"to"`
	Cc              []string  `json:"cc,omitempty"`
	Subject         string    `json:"subject"`
	Body            string    `json:"body"`
	ContentType     string    `json:"contentType"`
	SaveToSentItems bool      `json:"saveToSentItems"`
	SentAt          time.Time `json:"sentAt"`
}

// Seed is a whole tenant to Load.
type Seed struct {
	Users        []User
	DeletedUsers []User
	Groups       []Group
	SKUs         []SKU
	// TAPPolicy is the Temporary Access Pass policy; nil means
	// PermissiveTAPPolicy.
	TAPPolicy *TAPPolicy
}
