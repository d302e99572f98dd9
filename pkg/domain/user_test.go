package domain

import (
	"testing"
	"time"
)

// Apply of the changes that lead from a user to the desired one leaves
// nothing more to change, and clears an extension set to "".
func TestApplyReachesDesired(t *testing.T) {
	end := time.Date(2027, 3, 31, 23, 59, 59, 0, time.UTC)
	desired := User{UPN: "A_SA@ABC.com", DisplayName: "A (Vendor1)", GivenName: "A", Surname: "B", AccountEnabled: true,
		UsageLocation: "US", CompanyName: "Vendor1", Department: "Field", EmployeeType: "Vendor", EmployeeLeaveDateTime: end,
		OtherMails: []string{"a@vendor1.com"}, Extensions: map[string]string{"extensionAttribute15": "vendorflow"}}
	tests := []struct {
		name   string
		actual User
	}{
		{"empty", User{UPN: desired.UPN}},
		{"disabled, other vendor", User{UPN: desired.UPN, CompanyName: "Vendor2", Extensions: map[string]string{"extensionAttribute15": "x", "extensionAttribute1": "keep"}}},
		{"already there", desired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.actual
			u.Apply(Changes(desired, u))
			if c := Changes(desired, u); !c.Empty() {
				t.Errorf("after Apply still to change: %+v", c)
			}
		})
	}
	u := User{Extensions: map[string]string{"extensionAttribute3": "seg", "extensionAttribute1": "keep"}}
	u.Apply(UserChanges{Extensions: map[string]string{"extensionAttribute3": ""}})
	if _, ok := u.Extensions["extensionAttribute3"]; ok || u.Extensions["extensionAttribute1"] != "keep" {
		t.Errorf("extensions after clearing one: %v", u.Extensions)
	}
}
