package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/journal"
	"github.com/vendorflow/vendorflow/pkg/plan"
	"github.com/vendorflow/vendorflow/pkg/queue"
	"github.com/vendorflow/vendorflow/pkg/roster"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// rosterCSV is a roster of the demo tenant with n valid people, contracts
// current whenever the test runs, and the invalid rows given (each a
// whole line).
func rosterCSV(n int, invalid ...string) string {
	start := time.Now().UTC().Format(time.DateOnly)
	end := time.Now().UTC().AddDate(0, 6, 0).Format(time.DateOnly)
	var b strings.Builder
	b.WriteString("Vendor,First name,Last name,Email,Start,End,Sponsor\n")
	for i := range n {
		fmt.Fprintf(&b, "Vendor1,Ada,Lovelace,ada%d@vendor1.com,%s,%s,pat.sponsor@ABC.com\n", i+1, start, end)
	}
	for _, l := range invalid {
		b.WriteString(strings.NewReplacer("START", start, "END", end).Replace(l) + "\n")
	}
	return b.String()
}

// rosterEnv is an environment with the queue and the journal in a
// temporary directory.
func rosterEnv(t *testing.T) map[string]string {
	dir := t.TempDir()
	return map[string]string{
		"VENDORFLOW_QUEUE_PATH":   filepath.Join(dir, "queue.db"),
		"VENDORFLOW_JOURNAL_PATH": filepath.Join(dir, "journal.db"),
	}
}

// onboardMessages is the messages on the onboard queue at path.
func onboardMessages(t *testing.T, path string) []queue.Message {
	t.Helper()
	q, err := queue.Open(context.Background(), queue.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	msgs, err := q.Peek(context.Background(), "vendorflow-onboard", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// onboardQueue is the message ids on the onboard queue at path.
func onboardQueue(t *testing.T, path string) []string {
	t.Helper()
	var ids []string
	for _, m := range onboardMessages(t, path) {
		ids = append(ids, m.MessageID)
	}
	return ids
}

// onboardBodies is the bodies on the onboard queue at path, by message id.
func onboardBodies(t *testing.T, path string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, m := range onboardMessages(t, path) {
		out[m.MessageID] = m.Body
	}
	return out
}

// jsonReport runs enqueue --csv with -o json and decodes the report.
func jsonReport(t *testing.T, env map[string]string, args ...string) (roster.Report, error) {
	t.Helper()
	out, _, err := run(t, env, append([]string{"enqueue", "-o", "json", "--progress", "none"}, args...)...)
	var v struct {
		Roster string `json:"roster"`
		roster.Report
	}
	if jerr := json.Unmarshal([]byte(out), &v); jerr != nil {
		t.Fatalf("-o json printed %q: %v", out, jerr)
	}
	return v.Report, err
}

const badVendorRow = "Acme,Eve,Example,eve@vendor1.com,START,END,pat.sponsor@ABC.com"
const badEmailRow = "Vendor1,Mallory,Example,mallory@gmail.com,START,END,pat.sponsor@ABC.com"

// One invalid row: nothing is sent (the queue is not even created), every
// bad row is reported with its line and reason, exit code 2.
func TestEnqueueRosterAllOrNothing(t *testing.T) {
	env := rosterEnv(t)
	path := writeFile(t, "roster.csv", rosterCSV(3, badVendorRow, badEmailRow))
	out, _, err := run(t, env, "enqueue", "--csv", path)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "2 of 5 rows are invalid; nothing was sent (fix them, or pass --skip-invalid to send the 3 valid rows)") {
		t.Fatalf("err = %v (exit %d)", err, exitCode(err))
	}
	table := regexp.MustCompile(`  +`).ReplaceAllString(out, " ") // the table's columns, one space apart
	for _, want := range []string{
		"LINE REQUEST ID EMAIL VENDOR OUTCOME REASON\n",
		`5 - eve@vendor1.com Acme invalid Vendor: unknown vendor "Acme"; known vendors: Vendor1, Vendor2, Contractor` + "\n",
		`6 - mallory@gmail.com Vendor1 invalid Email: domain "gmail.com" is not allowed for vendor Vendor1 (allowed: vendor1.com)` + "\n",
		"0 sent, 2 invalid (nothing sent), 0 already known, 3 valid, not sent\n",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(env["VENDORFLOW_QUEUE_PATH"]); !os.IsNotExist(err) {
		t.Errorf("a refused roster opened the queue (stat: %v)", err)
	}
}

// --skip-invalid sends the valid rows and exits 0; a re-run sends nothing
// new: the queue drops what it has seen, and the journal's requests are
// not sent at all.
func TestEnqueueRosterSkipInvalidThenRerun(t *testing.T) {
	env := rosterEnv(t)
	path := writeFile(t, "roster.csv", rosterCSV(3, badVendorRow))
	out, errOut, err := run(t, env, "enqueue", "--csv", path, "--skip-invalid")
	if err != nil {
		t.Fatalf("enqueue: %v\n%s", err, errOut)
	}
	if !strings.HasSuffix(out, "\n3 sent, 1 invalid (skipped), 0 already known\n") {
		t.Errorf("summary:\n%s", out)
	}
	if !strings.Contains(errOut, "sent 3/3 (100%)") {
		t.Errorf("stderr (not a terminal) lacks the progress line: %q", errOut)
	}
	ids := onboardQueue(t, env["VENDORFLOW_QUEUE_PATH"])
	if len(ids) != 3 {
		t.Fatalf("queued %v, want 3", ids)
	}

	rep, err := jsonReport(t, env, "--csv", path, "--skip-invalid")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(roster.Summary{Rows: 4, Invalid: 1, Duplicates: 3, SkippedInvalid: true}, rep.Summary); diff != "" {
		t.Errorf("re-run summary (-want +got):\n%s", diff)
	}

	// The handler has run two of them: the journal knows them.
	j, err := journal.Open(context.Background(), journal.Config{Path: env["VENDORFLOW_JOURNAL_PATH"]})
	if err != nil {
		t.Fatal(err)
	}
	bodies := onboardBodies(t, env["VENDORFLOW_QUEUE_PATH"])
	for _, id := range ids[:2] {
		if _, _, err := j.Begin(context.Background(), domain.RequestRecord{ID: id, Kind: domain.KindOnboard, Fingerprint: domain.Fingerprint(bodies[id]), Status: domain.RequestReceived}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	rep, err = jsonReport(t, env, "--csv", path, "--skip-invalid")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rep.Rows {
		got = append(got, fmt.Sprintf("%d %s %s %s", r.Line, r.RequestID, r.Outcome, r.Reason))
	}
	want := []string{
		"2 " + ids[0] + " known already known (status received)",
		"3 " + ids[1] + " known already known (status received)",
		"4 " + ids[2] + " duplicate the queue dropped it: sent before, within its duplicate-detection window",
		`5  invalid Vendor: unknown vendor "Acme"; known vendors: Vendor1, Vendor2, Contractor`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if got := onboardQueue(t, env["VENDORFLOW_QUEUE_PATH"]); !cmp.Equal(ids, got) {
		t.Errorf("queue after re-runs = %v, want %v", got, ids)
	}
}

// -o json lists every row with its request id, reasons by column, and the
// summary.
func TestEnqueueRosterJSON(t *testing.T) {
	env := rosterEnv(t)
	path := writeFile(t, "roster.csv", rosterCSV(2, badEmailRow))
	rep, err := jsonReport(t, env, "--csv", path)
	if exitCode(err) != 2 {
		t.Fatalf("err = %v, want exit 2", err)
	}
	if len(rep.Rows) != 3 || rep.Rows[0].Outcome != roster.OutcomeValid || !strings.HasPrefix(rep.Rows[0].RequestID, "onboard-Vendor1-") {
		t.Errorf("rows = %+v", rep.Rows)
	}
	wantProblems := []domain.Problem{{Field: "Email", Message: `domain "gmail.com" is not allowed for vendor Vendor1 (allowed: vendor1.com)`}}
	if r := rep.Rows[2]; r.Line != 4 || r.Outcome != roster.OutcomeInvalid || !cmp.Equal(wantProblems, r.Problems) {
		t.Errorf("invalid row = %+v", r)
	}
	rep, err = jsonReport(t, env, "--csv", path, "--skip-invalid")
	if err != nil || rep.Summary.Sent != 2 || rep.Rows[1].Outcome != roster.OutcomeSent {
		t.Errorf("--skip-invalid: %+v, %v", rep, err)
	}
}

// The progress modes: lines on request, a bar on request (with rate and
// time left), none, and lines when stderr is not a terminal.
func TestEnqueueRosterProgress(t *testing.T) {
	tests := []struct {
		mode string
		want string // a regexp on stderr
	}{
		{"lines", `^sent 3/3 \(100%\) in [0-9.]+[µm]?s, \d+/s\n$`},
		{"auto", `^sent 3/3 \(100%\) in `},
		{"bar", `sending 100% \|█+\| \(3/3, \d+ requests/s\)\n$`},
		{"none", `^$`},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			env := rosterEnv(t)
			path := writeFile(t, "roster.csv", rosterCSV(3))
			_, errOut, err := run(t, env, "enqueue", "--csv", path, "--progress", tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(tc.want).MatchString(errOut) {
				t.Errorf("stderr %q does not match %s", errOut, tc.want)
			}
		})
	}
}

// Mistakes in the roster as a whole, or in the flags, name what to fix.
func TestEnqueueRosterErrors(t *testing.T) {
	env := rosterEnv(t)
	good := writeFile(t, "good.csv", rosterCSV(1))
	tests := []struct {
		name string
		args []string
		exit int
		want string
	}{
		{"an unknown column", []string{"--csv", writeFile(t, "h.csv", "vendor,givenName,surname,email,phone,contractStart,contractEnd,sponsor\n")}, 2,
			`column 5 ("phone") is not a roster column`},
		{"a missing column", []string{"--csv", writeFile(t, "m.csv", "vendor,givenName,surname,email,contractStart,contractEnd\nVendor1,A,B,a@vendor1.com,2027-01-01,2027-02-01\n")}, 2,
			"required columns missing: sponsor"},
		{"only a header", []string{"--csv", writeFile(t, "e.csv", "vendor,givenName,surname,email,contractStart,contractEnd,sponsor\r\n")}, 2, "a header but no rows"},
		{"no such file", []string{"--csv", filepath.Join(t.TempDir(), "nope.csv")}, 4, "no such file"},
		{"a bad --progress", []string{"--csv", good, "--progress", "fancy"}, 2, "--progress must be auto, bar, lines or none"},
		{"--csv with a kind", []string{"onboard", "--csv", good}, 2, "--csv takes no other arguments"},
		{"--skip-invalid alone", []string{"onboard", good, "--skip-invalid"}, 2, "go with --csv"},
		// a dry run asked for one request must never send it
		{"--plan alone", []string{"onboard", good, "--plan"}, 2, "--plan go with --csv"},
		{"a bad -o", []string{"--csv", good, "-o", "yaml"}, 2, "-o must be table or json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := run(t, env, append([]string{"enqueue"}, tc.args...)...)
			if err == nil || exitCode(err) != tc.exit || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v (exit %d), want exit %d and %q", err, exitCode(err), tc.exit, tc.want)
			}
		})
	}
	if _, err := os.Stat(env["VENDORFLOW_QUEUE_PATH"]); !os.IsNotExist(err) {
		t.Errorf("a refused command created the queue file (stat: %v)", err)
	}
}

// The single-request form reports as JSON too.
func TestEnqueueOneJSON(t *testing.T) {
	env := rosterEnv(t)
	out, _, err := run(t, env, "enqueue", "onboard", writeFile(t, "req.json", validOnboard), "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("{\n  \"kind\": \"onboard\",\n  \"requestId\": \"cli-test-1\",\n  \"queue\": \"vendorflow-onboard\",\n  \"where\": %q\n}\n", env["VENDORFLOW_QUEUE_PATH"])
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// --plan plans the roster's valid rows against the emulator, seats counted
// down the roster, and sends nothing and writes nothing: no Graph write,
// no queue, no journal. Invalid rows are listed; they make the exit code 2
// unless --skip-invalid, when the exit code is the plan's.
func TestEnqueueRosterPlan(t *testing.T) {
	path := writeFile(t, "roster.csv", rosterCSV(4, badVendorRow))
	tests := []struct {
		name  string
		args  []string
		exit  int
		check func(t *testing.T, out string)
	}{
		{"invalid rows, table", []string{"--csv", path, "--plan"}, 2, func(t *testing.T, out string) {
			for _, want := range []string{"NOT PLANNED: INVALID", "unknown vendor \"Acme\"", "4 request(s): 3 would reach done, 1 would not (1 business)",
				"no free seat for MICROSOFT_REMOTE_ASSIST (3 of 3 in use)", "4 valid rows planned, 1 invalid rows not planned; nothing was sent"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
		}},
		{"skip invalid, json", []string{"--csv", path, "--plan", "--skip-invalid", "-o", "json"}, 5, func(t *testing.T, out string) {
			var v struct {
				Invalid []roster.Result `json:"invalid"`
				Plan    plan.Report     `json:"plan"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("-o json: %v\n%s", err, out)
			}
			if len(v.Invalid) != 1 || v.Invalid[0].Line != 6 || v.Plan.Totals.WouldSucceed != 3 || v.Plan.Totals.WouldFail != 1 ||
				v.Plan.Requests[0].Label != "line 2" || v.Plan.Totals.Seats[0].Short != 1 {
				t.Errorf("report: invalid %+v, totals %+v", v.Invalid, v.Plan.Totals)
			}
		}},
		{"progress is for sending", []string{"--csv", path, "--plan", "--progress", "lines"}, 2, func(t *testing.T, out string) {}},
		// every row invalid: the rows are listed even where no tenant could be read
		{"nothing valid", []string{"--csv", writeFile(t, "bad.csv", rosterCSV(0, badVendorRow, badEmailRow)), "--plan"}, 2, func(t *testing.T, out string) {
			if !strings.Contains(out, "0 valid rows planned, 2 invalid rows not planned") {
				t.Errorf("stdout:\n%s", out)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, _, env := emulator(t)
			env["VENDORFLOW_QUEUE_PATH"] = filepath.Join(t.TempDir(), "queue.db")
			if strings.HasPrefix(tc.name, "nothing valid") {
				delete(env, "VENDORFLOW_GRAPH_BASE_URL") // no Graph settings at all
			}
			seed, err := tenantsim.DemoSeed("ABC.com").WithSeats(tenantsim.PartRemoteAssist, 3)
			if err != nil {
				t.Fatal(err)
			}
			if err := sim.Load(seed); err != nil {
				t.Fatal(err)
			}
			writes := sim.Stats().Writes
			out, _, err := run(t, env, append([]string{"enqueue"}, tc.args...)...)
			if code := exitCodeOf(err); code != tc.exit {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, tc.exit, out)
			}
			tc.check(t, out)
			if n := sim.Stats().Writes - writes; n != 0 {
				t.Errorf("the plan made %d Graph writes", n)
			}
			for _, f := range []string{"VENDORFLOW_QUEUE_PATH", "VENDORFLOW_JOURNAL_PATH"} {
				if _, err := os.Stat(env[f]); !os.IsNotExist(err) {
					t.Errorf("the plan created %s (stat: %v)", env[f], err)
				}
			}
		})
	}
}
