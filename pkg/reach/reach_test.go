package reach_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/reach"
)

// directory is a fake tenant: users by UPN, with no groups.
type directory map[string]domain.User

func (d directory) FindUser(_ context.Context, upn string) (domain.User, error) {
	for k, u := range d {
		if strings.EqualFold(k, upn) {
			return u, nil
		}
	}
	return domain.User{}, domain.Errorf(domain.NotFound, "no user %s", upn)
}

func (d directory) MemberOf(context.Context, string) ([]string, error) { return nil, nil }

// accounts finds the service account of an external email among the
// directory's users by their other mails.
type accounts struct{ d directory }

func (a accounts) AccountOf(_ context.Context, v domain.Vendor, email string) (domain.User, error) {
	for _, u := range a.d {
		if u.CompanyName == v.Segment && len(u.OtherMails) > 0 && strings.EqualFold(u.OtherMails[0], email) {
			return u, nil
		}
	}
	return domain.User{}, domain.Errorf(domain.NotFound, "no service account of %s", email)
}

func TestCheck(t *testing.T) {
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := reach.Policy(cfg.Tenant, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := directory{
		"Ada_SA@ABC.com":      {ID: "1", UPN: "Ada_SA@ABC.com", CompanyName: "Vendor1", OtherMails: []string{"ada@vendor1.com"}},
		"Bob_SA@ABC.com":      {ID: "2", UPN: "Bob_SA@ABC.com", CompanyName: "Vendor2", OtherMails: []string{"bob@vendor2.com"}},
		"Cy_SA@ABC.com":       {ID: "3", UPN: "Cy_SA@ABC.com", CompanyName: "Vendor1", OtherMails: []string{"cy@vendor1.com"}},
		"expert1@ABC.com":     {ID: "4", UPN: "expert1@ABC.com", Department: "Experts"},
		"contract_SA@ABC.com": {ID: "5", UPN: "contract_SA@ABC.com", CompanyName: "Contractors", OtherMails: []string{"x@outlook.com"}},
	}
	c := reach.Checker{Tenant: cfg.Tenant, Policy: p, Directory: dir, Accounts: accounts{dir}}
	tests := []struct {
		name, a, b string
		allowed    bool
		segA, segB string
		code       domain.Code // of the error, "" for none
	}{
		{"same vendor by UPN", "Ada_SA@ABC.com", "Cy_SA@ABC.com", true, "Vendor1", "Vendor1", ""},
		{"two vendors", "Ada_SA@ABC.com", "Bob_SA@ABC.com", false, "Vendor1", "Vendor2", ""},
		{"vendor to expert", "ada@vendor1.com", "expert1@ABC.com", true, "Vendor1", "Experts", ""},
		{"by external email", "bob@vendor2.com", "ada@vendor1.com", false, "Vendor2", "Vendor1", ""},
		{"contractor to vendor", "x@outlook.com", "Cy_SA@ABC.com", false, "Contractors", "Vendor1", ""},
		{"neither UPN nor email", "not a name", "Ada_SA@ABC.com", false, "", "", domain.Invalid},
		{"domain of no vendor", "eve@example.org", "Ada_SA@ABC.com", false, "", "", domain.NotFound},
		{"no such account", "Ada_SA@ABC.com", "nobody_SA@ABC.com", false, "", "", domain.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Check(context.Background(), tt.a, tt.b)
			if tt.code != "" {
				if domain.ErrorCode(err) != tt.code {
					t.Fatalf("Check(%q, %q) error %v (%s), want %s", tt.a, tt.b, err, domain.ErrorCode(err), tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict.Allowed != tt.allowed || got.From.SegmentsText() != tt.segA || got.To.SegmentsText() != tt.segB {
				t.Errorf("Check(%q, %q) = %s → %s allowed=%v (%s); want %s → %s allowed=%v",
					tt.a, tt.b, got.From.SegmentsText(), got.To.SegmentsText(), got.Verdict.Allowed, got.Verdict.Reason, tt.segA, tt.segB, tt.allowed)
			}
		})
	}
}

func TestPolicyRefusesABadFile(t *testing.T) {
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reach.Policy(cfg.Tenant, strings.NewReader("mode: legacy\nsegmnets: []\n")); domain.ErrorCode(err) != domain.Invalid {
		t.Fatalf("a misspelt field: %v, want invalid", err)
	}
	if got := (reach.Party{}).SegmentsText(); got != "no segment" {
		t.Errorf("SegmentsText of no segment = %q", got)
	}
}

func TestUnavailable(t *testing.T) {
	_, err := reach.Unavailable{Err: domain.Errorf(domain.Invalid, "vendor %q has no segment", "V")}.Check(context.Background(), "a", "b")
	if domain.ErrorCode(err) != domain.Invalid || !strings.Contains(err.Error(), `vendor "V" has no segment`) || !strings.Contains(err.Error(), "barriers validate") {
		t.Fatalf("Unavailable: %v", err)
	}
}
