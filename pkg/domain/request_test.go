package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidateOnboardNormalises(t *testing.T) {
	got, err := ValidateOnboard(demoTenant(), validOnboard(), now)
	if err != nil {
		t.Fatal(err)
	}
	want := Onboarding{
		RequestID:     "req-0001",
		Vendor:        demoTenant().Vendors[0],
		Person:        Person{GivenName: "Ada", Surname: "Lovelace", Email: "Vendor1_A@vendor1.com"},
		ContractStart: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		ContractEnd:   time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC),
		Sponsor:       "pat.sponsor@ABC.com",
		UPN:           "Vendor1_A_SA@ABC.com",
		MailNickname:  "Vendor1_A_SA",
		DisplayName:   "Ada Lovelace (Vendor1)",
		UsageLocation: "US",
		SKUs:          []string{"MICROSOFT_REMOTE_ASSIST", "INFORMATION_PROTECTION_COMPLIANCE"},
		UPNs: []string{"Vendor1_A_SA@ABC.com", "Vendor1_A_SA2@ABC.com", "Vendor1_A_SA3@ABC.com", "Vendor1_A_SA4@ABC.com",
			"Vendor1_A_SA5@ABC.com", "Vendor1_A_SA6@ABC.com", "Vendor1_A_SA7@ABC.com", "Vendor1_A_SA8@ABC.com", "Vendor1_A_SA9@ABC.com"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got)\n%s", d)
	}

	// A named service account is the only name; the sender's is refused.
	r := validOnboard()
	r.ServiceAccount = "Vendor2_A_SA"
	got, err = ValidateOnboard(demoTenant(), r, now)
	if err != nil || got.UPN != "Vendor2_A_SA@ABC.com" || !got.Named || len(got.UPNs) != 1 || got.MailNickname != "Vendor2_A_SA" {
		t.Fatalf("named: %+v %v", got, err)
	}
}

func TestValidateOnboardProblems(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*OnboardRequest)
		want   []Problem
	}{
		{"service account with a domain", func(r *OnboardRequest) { r.ServiceAccount = "x@ABC.com" },
			[]Problem{{"serviceAccount", `"x@ABC.com": give the name before '@' only; the domain is always ABC.com`}}},
		{"service account with a space", func(r *OnboardRequest) { r.ServiceAccount = "Vendor 2" },
			[]Problem{{"serviceAccount", `not a usable UPN name: "Vendor 2@ABC.com" contains ' ', which a UPN may not`}}},
		{"service account too long", func(r *OnboardRequest) { r.ServiceAccount = strings.Repeat("a", 65) },
			[]Problem{{"serviceAccount", `not a usable UPN name: "` + strings.Repeat("a", 65) + `@ABC.com" has more than 64 characters before '@'`}}},
		{"service account with a trailing dot", func(r *OnboardRequest) { r.ServiceAccount = "a." },
			[]Problem{{"serviceAccount", `not a usable UPN name: "a.@ABC.com" has a misplaced '.'`}}},
		{"service account is the sender", func(r *OnboardRequest) { r.ServiceAccount = "VendorFlow" },
			[]Problem{{"serviceAccount", `"VendorFlow" is the tenant's sender mailbox`}}},
		{"unknown vendor", func(r *OnboardRequest) { r.Vendor = "Acme" },
			[]Problem{{"vendor", `unknown vendor "Acme"; known vendors: Vendor1, Vendor2, Contractor`}}},
		{"domain not allowed", func(r *OnboardRequest) { r.Person.Email = "a@vendor2.com" },
			[]Problem{{"person.email", `domain "vendor2.com" is not allowed for vendor Vendor1 (allowed: vendor1.com)`}}},
		{"lookalike domain", func(r *OnboardRequest) { r.Person.Email = "a@vendor1.com.evil.io" },
			[]Problem{{"person.email", `domain "vendor1.com.evil.io" is not allowed for vendor Vendor1 (allowed: vendor1.com)`}}},
		{"display name in email", func(r *OnboardRequest) { r.Person.Email = "Ada <a@vendor1.com>" },
			[]Problem{{"person.email", `"Ada <a@vendor1.com>" is not a plain email address`}}},
		{"schema version", func(r *OnboardRequest) { r.SchemaVersion = 2 },
			[]Problem{{"schemaVersion", "must be 1 (got 2)"}}},
		{"bad request id", func(r *OnboardRequest) { r.RequestID = "a b" },
			[]Problem{{"requestId", "must be 1 to 64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit"}}},
		{"end before start", func(r *OnboardRequest) { r.Contract = Period{Start: "2027-01-01", End: "2026-12-01"} },
			[]Problem{{"contract.end", "must be after contract.start"}}},
		{"already ended", func(r *OnboardRequest) { r.Contract = Period{Start: "2026-01-01", End: "2026-11-01T00:00:00Z"} },
			[]Problem{{"contract.end", "the contract ended at 2026-11-01T00:00:00Z; nothing to onboard"}}},
		{"too long", func(r *OnboardRequest) { r.Contract = Period{Start: "2026-11-01", End: "2030-01-01"} },
			[]Problem{{"contract.end", "contract is longer than the maximum of 17568h0m0s"}}},
		{"bad date", func(r *OnboardRequest) { r.Contract.Start = "next week" },
			[]Problem{{"contract.start", `"next week" is neither an RFC 3339 timestamp nor a YYYY-MM-DD date`}}},
		{"external sponsor", func(r *OnboardRequest) { r.Sponsor = "boss@vendor1.com" },
			[]Problem{{"sponsor", `must be an internal user: "boss@vendor1.com" is not in the tenant domain ABC.com`}}},
		{"unsafe name", func(r *OnboardRequest) { r.Person.GivenName = "Ada'); DROP" },
			[]Problem{{"person.givenName", `contains ')'; only letters, spaces, apostrophes, hyphens and dots are allowed`}}},
		{"everything missing", func(r *OnboardRequest) { *r = OnboardRequest{SchemaVersion: 1, RequestID: "x"} },
			[]Problem{
				{"vendor", `unknown vendor ""; known vendors: Vendor1, Vendor2, Contractor`},
				{"person.givenName", "is required"},
				{"person.surname", "is required"},
				{"person.email", `"" is not a plain email address`},
				{"contract.start", "is required (RFC 3339 timestamp or YYYY-MM-DD)"},
				{"contract.end", "is required (RFC 3339 timestamp or YYYY-MM-DD)"},
				{"sponsor", `must be an internal user: "" is not of the form name@ABC.com`},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validOnboard()
			tt.mutate(&r)
			_, err := ValidateOnboard(demoTenant(), r, now)
			if ErrorCode(err) != Invalid {
				t.Fatalf("code = %q (%v), want invalid", ErrorCode(err), err)
			}
			var got []Problem
			if e, ok := err.(*Error); ok {
				got = e.Problems
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("problems (-want +got)\n%s", d)
			}
		})
	}
}

func TestValidateOffboard(t *testing.T) {
	tests := []struct {
		name    string
		req     OffboardRequest
		wantUPN string
		wantErr string
	}{
		{"by upn", OffboardRequest{SchemaVersion: 1, RequestID: "o1", Account: AccountRef{UPN: "Vendor1_A_SA@ABC.com"}, Reason: "contract ended"}, "Vendor1_A_SA@ABC.com", ""},
		{"by vendor and email", OffboardRequest{SchemaVersion: 1, RequestID: "o2", Account: AccountRef{Vendor: "vendor1", Email: "Vendor1_A@VENDOR1.com"}, Reason: "early"}, "Vendor1_A_SA@ABC.com", ""},
		{"both", OffboardRequest{SchemaVersion: 1, RequestID: "o3", Account: AccountRef{UPN: "a@ABC.com", Vendor: "Vendor1"}, Reason: "x"}, "", "account: give either upn, or vendor and email, not both"},
		{"foreign upn", OffboardRequest{SchemaVersion: 1, RequestID: "o4", Account: AccountRef{UPN: "a@evil.com"}, Reason: "x"}, "", `account.upn: "a@evil.com" is not in the tenant domain ABC.com`},
		{"no reason", OffboardRequest{SchemaVersion: 1, RequestID: "o5", Account: AccountRef{UPN: "a@ABC.com"}}, "", "reason: must be 1 to 256 characters without control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ValidateOffboard(demoTenant(), tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(ErrorMessage(err), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.UPN != tt.wantUPN {
				t.Fatalf("UPN = %q, want %q", got.UPN, tt.wantUPN)
			}
		})
	}
}
