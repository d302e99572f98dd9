package domain

import "time"

// demoTenant is the demo tenant of DESIGN.md, built by hand so that the
// domain's tests need no config package.
func demoTenant() Tenant {
	t := Tenant{
		Domain:     "ABC.com",
		Sender:     "vendorflow@ABC.com",
		BarrierSKU: "INFORMATION_PROTECTION_COMPLIANCE",
		Vendors: []Vendor{
			{Key: "Vendor1", DisplayName: "Vendor1", EmailDomains: []string{"vendor1.com"}, Segment: "Vendor1"},
			{Key: "Vendor2", DisplayName: "Vendor2", EmailDomains: []string{"vendor2.com"}, Segment: "Vendor2"},
			{Key: "Contractor", DisplayName: "Independent contractors", Kind: VendorContractor, EmailDomains: []string{"outlook.com"}, Segment: "Contractors"},
		},
	}
	t.SetDefaults()
	return t
}

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func validOnboard() OnboardRequest {
	return OnboardRequest{
		SchemaVersion: 1,
		RequestID:     "req-0001",
		Vendor:        "Vendor1",
		Person:        Person{GivenName: "Ada", Surname: "Lovelace", Email: "Vendor1_A@Vendor1.com"},
		Contract:      Period{Start: "2026-11-01", End: "2027-04-30"},
		Sponsor:       "pat.sponsor@ABC.com",
	}
}
