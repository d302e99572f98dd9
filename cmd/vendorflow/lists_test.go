package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/ops"
)

// listT0 is when the list tests' journal begins; listNow is the CLI's
// clock: a day after the last request.
var (
	listT0  = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	listNow = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
)

// listJournal writes a journal the lists read: four requests of the
// sample tenant's vendors, two days apart from listT0 (the last on
// 2026-12-07), one parked with its reason and one with a finished step;
// and the accounts they made. It returns the environment that points the
// CLI at it.
func listJournal(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	clk := clock.NewFake(listT0)
	j, err := journal.Open(ctx, journal.Config{Path: path, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, r := range []struct {
		id, kind, upn, payload string
		status                 domain.RequestStatus
		code                   domain.Code
		reason                 string
	}{
		{"on-a", domain.KindOnboard, "Vendor1_A_SA@ABC.com", `{"vendor":"Vendor1","person":{"email":"vendor1_a@vendor1.com"}}`, domain.RequestDone, "", ""},
		{"on-b", domain.KindOnboard, "", `{"vendor":"Vendor2","person":{"email":"b@vendor2.com"}}`, domain.RequestParked, domain.Business, "no free seat of MICROSOFT_REMOTE_ASSIST"},
		{"off-a", domain.KindOffboard, "Vendor1_A_SA@ABC.com", `{"account":{"upn":"Vendor1_A_SA@ABC.com"}}`, domain.RequestDone, "", ""},
		{"on-c", domain.KindOnboard, "Vendor_SA@ABC.com", `{"vendor":"Contractor","person":{"email":"vendor@outlook.com"}}`, domain.RequestDone, "", ""},
	} {
		if _, _, err := j.Begin(ctx, domain.RequestRecord{ID: r.id, Kind: r.kind, Fingerprint: r.id, Payload: []byte(r.payload), UPN: r.upn}); err != nil {
			t.Fatal(err)
		}
		if err := j.SetStatus(ctx, r.id, domain.RequestRunning, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := j.StartStep(ctx, r.id, domain.StepValidate); err != nil {
			t.Fatal(err)
		}
		if err := j.FinishStep(ctx, r.id, domain.StepValidate, nil); err != nil {
			t.Fatal(err)
		}
		if err := j.SetStatus(ctx, r.id, r.status, r.code, r.reason); err != nil {
			t.Fatal(err)
		}
		clk.Advance(48 * time.Hour)
	}
	for _, a := range []domain.AccountRecord{
		{UPN: "Vendor1_A_SA@ABC.com", Vendor: "Vendor1", Email: "vendor1_a@vendor1.com", State: domain.AccountOffboarded, ContractEnd: listNow.AddDate(0, 0, 5)},
		{UPN: "Vendor_SA@ABC.com", Vendor: "Contractor", Email: "vendor@outlook.com", State: domain.AccountActive, ContractEnd: listNow.AddDate(0, 0, 10), Sponsor: "pat.sponsor@ABC.com"},
		{UPN: "Vendor1_B_SA@ABC.com", Vendor: "Vendor1", Email: "vendor1_b@vendor1.com", State: domain.AccountActive, ContractEnd: listNow.Add(30 * time.Hour)},
		{UPN: "Vendor2_C_SA@ABC.com", Vendor: "Vendor2", Email: "c@vendor2.com", State: domain.AccountActive, ContractEnd: listNow.AddDate(0, 3, 0)},
	} {
		if err := j.PutAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return map[string]string{"VENDORFLOW_JOURNAL_PATH": path}
}

// runAt runs the CLI as run does, on a clock at now.
func runAt(t *testing.T, now time.Time, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain(&out, &errOut, testEnv(env))
	m.Clock = clock.NewFake(now)
	err := m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

// TestRequestsList: the filters, as -o json rows, and the refusals, each
// naming its flag with exit code 2.
func TestRequestsList(t *testing.T) {
	env := listJournal(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string // request ids, newest first
		err  string
	}{
		{"all", nil, []string{"on-c", "off-a", "on-b", "on-a"}, ""},
		{"by state", []string{"--state", "parked"}, []string{"on-b"}, ""},
		{"by vendor, in any letter case, the offboard by its account", []string{"--vendor", "VENDOR1"}, []string{"off-a", "on-a"}, ""},
		{"by kind", []string{"--kind", "offboard"}, []string{"off-a"}, ""},
		{"limit", []string{"--limit", "2"}, []string{"on-c", "off-a"}, ""},
		// on-c was created on 2026-12-07 09:00, off-a two days before it
		{"since 7d", []string{"--since", "7d"}, []string{"on-c", "off-a", "on-b", "on-a"}, ""},
		{"since 36h", []string{"--since", "36h"}, []string{"on-c"}, ""},
		{"since 3d", []string{"--since", "3d"}, []string{"on-c", "off-a"}, ""},
		{"since a date", []string{"--since", "2026-12-03"}, []string{"on-c", "off-a", "on-b"}, ""},
		{"since an RFC 3339 time", []string{"--since", "2026-12-05T10:00:00+01:00"}, []string{"on-c", "off-a"}, ""},
		{"filters together", []string{"--vendor", "Vendor1", "--kind", "onboard", "--since", "2026-11-01"}, []string{"on-a"}, ""},
		{"nothing matches", []string{"--since", "2026-12-08"}, []string{}, ""},
		{"an unknown state", []string{"--state", "stuck"}, nil,
			`--state: state "stuck" is not a request state; use one of received, running, retrying, parked, done, superseded`},
		{"an unknown kind", []string{"--kind", "rehire"}, nil, `--kind: kind "rehire" is not a request kind; use one of onboard, offboard, reconcile`},
		{"a word for --since", []string{"--since", "yesterday"}, nil,
			`--since "yesterday" is neither a date (YYYY-MM-DD), an RFC 3339 time (2026-12-01T09:00:00Z) nor a span back from now (24h, 7d)`},
		{"weeks for --since", []string{"--since", "2w"}, nil, `--since "2w" is neither a date`},
		{"a limit of 0", []string{"--limit", "0"}, nil, "--limit must be between 1 and 1000, not 0"},
		{"a limit too large", []string{"--limit", "5000"}, nil, "--limit: limit 5000 must be between 1 and 1000"},
		{"a limit that is no number", []string{"--limit", "ten"}, nil, `invalid argument "ten" for "--limit" flag`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runAt(t, listNow, env, append([]string{"requests", "list", "-o", "json"}, tc.args...)...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || exitCode(err) != 2 {
					t.Fatalf("err = %v (exit %d), want exit 2 and %q", err, exitCode(err), tc.err)
				}
				if out != "" {
					t.Errorf("a refusal printed on stdout: %q", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []ops.RequestRow
			if err := json.Unmarshal([]byte(out), &rows); err != nil {
				t.Fatalf("-o json is not one JSON array: %v\n%s", err, out)
			}
			got := []string{}
			for _, r := range rows {
				got = append(got, r.ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequestsListOutputs: the JSON rows carry who and why; the table has
// a line per request and says when nothing matched (and why it may not
// have: a vendor the registry lacks); JSON says [].
func TestRequestsListOutputs(t *testing.T) {
	env := listJournal(t)
	out, _, err := runAt(t, listNow, env, "requests", "list", "--state", "parked", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	want := `[
  {
    "requestId": "on-b",
    "kind": "onboard",
    "vendor": "Vendor2",
    "email": "b@vendor2.com",
    "status": "parked",
    "reasonCode": "business",
    "reason": "no free seat of MICROSOFT_REMOTE_ASSIST",
    "attempts": 0,
    "createdAt": "2026-12-03T09:00:00Z",
    "updatedAt": "2026-12-03T09:00:00Z"
  }
]
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("-o json (-want +got):\n%s", diff)
	}

	out, _, err = runAt(t, listNow, env, "requests", "list", "--vendor", "vendor1")
	if err != nil {
		t.Fatal(err)
	}
	want = `REQUEST  KIND      VENDOR   ACCOUNT               STATUS  ATTEMPTS  CREATED              REASON
off-a    offboard  Vendor1  Vendor1_A_SA@ABC.com  done    0         2026-12-05 09:00:00  
on-a     onboard   Vendor1  Vendor1_A_SA@ABC.com  done    0         2026-12-01 09:00:00  
2 request(s); ` + "`vendorflow requests show ID`" + ` prints one with its steps
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}

	out, _, err = runAt(t, listNow, env, "requests", "list", "--state", "parked", "--since", "2026-12-06")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("no requests in the journal match (state parked, since 2026-12-06 00:00:00)\n", out); diff != "" {
		t.Errorf("empty table (-want +got):\n%s", diff)
	}
	out, _, err = runAt(t, listNow, env, "requests", "list", "--vendor", "Vendr1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "no requests in the journal match (vendor Vendr1); the vendor registry has no Vendr1 (it has Vendor1, Vendor2, Contractor)\n"; out != want {
		t.Errorf("empty table = %q, want %q", out, want)
	}
	out, _, err = runAt(t, listNow, env, "requests", "list", "--vendor", "Vendr1", "-o", "json")
	if err != nil || out != "[]\n" {
		t.Errorf("empty JSON = %q, %v; want []", out, err)
	}

	out, _, err = runAt(t, listNow, env, "requests", "list", "--limit", "1")
	if err != nil || !strings.HasSuffix(out, "1 request(s); the newest 1: --limit shows up to 1000; `vendorflow requests show ID` prints one with its steps\n") {
		t.Errorf("a full page does not say --limit shows more: %v\n%s", err, out)
	}
}

// TestRequestsShowAndStatus: requests show and status print the same; -o
// json is one object with the steps; status's old --json still works,
// with a notice on stderr only.
func TestRequestsShowAndStatus(t *testing.T) {
	env := listJournal(t)
	show, _, err := runAt(t, listNow, env, "requests", "show", "off-a")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"request off-a (offboard) done — Vendor1_A_SA@ABC.com\n",
		"vendor Vendor1, person -; created 2026-12-05 09:00:00, updated 2026-12-05 09:00:00; 0 attempt(s)\n", "validate  done"} {
		if !strings.Contains(show, want) {
			t.Errorf("requests show lacks %q:\n%s", want, show)
		}
	}
	status, _, err := runAt(t, listNow, env, "status", "off-a")
	if err != nil || status != show {
		t.Errorf("status = %q, %v; want what requests show prints:\n%s", status, err, show)
	}

	asJSON, stderr, err := runAt(t, listNow, env, "requests", "show", "on-b", "-o", "json")
	if err != nil || stderr != "" {
		t.Fatalf("-o json: %v, stderr %q", err, stderr)
	}
	var d ops.RequestDetail
	if err := json.Unmarshal([]byte(asJSON), &d); err != nil {
		t.Fatalf("-o json is not one JSON object: %v\n%s", err, asJSON)
	}
	if d.Request.ID != "on-b" || d.Request.Reason != "no free seat of MICROSOFT_REMOTE_ASSIST" || len(d.Steps) != 1 || d.Steps[0].Step != domain.StepValidate {
		t.Errorf("-o json = %+v", d)
	}
	old, stderr, err := runAt(t, listNow, env, "status", "on-b", "--json")
	if err != nil || old != asJSON {
		t.Errorf("status --json = %q, %v; want the -o json document", old, err)
	}
	if stderr != "vendorflow: --json is deprecated; use -o json\n" {
		t.Errorf("status --json stderr = %q", stderr)
	}
	if _, _, err := runAt(t, listNow, env, "status", "on-b", "--json", "-o", "table"); exitCode(err) != 2 || !strings.Contains(err.Error(), "--json and -o table contradict each other") {
		t.Errorf("--json -o table: %v (exit %d)", err, exitCode(err))
	}
	if out, _, _ := runAt(t, listNow, nil, "status", "--help"); strings.Contains(out, "--json") {
		t.Errorf("status --help shows the deprecated --json:\n%s", out)
	}
	if _, _, err := runAt(t, listNow, env, "requests", "show", "nope"); exitCode(err) != 4 {
		t.Errorf("an unknown id: %v (exit %d), want exit 4", err, exitCode(err))
	}
}

// TestAccountsList: the filters and the refusals; --expiring-within reads
// spans as --since does, and keeps active accounts whose contract ends
// within the span from the CLI's clock.
func TestAccountsList(t *testing.T) {
	env := listJournal(t)
	for _, tc := range []struct {
		name string
		args []string
		want []string // UPNs, in order
		err  string
	}{
		{"all, by UPN", nil, []string{"Vendor1_A_SA@ABC.com", "Vendor1_B_SA@ABC.com", "Vendor2_C_SA@ABC.com", "Vendor_SA@ABC.com"}, ""},
		{"by vendor", []string{"--vendor", "vendor1"}, []string{"Vendor1_A_SA@ABC.com", "Vendor1_B_SA@ABC.com"}, ""},
		{"by state", []string{"--state", "offboarded"}, []string{"Vendor1_A_SA@ABC.com"}, ""},
		// the offboarded account's contract ends within 14 days too, but it is not active
		{"expiring within 14d", []string{"--expiring-within", "14d"}, []string{"Vendor1_B_SA@ABC.com", "Vendor_SA@ABC.com"}, ""},
		{"expiring within 36h", []string{"--expiring-within", "36h"}, []string{"Vendor1_B_SA@ABC.com"}, ""},
		{"expiring within 1d", []string{"--expiring-within", "1d"}, []string{}, ""},
		{"expiring within 1d6h", []string{"--expiring-within", "1d6h"}, []string{"Vendor1_B_SA@ABC.com"}, ""},
		{"expiring, active, by vendor", []string{"--expiring-within", "14d", "--state", "active", "--vendor", "Contractor"}, []string{"Vendor_SA@ABC.com"}, ""},
		{"an unknown state", []string{"--state", "gone"}, nil, `--state: state "gone" is not an account state; use one of active, offboarded, deleted`},
		{"a date for a span", []string{"--expiring-within", "2027-01-01"}, nil,
			`--expiring-within "2027-01-01" is not a span of time; want a positive number of days or hours such as 7d, 14d or 36h`},
		{"a span of nothing", []string{"--expiring-within", "0d"}, nil, `--expiring-within "0d" is not a span of time`},
		{"a window with another state", []string{"--expiring-within", "14d", "--state", "offboarded"}, nil,
			`--expiring-within: expiring-within keeps active accounts only; state "offboarded" contradicts it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runAt(t, listNow, env, append([]string{"accounts", "list", "-o", "json"}, tc.args...)...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || exitCode(err) != 2 {
					t.Fatalf("err = %v (exit %d), want exit 2 and %q", err, exitCode(err), tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rows []ops.AccountRow
			if err := json.Unmarshal([]byte(out), &rows); err != nil {
				t.Fatalf("-o json is not one JSON array: %v\n%s", err, out)
			}
			got := []string{}
			for _, r := range rows {
				got = append(got, r.UPN)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("UPNs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAccountsListOutputs: the table's columns, and the empty list in
// both formats.
func TestAccountsListOutputs(t *testing.T) {
	env := listJournal(t)
	out, _, err := runAt(t, listNow, env, "accounts", "list", "--vendor", "Contractor")
	if err != nil {
		t.Fatal(err)
	}
	want := `UPN                VENDOR      STATE   CONTRACT ENDS        SEGMENT      LICENCES                                                    SPONSOR
Vendor_SA@ABC.com  Contractor  active  2026-12-18 09:00:00  Contractors  MICROSOFT_REMOTE_ASSIST, INFORMATION_PROTECTION_COMPLIANCE  pat.sponsor@ABC.com
1 account(s); ` + "`vendorflow accounts history UPN`" + ` prints what happened to one
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	out, _, err = runAt(t, listNow, env, "accounts", "list", "--state", "offboarded")
	if err != nil || !strings.Contains(out, "Vendor1_A_SA@ABC.com  Vendor1  offboarded  2026-12-13 09:00:00  -        -         -\n") {
		t.Errorf("an offboarded account shows no segment, licences or sponsor: %v\n%s", err, out)
	}
	out, _, err = runAt(t, listNow, env, "accounts", "list", "--state", "deleted", "--expiring-within", "")
	if err != nil || out != "no accounts in the journal match (state deleted)\n" {
		t.Errorf("empty table = %q, %v", out, err)
	}
	out, _, err = runAt(t, listNow, env, "accounts", "list", "--expiring-within", "12h", "-o", "json")
	if err != nil || out != "[]\n" {
		t.Errorf("empty JSON = %q, %v; want []", out, err)
	}
}
