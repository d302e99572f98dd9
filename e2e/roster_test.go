package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/roster"
)

// A roster through the whole local app: `enqueue --csv --skip-invalid`
// sends the valid rows, the handler onboards each, and the same roster run
// again sends nothing: the journal knows every request.
func TestRosterOnboardsThenRerunSendsNothing(t *testing.T) {
	s := startStack(t, stackOptions{})
	people := []person{{"Vendor1", "rosterada"}, {"Vendor2", "rostergrace"}, {"Contractor", "rosteredsger"}}
	start, end := time.Now().UTC().Format(time.DateOnly), inQuarter()
	var b strings.Builder
	b.WriteString("vendor,givenName,surname,email,contractStart,contractEnd,sponsor\n")
	for _, p := range people {
		fmt.Fprintf(&b, "%s,Test,Person,%s,%s,%s,pat.sponsor@%s\n", p.vendor, p.email(), start, end, tenantDomain)
	}
	fmt.Fprintf(&b, "Vendor1,Test,Person,rostermallory@gmail.com,%s,%s,pat.sponsor@%s\n", start, end, tenantDomain)
	file := filepath.Join(s.dir, "roster.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	rep := s.rosterReport("enqueue", "--csv", file, "--skip-invalid", "-o", "json")
	if diff := cmp.Diff(roster.Summary{Rows: 4, Sent: 3, Invalid: 1, SkippedInvalid: true}, rep.Summary); diff != "" {
		t.Fatalf("first run (-want +got):\n%s", diff)
	}
	if r := rep.Rows[3]; r.Line != 5 || !strings.Contains(r.Reason, `email: domain "gmail.com" is not allowed for vendor Vendor1`) {
		t.Errorf("the invalid row: %+v", r)
	}
	for i, p := range people {
		st := s.waitStatus(rep.Rows[i].RequestID, domain.RequestDone, 30*time.Second)
		if st.Request.UPN != p.upn() {
			t.Errorf("%s onboarded %q, want %q", rep.Rows[i].RequestID, st.Request.UPN, p.upn())
		}
	}

	again := s.rosterReport("enqueue", "--csv", file, "--skip-invalid", "-o", "json")
	if diff := cmp.Diff(roster.Summary{Rows: 4, Invalid: 1, Known: 3, SkippedInvalid: true}, again.Summary); diff != "" {
		t.Errorf("re-run (-want +got):\n%s", diff)
	}
	for i, r := range again.Rows[:3] {
		if r.RequestID != rep.Rows[i].RequestID || r.Status != domain.RequestDone {
			t.Errorf("re-run row %d: %+v, want %s known as done", r.Line, r, rep.Rows[i].RequestID)
		}
	}
}

// rosterReport runs an `enqueue --csv ... -o json` and decodes its report.
func (s *stack) rosterReport(args ...string) roster.Report {
	s.t.Helper()
	var rep roster.Report
	if err := json.Unmarshal([]byte(s.mustCLI(args...)), &rep); err != nil {
		s.t.Fatalf("%v: %v", args, err)
	}
	return rep
}
