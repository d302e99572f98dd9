package barriers

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Microsoft's documented example round-trips through testdata/contoso.yaml.
func TestContosoRoundTrip(t *testing.T) {
	p := readFixture(t, "contoso.yaml")
	if fs := p.Findings(); len(fs) != 0 {
		t.Fatalf("findings: %v", fs)
	}
	out, err := Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// The documented cmdlets, as printed in "Contoso's defined segments" and
// "Contoso's IB policies", and what the generated script passes for them.
func TestContosoCmdlets(t *testing.T) {
	p := readFixture(t, "contoso.yaml")
	documentedSegments := map[string]string{ // -Name → -UserGroupFilter
		"HR":            "Department -eq 'HR'",
		"Sales":         "Department -eq 'Sales'",
		"Marketing":     "Department -eq 'Marketing'",
		"Research":      "Department -eq 'Research'",
		"Manufacturing": "Department -eq 'Manufacturing'",
	}
	got := map[string]string{}
	for _, s := range p.Segments {
		got[s.Name] = s.Filter.String()
	}
	if diff := cmp.Diff(documentedSegments, got); diff != "" {
		t.Errorf("UserGroupFilter (-documented +got):\n%s", diff)
	}

	script := PowerShell(p)
	wantLines := []string{
		// New-OrganizationSegment -Name "HR" -UserGroupFilter "Department -eq 'HR'"
		`Sync-VfSegment 'HR' 'Department -eq ''HR'''`,
		`Sync-VfSegment 'Manufacturing' 'Department -eq ''Manufacturing'''`,
		`Sync-VfSegment 'Marketing' 'Department -eq ''Marketing'''`,
		`Sync-VfSegment 'Research' 'Department -eq ''Research'''`,
		`Sync-VfSegment 'Sales' 'Department -eq ''Sales'''`,
		// New-InformationBarrierPolicy -Name "Manufacturing-HRMarketing" -AssignedSegment "Manufacturing" -SegmentsAllowed "HR","Marketing","Manufacturing" -State Inactive
		`Sync-VfPolicy 'Manufacturing-HRMarketing' 'Manufacturing' 'allow' @('Manufacturing', 'HR', 'Marketing')`,
		// New-InformationBarrierPolicy -Name "Research-Sales" -AssignedSegment "Research" -SegmentsBlocked "Sales" -State Inactive
		`Sync-VfPolicy 'Research-Sales' 'Research' 'block' @('Sales')`,
		// New-InformationBarrierPolicy -Name "Sales-Research" -AssignedSegment "Sales" -SegmentsBlocked "Research" -State Inactive
		`Sync-VfPolicy 'Sales-Research' 'Sales' 'block' @('Research')`,
		`Set-VfPolicyState 'Manufacturing-HRMarketing' 'Active'`,
		`Set-VfPolicyState 'Research-Sales' 'Active'`,
		`Set-VfPolicyState 'Sales-Research' 'Active'`,
		`Start-InformationBarrierPoliciesApplication | Out-Null`,
	}
	var calls []string
	for _, l := range strings.Split(script, "\n") {
		for _, prefix := range []string{"Sync-VfSegment '", "Sync-VfPolicy '", "Set-VfPolicyState '", "Start-InformationBarrierPoliciesApplication"} {
			if strings.HasPrefix(l, prefix) {
				calls = append(calls, l)
			}
		}
	}
	if diff := cmp.Diff(wantLines, calls); diff != "" {
		t.Errorf("script calls (-want +got):\n%s", diff)
	}
	golden(t, "contoso.ps1", script)
	if again := PowerShell(readFixture(t, "contoso.yaml")); again != script {
		t.Errorf("second generation differs:\n%s", cmp.Diff(script, again))
	}
	golden(t, "contoso.plan.txt", strings.Join(Plan(p), "\n")+"\n")
}

// The matrix matches the documented intent ("Contoso's departments and
// plan"), including the one cell the documentation leaves one-sided.
func TestContosoMatrix(t *testing.T) {
	p := readFixture(t, "contoso.yaml")
	m := p.Matrix()
	want := map[string]map[string]string{
		// HR: "Everyone", no restrictions.
		"HR": {"HR": "allow", "Manufacturing": "allow", "Marketing": "allow", "Research": "allow", "Sales": "allow", "(none)": "allow"},
		// Manufacturing: "HR, Marketing"; "Anyone other than HR or Marketing".
		// Its allow policy is one-sided against Research and Sales, and in
		// legacy mode hides users in no segment.
		"Manufacturing": {"HR": "allow", "Manufacturing": "allow", "Marketing": "allow", "Research": "block->", "Sales": "block->", "(none)": "block->"},
		// Marketing: "Everyone", no restrictions.
		"Marketing": {"HR": "allow", "Manufacturing": "allow", "Marketing": "allow", "Research": "allow", "Sales": "allow", "(none)": "allow"},
		// Research: can't communicate with Sales (both policies block).
		"Research": {"HR": "allow", "Manufacturing": "<-block", "Marketing": "allow", "Research": "allow", "Sales": "BLOCK", "(none)": "allow"},
		// Sales: can't communicate with Research.
		"Sales":  {"HR": "allow", "Manufacturing": "<-block", "Marketing": "allow", "Research": "BLOCK", "Sales": "allow", "(none)": "allow"},
		"(none)": {"HR": "allow", "Manufacturing": "<-block", "Marketing": "allow", "Research": "allow", "Sales": "allow", "(none)": "allow"},
	}
	if diff := cmp.Diff(want, cells(m)); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	// The documentation says Sales "can communicate with … Manufacturing"
	// while Manufacturing's policy lists only HR and Marketing: one-way.
	v := p.Check("Sales", "Manufacturing")
	if v.Allowed || !v.OneWay || v.Decider != "Manufacturing-HRMarketing" {
		t.Errorf("Sales/Manufacturing = %+v, want blocked one-way by Manufacturing-HRMarketing", v)
	}
	if diff := cmp.Diff([]string{"Manufacturing"}, v.BlockedBy); diff != "" {
		t.Errorf("BlockedBy (-want +got):\n%s", diff)
	}
	golden(t, "contoso.matrix.txt", m.String())
}
