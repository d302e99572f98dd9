package ops_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/ops"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// seeded is a journal holding four requests of three vendors, created a
// minute apart, and their accounts.
func seeded(t *testing.T) (*journal.Journal, domain.Tenant) {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(t0)
	j, err := journal.Open(ctx, journal.Config{Path: ":memory:", Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	cfg, err := config.Parse(config.Sample(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	reqs := []struct {
		id, kind, upn string
		payload       any
		status        domain.RequestStatus
		code          domain.Code
		reason        string
	}{
		{"on-a", domain.KindOnboard, "Vendor1_A_SA@ABC.com", map[string]any{"vendor": "Vendor1", "person": map[string]string{"email": "vendor1_a@vendor1.com"}}, domain.RequestDone, "", ""},
		{"on-b", domain.KindOnboard, "", map[string]any{"vendor": "Vendor2", "person": map[string]string{"email": "b@vendor2.com"}}, domain.RequestParked, domain.Business, "no free seat of MICROSOFT_REMOTE_ASSIST"},
		{"off-a", domain.KindOffboard, "Vendor1_A_SA@ABC.com", map[string]any{"account": map[string]string{"upn": "Vendor1_A_SA@ABC.com"}}, domain.RequestDone, "", ""},
		{"on-c", domain.KindOnboard, "Vendor_SA@ABC.com", map[string]any{"vendor": "Contractor", "person": map[string]string{"email": "vendor@outlook.com"}}, domain.RequestDone, "", ""},
	}
	for _, r := range reqs {
		body, _ := json.Marshal(r.payload)
		if _, _, err := j.Begin(ctx, domain.RequestRecord{ID: r.id, Kind: r.kind, Fingerprint: r.id, Payload: body, UPN: r.upn}); err != nil {
			t.Fatal(err)
		}
		if err := j.SetStatus(ctx, r.id, domain.RequestRunning, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := j.SetStatus(ctx, r.id, r.status, r.code, r.reason); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	for _, a := range []domain.AccountRecord{
		{UPN: "Vendor1_A_SA@ABC.com", Vendor: "Vendor1", Email: "vendor1_a@vendor1.com", State: domain.AccountOffboarded, ContractEnd: t0.AddDate(0, 1, 0)},
		{UPN: "Vendor_SA@ABC.com", Vendor: "Contractor", Email: "vendor@outlook.com", State: domain.AccountActive, ContractEnd: t0.AddDate(0, 0, 10), Sponsor: "pat.sponsor@ABC.com"},
		{UPN: "Vendor1_B_SA@ABC.com", Vendor: "Vendor1", Email: "vendor1_b@vendor1.com", State: domain.AccountActive, ContractEnd: t0.AddDate(0, 3, 0)},
		{UPN: "Claimed_SA@ABC.com", ClaimedBy: "on-x", ClaimedAt: t0},
	} {
		if err := j.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return j, cfg.Tenant
}

func TestRequests(t *testing.T) {
	j, _ := seeded(t)
	ids := func(rows []ops.RequestRow) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    ops.RequestFilter
		want []string
		err  string
	}{
		{"all, newest first", ops.RequestFilter{}, []string{"on-c", "off-a", "on-b", "on-a"}, ""},
		{"by state", ops.RequestFilter{Status: domain.RequestParked}, []string{"on-b"}, ""},
		// the offboard names its account by UPN: its vendor is the account's
		{"by vendor, any letter case", ops.RequestFilter{Vendor: "vendor1"}, []string{"off-a", "on-a"}, ""},
		{"by kind", ops.RequestFilter{Kind: domain.KindOffboard}, []string{"off-a"}, ""},
		{"since", ops.RequestFilter{Since: t0.Add(2 * time.Minute)}, []string{"on-c", "off-a"}, ""},
		{"limit", ops.RequestFilter{Limit: 2}, []string{"on-c", "off-a"}, ""},
		{"vendor and limit", ops.RequestFilter{Vendor: "Vendor1", Limit: 1}, []string{"off-a"}, ""},
		{"unknown state", ops.RequestFilter{Status: "stuck"}, nil, `state "stuck" is not a request state; use one of received, running, retrying, parked, done, superseded`},
		{"limit too large", ops.RequestFilter{Limit: ops.MaxLimit + 1}, nil, "limit 1001 must be between 1 and 1000"},
		{"unknown kind", ops.RequestFilter{Kind: "rehire"}, nil, `kind "rehire" is not a request kind; use one of onboard, offboard, reconcile`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := ops.Requests(context.Background(), j, tc.f)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || domain.ErrorCode(err) != domain.Invalid {
					t.Fatalf("err = %v, want Invalid %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, ids(rows)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestRowsCarryWhoAndWhy(t *testing.T) {
	j, _ := seeded(t)
	rows, err := ops.Requests(context.Background(), j, ops.RequestFilter{Status: domain.RequestParked})
	if err != nil {
		t.Fatal(err)
	}
	want := []ops.RequestRow{{ID: "on-b", Kind: domain.KindOnboard, Vendor: "Vendor2", Email: "b@vendor2.com", Status: domain.RequestParked,
		ReasonCode: domain.Business, Reason: "no free seat of MICROSOFT_REMOTE_ASSIST", CreatedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(time.Minute)}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestRequestDetail(t *testing.T) {
	j, _ := seeded(t)
	ctx := context.Background()
	if _, err := j.StartStep(ctx, "on-a", domain.StepValidate); err != nil {
		t.Fatal(err)
	}
	d, err := ops.Request(ctx, j, "off-a")
	if err != nil {
		t.Fatal(err)
	}
	if d.Request.Vendor != "Vendor1" || d.Steps == nil || len(d.Steps) != 0 {
		t.Errorf("off-a = %+v, want vendor Vendor1 and no steps", d)
	}
	d, err = ops.Request(ctx, j, "on-a")
	if err != nil || len(d.Steps) != 1 || d.Steps[0].Step != domain.StepValidate || d.Steps[0].Attempts != 1 {
		t.Errorf("on-a = %+v, %v; want its one step", d, err)
	}
	if _, err := ops.Request(ctx, j, "nope"); domain.ErrorCode(err) != domain.NotFound {
		t.Errorf("unknown id: err = %v, want NotFound", err)
	}
}

func TestAccounts(t *testing.T) {
	j, tenant := seeded(t)
	upns := func(rows []ops.AccountRow) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, r.UPN)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    ops.AccountFilter
		want []string
		err  string
	}{
		// the record holding only a claim is no account
		{"all, by UPN", ops.AccountFilter{}, []string{"Vendor1_A_SA@ABC.com", "Vendor1_B_SA@ABC.com", "Vendor_SA@ABC.com"}, ""},
		{"by vendor", ops.AccountFilter{Vendor: "VENDOR1"}, []string{"Vendor1_A_SA@ABC.com", "Vendor1_B_SA@ABC.com"}, ""},
		{"by state", ops.AccountFilter{State: domain.AccountActive}, []string{"Vendor1_B_SA@ABC.com", "Vendor_SA@ABC.com"}, ""},
		// the offboarded account's contract also ends within the window, but it is no longer active
		{"expiring within 14 days", ops.AccountFilter{ExpiringWithin: 14 * 24 * time.Hour, Now: t0}, []string{"Vendor_SA@ABC.com"}, ""},
		{"expiring within 9 days", ops.AccountFilter{ExpiringWithin: 9 * 24 * time.Hour, Now: t0}, []string{}, ""},
		{"ended contracts are not expiring", ops.AccountFilter{ExpiringWithin: 90 * 24 * time.Hour, Now: t0.AddDate(0, 0, 11)}, []string{"Vendor1_B_SA@ABC.com"}, ""},
		{"unknown state", ops.AccountFilter{State: "gone"}, nil, `state "gone" is not an account state; use one of active, offboarded, deleted`},
		{"expiring and active", ops.AccountFilter{State: domain.AccountActive, ExpiringWithin: 14 * 24 * time.Hour, Now: t0}, []string{"Vendor_SA@ABC.com"}, ""},
		{"expiring but offboarded", ops.AccountFilter{State: domain.AccountOffboarded, ExpiringWithin: time.Hour, Now: t0}, nil, `expiring-within keeps active accounts only; state "offboarded" contradicts it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := ops.Accounts(context.Background(), j, tenant, tc.f)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || domain.ErrorCode(err) != domain.Invalid {
					t.Fatalf("err = %v, want Invalid %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, upns(rows)); diff != "" {
				t.Errorf("upns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccountRowsSegmentAndLicences(t *testing.T) {
	j, tenant := seeded(t)
	rows, err := ops.Accounts(context.Background(), j, tenant, ops.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ops.AccountRow{}
	for _, r := range rows {
		got[r.UPN] = r
	}
	active := got["Vendor_SA@ABC.com"]
	if active.Segment != "Contractors" || !cmp.Equal(active.Licences, []string{"MICROSOFT_REMOTE_ASSIST", "INFORMATION_PROTECTION_COMPLIANCE"}) ||
		active.Sponsor != "pat.sponsor@ABC.com" {
		t.Errorf("active contractor = %+v, want segment Contractors, both licences and the sponsor", active)
	}
	if off := got["Vendor1_A_SA@ABC.com"]; off.Segment != "" || off.Licences != nil {
		t.Errorf("offboarded = %+v, want no segment and no licences", off)
	}
}
