package tenantsim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDemoSeed(t *testing.T) {
	h := newHarness(t)
	var upns []string
	for _, u := range h.srv.Users() {
		upns = append(upns, u.UserPrincipalName)
	}
	if diff := cmp.Diff([]string{"ava.expert@ABC.com", "ben.expert@ABC.com", "pat.sponsor@ABC.com", "vendorflow@ABC.com"}, upns); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	ava, _ := h.srv.UserByUPN("ava.expert@ABC.com")
	if ava.Department != "Experts" || ava.CompanyName != "ABC" || ava.UsageLocation != "US" ||
		!cmp.Equal(ava.MemberOf, []string{GroupIBExpertsID}) || len(ava.AssignedLicenses) != 1 {
		t.Errorf("expert = %+v", ava)
	}
	var groups []string
	for _, g := range h.srv.Groups() {
		groups = append(groups, g.ID+" "+g.DisplayName)
	}
	wantGroups := []string{GroupIBContractorsID + " IB-Contractors", GroupIBExpertsID + " IB-Experts", GroupIBVendor1ID + " IB-Vendor1", GroupIBVendor2ID + " IB-Vendor2"}
	if diff := cmp.Diff(wantGroups, groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	var skus []string
	for _, s := range h.srv.SKUs() {
		skus = append(skus, s.SkuPartNumber)
		if s.SkuPartNumber == PartRemoteAssist && (s.PrepaidUnits.Enabled != 5 || s.ConsumedUnits != 0) {
			t.Errorf("Remote Assist = %+v", s)
		}
	}
	if diff := cmp.Diff([]string{PartRemoteAssist, PartRemoteAssistHoloLens, PartMicrosoft365E5, PartMicrosoft365E5Compliance}, skus); diff != "" {
		t.Errorf("skus (-want +got):\n%s", diff)
	}
	// The seed is a value: changing what DemoSeed returned changes no server.
	s := DemoSeed(testDomain)
	s.Users[0].DisplayName = "changed"
	if u, _ := h.srv.UserByUPN("vendorflow@ABC.com"); u.DisplayName == "changed" {
		t.Error("seed aliasing")
	}
}

func TestLoadRejectsBadSeeds(t *testing.T) {
	srv, err := New(Config{Domain: testDomain})
	if err != nil {
		t.Fatal(err)
	}
	base := func() Seed { return DemoSeed(testDomain) }
	tests := []struct {
		name   string
		mutate func(*Seed)
		want   string
	}{
		{"other domain", func(s *Seed) { s.Users[0].UserPrincipalName = "x@contoso.com" }, "is not on domain"},
		{"duplicate UPN", func(s *Seed) { s.Users[1].UserPrincipalName = s.Users[0].UserPrincipalName }, "duplicate UPN"},
		{"duplicate id", func(s *Seed) { s.Groups[0].ID = s.Users[0].ID }, "duplicate object id"},
		{"unknown SKU", func(s *Seed) { s.SKUs = s.SKUs[:2] }, "unknown SKU"},
		{"unknown member", func(s *Seed) { s.Groups[1].Members = []string{"ghost"} }, "unknown member"},
		{"over-committed", func(s *Seed) { s.SKUs[2].PrepaidUnits.Enabled = 2 }, "enabled seats but 3 assignments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.mutate(&s)
			err := srv.Load(s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if len(srv.Users()) != 0 {
		t.Error("a failed Load changed the tenant")
	}
	if err := srv.Load(DemoSeed("contoso.com")); err == nil {
		t.Error("demo seed for another domain accepted")
	}
}

func TestSeedWithSeats(t *testing.T) {
	tests := []struct {
		name, part string
		n          int
		err        string
	}{
		{"more remote assist seats", PartRemoteAssist, 500, ""},
		{"case-insensitive part", "microsoft_remote_assist", 7, ""},
		{"negative", PartRemoteAssist, -1, "is negative"},
		{"no such sku", "NOPE", 3, "no such SKU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := DemoSeed(testDomain)
			s, err := base.WithSeats(tt.part, tt.n)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			srv, err := New(Config{Domain: testDomain})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Load(s); err != nil {
				t.Fatal(err)
			}
			for _, k := range srv.SKUs() {
				if k.SkuPartNumber == PartRemoteAssist && k.PrepaidUnits.Enabled != tt.n {
					t.Errorf("seats = %d, want %d", k.PrepaidUnits.Enabled, tt.n)
				}
			}
			if base.SKUs[0].PrepaidUnits.Enabled != 5 {
				t.Error("WithSeats changed the seed it was called on")
			}
		})
	}
}
