package domain

import (
	"time"

	"github.com/vendorflow/vendorflow/pkg/secret"
)

// TAP is a Temporary Access Pass. Value is set only in the answer to its
// creation (REFERENCE §2) and is a secret.Value so that it cannot leak.
type TAP struct {
	ID           string        `json:"id"`
	Value        secret.Value  `json:"-"`
	StartsAt     time.Time     `json:"startDateTime"`
	Lifetime     time.Duration `json:"lifetime"`
	IsUsableOnce bool          `json:"isUsableOnce"`
}

// ExpiresAt is when the pass stops working.
func (t TAP) ExpiresAt() time.Time { return t.StartsAt.Add(t.Lifetime) }

// Mail is a plain-text message sent from a tenant mailbox.
type Mail struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	// Body may hold a secret; it is never logged or stored.
	Body secret.Value `json:"-"`
}

// TAPPolicy is what vendorflow reads of the tenant's Temporary Access Pass
// policy (Graph's temporaryAccessPassAuthenticationMethodConfiguration).
type TAPPolicy struct {
	Enabled                  bool
	MinLifetime, MaxLifetime time.Duration
	// UsableOnce: every pass in the tenant is one-time.
	UsableOnce bool
	// AllUsers: the include targets hold "all_users"; IncludeGroups and
	// ExcludeGroups are the group ids of the targets.
	AllUsers                     bool
	IncludeGroups, ExcludeGroups []string
}

// Group is a directory group, as far as vendorflow reads one.
type Group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// UserQuery selects directory users (the adapter turns it into an escaped
// OData filter; REFERENCE §2 "Queries").
type UserQuery struct {
	// MarkerAttribute eq MarkerValue: only accounts vendorflow manages.
	MarkerAttribute string
	MarkerValue     string
	// Attribute (companyName, department or extensionAttribute1..15),
	// when set: Attribute eq Equals, or, with Equals empty, Attribute ne
	// null (the attribute is set at all).
	Attribute string
	Equals    string
	// LeaveBefore, when set: employeeLeaveDateTime le this instant.
	LeaveBefore time.Time
	// Enabled, when set: accountEnabled eq *Enabled.
	Enabled *bool
	// PageSize is $top (1..999; 0 = the adapter's default).
	PageSize int
	// Brief reads only what a contract scan needs: the id, UPN, display
	// name, accountEnabled, employeeLeaveDateTime, otherMails and the
	// extension attributes; the other fields of each User stay empty.
	Brief bool
}
