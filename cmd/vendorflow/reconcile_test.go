package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// An admin changes an account's companyName in the portal: reconcile
// --dry-run shows the drift and writes nothing, reconcile repairs it, and
// a second run finds none.
func TestReconcileCommand(t *testing.T) {
	sim, srv, env := emulator(t)
	end := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	req := writeFile(t, "r.json", `{"schemaVersion":1,"requestId":"rc-1","vendor":"Vendor1",
"person":{"givenName":"Kim","surname":"Kay","email":"kim@vendor1.com"},
"contract":{"start":"2026-01-01","end":"`+end+`"},"sponsor":"pat.sponsor@ABC.com"}`)
	if out, _, err := run(t, env, "process", "onboard", req); err != nil {
		t.Fatalf("process: %v\n%s", err, out)
	}
	// the portal edit
	patch, err := http.NewRequest(http.MethodPatch, srv.URL+"/v1.0/users/kim_SA@ABC.com", strings.NewReader(`{"companyName":"Elsewhere"}`))
	if err != nil {
		t.Fatal(err)
	}
	patch.Header.Set("Authorization", "Bearer portal")
	patch.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(patch)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH: %v %v", resp, err)
	}
	resp.Body.Close()

	sim.ResetStats()
	out, _, err := run(t, env, "reconcile", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 accounts checked, 1 drifts (dry run: nothing written)", "kim_SA@ABC.com", "segment", "Elsewhere", "would set companyName to Vendor1"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if w := sim.Stats().Writes; w != 0 {
		t.Errorf("the dry run wrote %d times", w)
	}
	out, _, err = run(t, env, "reconcile")
	if err != nil || !strings.Contains(out, "repaired: set companyName to Vendor1") || !strings.Contains(out, "journaled as reconcile-") {
		t.Fatalf("reconcile: %v\n%s", err, out)
	}
	if u, _ := sim.UserByUPN("kim_SA@ABC.com"); u.CompanyName != "Vendor1" {
		t.Errorf("companyName = %q after the repair", u.CompanyName)
	}
	if out, _, err := run(t, env, "reconcile", "-o", "json"); err != nil || !strings.Contains(out, `"drifts": []`) {
		t.Errorf("second run: %v\n%s", err, out)
	}
	if _, _, err := run(t, env, "reconcile", "-o", "yaml"); err == nil || !strings.Contains(err.Error(), "-o must be table or json") {
		t.Errorf("-o yaml: %v", err)
	}
}
