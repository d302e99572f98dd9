package main

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"
)

// An onboard, its extension and an offboard of one person, then the
// account's history and the auditor's export, read back from the journal.
func TestAccountsHistoryAndExport(t *testing.T) {
	_, _, env := emulator(t)
	onboard := func(id string, months int) string {
		end := time.Now().UTC().AddDate(0, months, 0).Format(time.DateOnly)
		return writeFile(t, id+".json", fmt.Sprintf(`{"schemaVersion":1,"requestId":%q,"vendor":"Vendor1",
"person":{"givenName":"Kim","surname":"Kay","email":"kim@vendor1.com"},
"contract":{"start":"2026-01-01","end":%q},"sponsor":"pat.sponsor@ABC.com"}`, id, end))
	}
	off := writeFile(t, "off.json", `{"schemaVersion":1,"requestId":"h-off","account":{"upn":"kim_SA@ABC.com"},"reason":"=HYPERLINK(\"x\") project cancelled"}`)
	for _, args := range [][]string{{"onboard", onboard("h-1", 3)}, {"onboard", onboard("h-2", 6)}, {"offboard", off}} {
		if out, _, err := run(t, env, append([]string{"process"}, args...)...); err != nil {
			t.Fatalf("process %v: %v\n%s", args, err, out)
		}
	}

	out, _, err := run(t, env, "accounts", "history", "kim_SA@ABC.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"h-1", "sponsor pat.sponsor@ABC.com", "contract extension: ", "no new credential", "h-off", "reason: =HYPERLINK", "mark-offboarded"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	if i, j := strings.Index(out, "h-1"), strings.Index(out, "h-off"); i < 0 || j < i {
		t.Errorf("history is not oldest first:\n%s", out)
	}
	if _, _, err := run(t, env, "accounts", "history", "nobody_SA@ABC.com"); exitCode(err) != 4 {
		t.Errorf("history of an unknown account: %v (exit %d), want exit 4", err, exitCode(err))
	}

	today := time.Now().UTC().Format(time.DateOnly)
	out, _, err = run(t, env, "accounts", "export", "--since", today, "-o", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, out)
	}
	if len(rows) < 4 || strings.Join(rows[0], ",") != "at,upn,requestId,kind,event,status,requestedBy,detail" {
		t.Fatalf("export rows: %v", rows)
	}
	requests := 0
	for _, r := range rows[1:] {
		if r[4] == "request" {
			requests++
		}
		if r[2] == "h-off" && r[4] == "request" && !strings.HasPrefix(r[7], "reason: =") {
			t.Errorf("offboard row %v", r)
		}
		for _, c := range r {
			if strings.HasPrefix(c, "=") {
				t.Errorf("a cell starts with '=': %v", r)
			}
		}
	}
	if requests != 3 {
		t.Errorf("%d request rows, want 3", requests)
	}
	if out, _, _ := run(t, env, "accounts", "export", "--until", today, "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("export before today: %s", out)
	}
	for _, args := range [][]string{{"--since", "yesterday"}, {"--since", today, "--until", today}, {"-o", "xml"}} {
		if _, _, err := run(t, env, append([]string{"accounts", "export"}, args...)...); err == nil {
			t.Errorf("export %v: no error", args)
		}
	}
}
