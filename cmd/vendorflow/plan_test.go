package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/plan"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// plan, run as a user would, against the emulator over HTTP: the table
// and the JSON, the exit codes, and never a Graph or journal write.
func TestPlanCommand(t *testing.T) {
	end := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	request := func(id, email string) string {
		return writeFile(t, id+".json", fmt.Sprintf(`{"schemaVersion":1,"requestId":%q,"vendor":"Vendor1",
"person":{"givenName":"Noa","surname":"Nash","email":%q},
"contract":{"start":"2026-01-01","end":%q},"sponsor":"pat.sponsor@ABC.com"}`, id, email, end))
	}
	tests := []struct {
		name  string
		sim   func(t *testing.T, s *tenantsim.Server)
		args  func() []string
		stdin string
		exit  int
		out   []string // in stdout
		json  func(t *testing.T, r plan.Report)
	}{
		{
			name: "table",
			args: func() []string { return []string{"plan", "onboard", request("pl-1", "noa@vendor1.com")} },
			out: []string{"would reach done (exit 0)", "create user noa_SA@ABC.com", "employeeLeaveDateTime",
				"a Temporary Access Pass valid 8h would be mailed to noa@vendor1.com", "no journal at ", "nothing on record"},
		},
		{
			name: "json",
			args: func() []string { return []string{"plan", "onboard", request("pl-2", "noa@vendor1.com"), "-o", "json"} },
			json: func(t *testing.T, r plan.Report) {
				p := r.Requests[0]
				if !p.Outcome.Done() || p.Account != "noa_SA@ABC.com" || r.Totals.Seats[0].FreeAfter != 4 {
					t.Errorf("plan %+v, seats %+v", p.Outcome, r.Totals.Seats)
				}
			},
		},
		{
			name: "no free seat",
			sim: func(t *testing.T, s *tenantsim.Server) {
				seed, err := tenantsim.DemoSeed("ABC.com").WithSeats(tenantsim.PartRemoteAssist, 0)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Load(seed); err != nil {
					t.Fatal(err)
				}
			},
			args: func() []string { return []string{"plan", "onboard", request("pl-3", "noa@vendor1.com")} },
			exit: 5,
			out:  []string{"FAILS: no free seat for MICROSOFT_REMOTE_ASSIST (0 of 0 in use)", "would stop at ensure-licenses, parked (business, exit 5)"},
		},
		{
			name:  "invalid, from stdin",
			args:  func() []string { return []string{"plan", "onboard", "-", "-o", "json"} },
			stdin: `{"schemaVersion":1,"requestId":"pl-4","vendor":"Acme","person":{"givenName":"A","surname":"B","email":"a@acme.com"},"contract":{"start":"2026-01-01","end":"2099-01-01"},"sponsor":"pat.sponsor@ABC.com"}`,
			exit:  2,
			json: func(t *testing.T, r plan.Report) {
				p := r.Requests[0]
				if p.Label != "stdin" || len(p.Problems) == 0 || p.Problems[0].Field != "vendor" || p.Outcome.ExitCode != 2 {
					t.Errorf("plan %+v", p)
				}
			},
		},
		{
			name: "offboard of no account",
			args: func() []string {
				return []string{"plan", "offboard", writeFile(t, "end.json", `{"schemaVersion":1,"requestId":"pl-5","account":{"upn":"ghost_SA@ABC.com"},"reason":"left"}`)}
			},
			exit: 4,
			out:  []string{"FAILS: no account ghost_SA@ABC.com exists"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim, _, env := emulator(t)
			if tc.sim != nil {
				tc.sim(t, sim)
			}
			writes := sim.Stats().Writes
			m := NewMain(nil, nil, testEnv(env))
			var stdout, stderr strings.Builder
			m.Stdout, m.Stderr = &stdout, &stderr
			root := m.rootCommand()
			root.SetIn(strings.NewReader(tc.stdin))
			root.SetArgs(tc.args())
			err := root.ExecuteContext(t.Context())
			if code := exitCodeOf(err); code != tc.exit {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, tc.exit, stdout.String())
			}
			for _, want := range tc.out {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			if tc.json != nil {
				var r plan.Report
				if err := json.Unmarshal([]byte(stdout.String()), &r); err != nil {
					t.Fatalf("-o json: %v\n%s", err, stdout.String())
				}
				tc.json(t, r)
			}
			if n := sim.Stats().Writes - writes; n != 0 {
				t.Errorf("plan made %d Graph writes", n)
			}
			if _, err := os.Stat(env["VENDORFLOW_JOURNAL_PATH"]); !os.IsNotExist(err) {
				t.Errorf("plan created the journal %s (stat: %v)", env["VENDORFLOW_JOURNAL_PATH"], err)
			}
		})
	}
}

func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	return exitCode(err)
}

// Without Graph settings a plan is refused with the settings to give; its
// help has examples, the emulator's among them.
func TestPlanCommandSetup(t *testing.T) {
	req := writeFile(t, "r.json", validOnboard)
	_, _, err := run(t, map[string]string{}, "plan", "onboard", req)
	if err == nil || err.Error() != app.ErrPlanNoGraph.Error() || exitCode(err) != 2 {
		t.Fatalf("err %v (exit %d), want ErrPlanNoGraph", err, exitCodeOf(err))
	}
	for _, want := range []string{"VENDORFLOW_GRAPH_BASE_URL", "vendorflow tenantsim", "AZURE_TENANT_ID", "VENDORFLOW_MANAGED_IDENTITY=true"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not name %s: %v", want, err)
		}
	}
	out, _, err := run(t, nil, "plan", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Examples:", "vendorflow tenantsim --addr", "VENDORFLOW_GRAPH_BASE_URL=", "plan onboard - --config", "-o, --output format"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	_, _, err = run(t, map[string]string{}, "plan", "extend", req)
	if exitCodeOf(err) != 2 || !strings.Contains(err.Error(), "onboard or offboard") {
		t.Errorf("plan extend: %v", err)
	}
	if domain.OutcomeOf(domain.Business).ExitCode != 5 {
		t.Fatal("exit codes moved")
	}
}
