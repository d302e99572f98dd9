package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// process, status and barriers check, run as a user would, against the
// emulator over HTTP.
func TestProcessStatusAndBarriersCheck(t *testing.T) {
	_, _, env := emulator(t)
	end := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	onboard := func(id, vendor, email string) string {
		return writeFile(t, id+".json", fmt.Sprintf(`{"schemaVersion":1,"requestId":%q,"vendor":%q,
"person":{"givenName":"Kim","surname":"Kay","email":%q},
"contract":{"start":"2026-01-01","end":%q},"sponsor":"pat.sponsor@ABC.com"}`, id, vendor, email, end))
	}
	for _, r := range [][3]string{{"p-1", "Vendor1", "kim@vendor1.com"}, {"p-2", "Vendor2", "kim@vendor2.com"}} {
		out, _, err := run(t, env, "process", "onboard", onboard(r[0], r[1], r[2]))
		if err != nil || !strings.Contains(out, `"status": "done"`) {
			t.Fatalf("process %s: %v\n%s", r[0], err, out)
		}
	}

	out, _, err := run(t, env, "status", "p-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"request p-1 (onboard) done — kim_SA@ABC.com", "deliver-credentials", "barrier effective after the next policy application"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}

	// A later contract end for the same person: an extension, shown by status.
	laterDay := time.Now().UTC().AddDate(0, 5, 0)
	later := laterDay.Format(time.DateOnly)
	// a date-only end is the end of that day: the next midnight
	laterEnd := laterDay.Truncate(24*time.Hour).AddDate(0, 0, 1).Format(time.RFC3339)
	ext := writeFile(t, "p-ext.json", fmt.Sprintf(`{"schemaVersion":1,"requestId":"p-ext","vendor":"Vendor1",
"person":{"givenName":"Kim","surname":"Kay","email":"kim@vendor1.com"},
"contract":{"start":"2026-01-01","end":%q},"sponsor":"pat.sponsor@ABC.com"}`, later))
	if out, _, err := run(t, env, "process", "onboard", ext); err != nil || !strings.Contains(out, `"status": "done"`) {
		t.Fatalf("process p-ext: %v\n%s", err, out)
	}
	out, _, err = run(t, env, "status", "p-ext")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ensure-user: contract extension: ends ", " → " + laterEnd, "deliver-credentials: no new credential"} {
		if !strings.Contains(out, want) {
			t.Errorf("status of the extension lacks %q:\n%s", want, out)
		}
	}

	tests := []struct{ a, b, want string }{
		{"kim@vendor1.com", "kim@vendor2.com", "BLOCKED"},
		{"kim_SA@ABC.com", "ava.expert@ABC.com", "allowed"},
	}
	for _, tc := range tests {
		out, _, err := run(t, env, "barriers", "check", tc.a, tc.b)
		if err != nil {
			t.Fatalf("barriers check %s %s: %v", tc.a, tc.b, err)
		}
		if !strings.Contains(out, ": "+tc.want+"\n") {
			t.Errorf("barriers check %s %s = %q, want %s", tc.a, tc.b, out, tc.want)
		}
	}

	// An invalid request: exit code 2 (domain.OutcomeOf), reason printed.
	bad := onboard("p-3", "Acme", "kim@acme.com")
	out, _, err = run(t, env, "process", "onboard", bad)
	if err == nil || exitCode(err) != 2 || !strings.Contains(out, `unknown vendor \"Acme\"`) {
		t.Fatalf("invalid request: err %v (exit %d)\n%s", err, exitCode(err), out)
	}
}
