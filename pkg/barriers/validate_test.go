package barriers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// want lists "field rule" of every error finding.
		want []string
		// says must appear in the message of the first error.
		says []string
	}{
		{
			name: "two policies for one segment",
			yaml: `
mode: legacy
segments:
- {name: Sales, filter: {attribute: Department, value: Sales}}
- {name: Research, filter: {attribute: Department, value: Research}}
policies:
- {name: Sales-Research, assignedSegment: Sales, block: [Research]}
- {name: Sales-Again, assignedSegment: Sales, block: [Research]}
- {name: Research-Sales, assignedSegment: Research, block: [Sales]}`,
			want: []string{"policies[1].assignedSegment one-policy-per-segment"},
			says: []string{`policy "Sales-Again"`, `segment "Sales" already has policy "Sales-Research"`, "only one policy", "rule one-policy-per-segment"},
		},
		{
			name: "allow list without itself",
			yaml: `
mode: multi
segments:
- {name: Manufacturing, filter: {attribute: Department, value: Manufacturing}}
- {name: HR, filter: {attribute: Department, value: HR}}
policies:
- {name: Manufacturing-HR, assignedSegment: Manufacturing, allow: [HR]}`,
			want: []string{"policies[0].allow allow-includes-self"},
			says: []string{`policy "Manufacturing-HR" (segment "Manufacturing")`, `must include the segment itself, "Manufacturing"`, "rule allow-includes-self"},
		},
		{
			name: "unknown attribute",
			yaml: `
mode: legacy
segments:
- {name: Vendor1, filter: {attribute: Compnay, value: Vendor1}}
- {name: Vendor2, filter: {attribute: CustomAttribute1, value: Vendor2}}
policies:
- {name: Vendor1-allow, assignedSegment: Vendor1, allow: [Vendor1]}
- {name: Vendor2-allow, assignedSegment: Vendor2, allow: [Vendor2]}`,
			want: []string{"segments[0].filter.attribute attribute", "segments[1].filter.attribute attribute"},
			says: []string{`segment "Vendor1"`, `"Compnay" is not an information-barrier attribute`, "rule attribute"},
		},
		{
			name: "overlapping filters in legacy mode",
			yaml: `
mode: legacy
segments:
- {name: HR, filter: {attribute: Department, op: eq, value: HR}}
- {name: Contoso, filter: {attribute: Company, op: eq, value: Contoso}}
policies:
- {name: HR-allow, assignedSegment: HR, allow: [HR, Contoso]}
- {name: Contoso-allow, assignedSegment: Contoso, allow: [Contoso, HR]}`,
			want: []string{"segments[1].filter one-segment-per-user"},
			says: []string{`segments "HR" (Department -eq 'HR') and "Contoso" (Company -eq 'Contoso') can both match one user`, "Company = 'Contoso', Department = 'HR'", "legacy mode allows one segment per user", "different attributes can overlap"},
		},
		{
			name: "ne overlaps broadly",
			yaml: `
mode: single
segments:
- {name: NotSales, filter: {attribute: Department, op: ne, value: Sales}}
- {name: Sales, filter: {attribute: Department, op: eq, value: Sales}}
- {name: HR, filter: {attribute: Department, op: eq, value: HR}}
policies:
- {name: Sales-NotSales, assignedSegment: Sales, block: [NotSales]}
- {name: HR-Sales, assignedSegment: HR, block: [Sales]}`,
			want: []string{"segments[2].filter one-segment-per-user"},
			says: []string{`"NotSales" (Department -ne 'Sales') and "HR" (Department -eq 'HR')`, "Department = 'HR'", "single mode allows one segment per user", "a -ne comparison matches every user without that value"},
		},
		{
			name: "missing segment reference",
			yaml: `
mode: legacy
segments:
- {name: Sales, filter: {attribute: Department, value: Sales}}
policies:
- {name: Sales-Research, assignedSegment: Sales, block: [research]}
- {name: Ghost-allow, assignedSegment: Ghost, allow: [Ghost]}`,
			want: []string{"policies[0].block[0] segment-exists", "policies[1].assignedSegment segment-exists", "policies[1].allow[0] segment-exists"},
			says: []string{`policy "Sales-Research" (segment "Sales")`, `names segment "research", which is not defined`, "rule segment-exists"},
		},
		{
			name: "block policy in multi mode",
			yaml: `
mode: multi
segments:
- {name: Sales, filter: {attribute: Department, value: Sales}}
- {name: Research, filter: {attribute: Department, value: Research}}
policies:
- {name: Sales-Research, assignedSegment: Sales, block: [Research]}
- {name: Research-allow, assignedSegment: Research, allow: [Research]}`,
			want: []string{"policies[0].block multi-allow-only"},
			says: []string{`policy "Sales-Research" (segment "Sales")`, "multi-segment mode accepts allow policies only", "rule multi-allow-only"},
		},
		{
			name: "allow and block, neither",
			yaml: `
mode: legacy
segments:
- {name: A, filter: {attribute: Department, value: A}}
- {name: B, filter: {attribute: Department, value: B}}
policies:
- {name: A-both, assignedSegment: A, allow: [A], block: [B]}
- {name: B-none, assignedSegment: B}`,
			want: []string{"policies[0] allow-xor-block", "policies[1] allow-xor-block"},
			says: []string{`policy "A-both" (segment "A")`, "either an allow policy or a block policy", "rule allow-xor-block"},
		},
		{
			name: "vendors reach each other",
			yaml: `
mode: legacy
segments:
- {name: Vendor1, vendor: Vendor1, vendorKind: company, filter: {attribute: Company, value: Vendor1}}
- {name: Vendor2, vendor: Vendor2, vendorKind: company, filter: {attribute: Company, value: Vendor2}}
- {name: Vendor3, vendor: Vendor3, vendorKind: contractor, filter: {attribute: Company, value: Vendor3}}
policies:
- {name: Vendor1-Vendor3, assignedSegment: Vendor1, block: [Vendor3]}
- {name: Vendor2-Vendor3, assignedSegment: Vendor2, block: [Vendor3]}`,
			want: []string{"segments[0] vendor-isolation", "segments[0] vendor-isolation", "segments[1] vendor-isolation"},
			says: []string{`vendor segment "Vendor1" (vendor Vendor1) can reach vendor segment "Vendor2" (vendor Vendor2)`, "rule vendor-isolation"},
		},
		{
			name: "malformed filters and names",
			yaml: `
mode: legacy
segments:
- {name: Two, filter: {attribute: Department, value: X, memberOf: g@contoso.com}}
- {name: Empty, filter: {}}
- {name: Op, filter: {attribute: Department, op: like, value: 'X*'}}
- {name: Quote, filter: {attribute: Department, value: "O’Brien"}}
- {name: quote, filter: {allOf: []}}
policies:
- {name: Two-allow, assignedSegment: Two, allow: [Two, Empty, Op, Quote, quote, Two], state: Active}`,
			want: []string{
				"segments[0].filter filter",
				"segments[1].filter filter",
				"segments[2].filter.op filter",
				"segments[3].filter.value filter",
				"segments[4].name unique-name",
				"segments[4].filter.allOf filter",
				"policies[0].state state",
				"policies[0].allow[5] listed-once",
			},
			says: []string{`segment "Two": filter sets attribute/op/value and memberOf; set exactly one`},
		},
		{
			name: "mode",
			yaml: `
segments:
- {name: A, filter: {attribute: Department, value: A}}
policies:
- {name: A-allow, assignedSegment: A, allow: [A]}`,
			want: []string{"mode mode"},
			says: []string{`mode "" must be legacy, single or multi`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, rulesOf(p.Findings(), SeverityError)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			err = p.Validate()
			de := asDomainError(t, err)
			if de.Code != domain.Invalid || len(de.Problems) != len(tt.want) {
				t.Fatalf("Validate = %v, want %d Invalid problems", err, len(tt.want))
			}
			for _, s := range tt.says {
				if !strings.Contains(de.Problems[0].Message, s) {
					t.Errorf("message %q lacks %q", de.Problems[0].Message, s)
				}
			}
			// An invalid policy yields a script that only stops.
			script := PowerShell(p)
			if strings.Contains(script, "Sync-Vf") || !strings.Contains(script, "throw '") {
				t.Errorf("invalid policy produced a runnable script:\n%s", script)
			}
		})
	}
}

func TestValidateHints(t *testing.T) {
	p, err := Parse([]byte(`
mode: legacy
segments:
- {name: Sales, filter: {attribute: CustomAttribute1, value: Sales}}
policies:
- {name: Sales-allow, assignedSegment: sales, allow: [sales]}`))
	if err != nil {
		t.Fatal(err)
	}
	msgs := fmt.Sprint(p.Findings())
	for _, s := range []string{`"CustomAttribute1" is the Exchange name, use "ExtensionAttribute1"`, `did you mean "Sales"?`} {
		if !strings.Contains(msgs, s) {
			t.Errorf("findings %s lack %q", msgs, s)
		}
	}
}

func TestValidateSegmentLimit(t *testing.T) {
	for _, tt := range []struct {
		mode Mode
		n    int
		bad  bool
	}{
		{ModeLegacy, 250, false}, {ModeLegacy, 251, true}, {ModeMulti, 5000, false}, {ModeMulti, 5001, true},
	} {
		p := Policy{Mode: tt.mode}
		for i := range tt.n {
			name := fmt.Sprintf("S%d", i)
			p.Segments = append(p.Segments, Segment{Name: name, Filter: Eq("ExtensionAttribute1", name)})
			p.Policies = append(p.Policies, BarrierPolicy{Name: name + "-allow", AssignedSegment: name, Allow: []string{name}})
		}
		var limit []Finding
		for _, f := range p.Findings() {
			if f.Rule == RuleSegmentLimit {
				limit = append(limit, f)
			}
		}
		if got := len(limit) == 1; got != tt.bad {
			t.Errorf("%s with %d segments: limit findings %v", tt.mode, tt.n, limit)
		}
	}
}

func TestValidateWarnings(t *testing.T) {
	p, err := Parse([]byte(`
mode: legacy
segments:
- {name: Sales, filter: {attribute: Department, value: Sales}}
- {name: Research, filter: {attribute: Department, value: Research}}
- {name: Unused, filter: {attribute: Department, value: Unused}}
policies:
- {name: Sales-Research, assignedSegment: Sales, block: [Research]}
- {name: Research-Sales, assignedSegment: Research, block: [Sales]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("warnings must not fail Validate: %v", err)
	}
	want := []Finding{{
		Severity: SeverityWarning, Rule: RuleUnreferenced, Field: "segments[2]",
		Message: `segment "Unused": no policy is assigned to it or names it, so it restricts nobody`,
	}}
	if diff := cmp.Diff(want, p.Findings()); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// Disjoint filters are not reported: same attribute, different values; -eq
// against -ne of the same value; contradictory conjunctions.
func TestOverlapDisjoint(t *testing.T) {
	tests := []struct {
		name string
		a, b Filter
		want bool
		says string
	}{
		{"same attribute", Eq("Department", "HR"), Eq("department", "Sales"), false, ""},
		{"same value other case", Eq("Department", "HR"), Eq("Department", "hr"), true, "Department = 'HR'"},
		{"eq vs ne same value", Eq("Department", "Sales"), Ne("Department", "Sales"), false, ""},
		{"excluded explicitly", All(Eq("Company", "Vendor1"), Ne("Department", "Experts")), Eq("Department", "Experts"), false, ""},
		{"any branch", Any(Eq("Department", "A"), Eq("Department", "B")), Eq("Department", "B"), true, "Department = 'B'"},
		{"groups are multi-valued", InGroup("g1"), InGroup("g2"), true, "MemberOf includes 'g1' and 'g2'"},
		{"group excluded", All(InGroup("g1"), Ne("MemberOf", "g3")), InGroup("g3"), false, ""},
		{"ne only", Ne("Department", "A"), Ne("Department", "B"), true, "Department empty or other than 'A', 'B'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, got, analysed := overlap(tt.a, tt.b)
			if got != tt.want || !analysed || w != tt.says {
				t.Errorf("overlap = %q, %v, %v; want %q, %v", w, got, analysed, tt.says, tt.want)
			}
		})
	}
	// Too complex to analyse: assumed to overlap.
	var big []Filter
	for i := range 20 {
		big = append(big, Any(Eq("Department", fmt.Sprint(i)), Eq("Company", fmt.Sprint(i))))
	}
	if _, got, analysed := overlap(All(big...), Eq("Department", "x")); !got || analysed {
		t.Errorf("huge filter: overlap %v analysed %v, want assumed overlap", got, analysed)
	}
}
