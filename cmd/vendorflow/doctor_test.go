package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/doctor"
	"github.com/vendorflow/vendorflow/pkg/graph"
)

// TestDoctorCommand: without Graph settings doctor checks an emulator of its
// own and passes (exit 0, a ✓ per check); against an emulator whose app
// lacks a permission it prints the ✗ with the fix, in JSON too, and exits
// with doctorFailedExit.
func TestDoctorCommand(t *testing.T) {
	env := map[string]string{"VENDORFLOW_JOURNAL_PATH": filepath.Join(t.TempDir(), "journal.db")}
	out, _, err := run(t, env, "doctor")
	if err != nil {
		t.Fatalf("doctor on its own emulator: %v\n%s", err, out)
	}
	if n := strings.Count(out, "✓ "); n != 11 || strings.Contains(out, "✗") || !strings.Contains(out, "11 of 11 checks passed") {
		t.Errorf("want 11 ✓ and no ✗:\n%s", out)
	}

	sim, _, env := emulator(t)
	sim.SetRoles(slices.DeleteFunc(graph.Permissions(), func(p string) bool { return p == "Mail.Send" }))
	out, _, err = run(t, env, "doctor")
	var ee *exitError
	if !asExit(err, &ee) || ee.code != doctorFailedExit {
		t.Fatalf("err = %v, want exit %d", err, doctorFailedExit)
	}
	if !strings.Contains(out, "✗ Graph token") || !strings.Contains(out, "fix: grant Mail.Send") {
		t.Errorf("table output lacks the ✗ and its fix:\n%s", out)
	}

	out, _, err = run(t, env, "doctor", "-o", "json")
	if !asExit(err, &ee) || ee.code != doctorFailedExit {
		t.Fatalf("-o json: err = %v, want exit %d", err, doctorFailedExit)
	}
	var r doctor.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("-o json: %v\n%s", err, out)
	}
	if r.OK || r.Failed != 1 || r.Checks[0].ID != doctor.CheckToken || r.Checks[0].OK {
		t.Errorf("report = %+v", r)
	}

	if _, _, err := run(t, env, "doctor", "-o", "yaml"); err == nil || !strings.Contains(err.Error(), "-o must be table or json") {
		t.Errorf("-o yaml: err = %v", err)
	}
}

// TestTenantsimRolesFlag: --roles takes only permissions the emulator knows.
func TestTenantsimRolesFlag(t *testing.T) {
	_, _, err := run(t, nil, "tenantsim", "--roles", "User.Read.All,Everything.All", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), `"Everything.All" is not a permission the emulator knows`) {
		t.Errorf("err = %v", err)
	}
}
