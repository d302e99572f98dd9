package barriers

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// The seed scenario end to end: registry → preset → valid → full matrix.
func TestSeedPresetMatrix(t *testing.T) {
	p := seedPolicy(t, ModeMulti)
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	m := p.Matrix()
	if diff := cmp.Diff([]string{"Contractors", "Experts", "Vendor1", "Vendor2", ""}, m.Segments); diff != "" {
		t.Fatalf("order (-want +got):\n%s", diff)
	}
	// Rows are the first segment of Check, columns the second. In multi mode
	// users in no segment stay visible (package doc), hence the last column.
	want := map[string]map[string]string{
		"Contractors": {"Contractors": "allow", "Experts": "allow", "Vendor1": "BLOCK", "Vendor2": "BLOCK", "(none)": "allow"},
		"Experts":     {"Contractors": "allow", "Experts": "allow", "Vendor1": "allow", "Vendor2": "allow", "(none)": "allow"},
		"Vendor1":     {"Contractors": "BLOCK", "Experts": "allow", "Vendor1": "allow", "Vendor2": "BLOCK", "(none)": "allow"},
		"Vendor2":     {"Contractors": "BLOCK", "Experts": "allow", "Vendor1": "BLOCK", "Vendor2": "allow", "(none)": "allow"},
		"(none)":      {"Contractors": "allow", "Experts": "allow", "Vendor1": "allow", "Vendor2": "allow", "(none)": "allow"},
	}
	if diff := cmp.Diff(want, cells(m)); diff != "" {
		t.Errorf("matrix (-want +got):\n%s", diff)
	}
	golden(t, "seed.matrix.txt", m.String())
	golden(t, "seed.plan.txt", strings.Join(Plan(p), "\n")+"\n")
}

func TestSeedVerdicts(t *testing.T) {
	p := seedPolicy(t, ModeMulti)
	tests := []struct {
		a, b string
		want Verdict
	}{
		{"Vendor1", "Experts", Verdict{
			Allowed: true, Decider: "Vendor1-allow, Experts-allow",
			Reason: "Vendor1-allow lets Vendor1 communicate with Experts; Experts-allow lets Experts communicate with Vendor1",
		}},
		{"Vendor1", "Vendor1", Verdict{
			Allowed: true, Decider: "Vendor1-allow",
			Reason: "Vendor1-allow lets Vendor1 communicate with Vendor1",
		}},
		{"Vendor1", "Vendor2", Verdict{
			Decider:   "Vendor1-allow, Vendor2-allow",
			Reason:    "Vendor1-allow lets Vendor1 communicate only with Vendor1, Experts; Vendor2 is not listed; Vendor2-allow lets Vendor2 communicate only with Vendor2, Experts; Vendor1 is not listed",
			BlockedBy: []string{"Vendor1", "Vendor2"},
		}},
		{"Contractors", "Vendor2", Verdict{
			Decider:   "Contractors-allow, Vendor2-allow",
			Reason:    "Contractors-allow lets Contractors communicate only with Contractors, Experts; Vendor2 is not listed; Vendor2-allow lets Vendor2 communicate only with Vendor2, Experts; Contractors is not listed",
			BlockedBy: []string{"Contractors", "Vendor2"},
		}},
		{"Contractors", "Experts", Verdict{
			Allowed: true, Decider: "Contractors-allow, Experts-allow",
			Reason: "Contractors-allow lets Contractors communicate with Experts; Experts-allow lets Experts communicate with Contractors",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.a+"-"+tt.b, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, p.Check(tt.a, tt.b)); diff != "" {
				t.Errorf("Check(%q, %q) (-want +got):\n%s", tt.a, tt.b, diff)
			}
			// The rule is symmetric in its outcome.
			if back := p.Check(tt.b, tt.a); back.Allowed != tt.want.Allowed || back.OneWay != tt.want.OneWay {
				t.Errorf("Check(%q, %q) = %+v, not symmetric", tt.b, tt.a, back)
			}
		})
	}
}

func TestSeedPresetShape(t *testing.T) {
	p := seedPolicy(t, ModeMulti)
	want := Policy{
		Mode: ModeMulti,
		Segments: []Segment{
			{Name: "Vendor1", Filter: Eq("Company", "Vendor1"), Vendor: "Vendor1", VendorKind: "company"},
			{Name: "Vendor2", Filter: Eq("Company", "Vendor2"), Vendor: "Vendor2", VendorKind: "company"},
			{Name: "Contractors", Filter: Eq("Company", "Contractors"), Vendor: "Contractor", VendorKind: "contractor"},
			{Name: "Experts", Filter: Eq("Department", "Experts")},
		},
		Policies: []BarrierPolicy{
			{Name: "Vendor1-allow", AssignedSegment: "Vendor1", Allow: []string{"Vendor1", "Experts"}, State: StateActive},
			{Name: "Vendor2-allow", AssignedSegment: "Vendor2", Allow: []string{"Vendor2", "Experts"}, State: StateActive},
			{Name: "Contractors-allow", AssignedSegment: "Contractors", Allow: []string{"Contractors", "Experts"}, State: StateActive},
			{Name: "Experts-allow", AssignedSegment: "Experts", Allow: []string{"Experts", "Vendor1", "Vendor2", "Contractors"}, State: StateActive},
		},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("Preset (-want +got):\n%s", diff)
	}
	// Warnings: in multi mode vendors still reach users in no segment.
	wantWarn := []string{
		"segments[0] unsegmented-reachable",
		"segments[1] unsegmented-reachable",
		"segments[2] unsegmented-reachable",
	}
	if diff := cmp.Diff(wantWarn, rulesOf(p.Findings(), SeverityWarning)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// The policy file form of the seed resolves to the same policy as Preset.
func TestSeedFileResolves(t *testing.T) {
	file := readFixture(t, "seed.yaml")
	if err := file.Validate(); err == nil || !strings.Contains(err.Error(), RulePresetUnresolved) {
		t.Errorf("unresolved file: Validate = %v, want %s", err, RulePresetUnresolved)
	}
	got, err := file.Resolve(seedTenant())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seedPolicy(t, ModeMulti), got); diff != "" {
		t.Errorf("Resolve (-want +got):\n%s", diff)
	}
}

func TestSegmentAttributeFollowsTenant(t *testing.T) {
	tests := []struct{ attr, want string }{
		{"companyName", "Company -eq 'Vendor1'"},
		{"department", "Department -eq 'Vendor1'"},
		{"extensionAttribute7", "ExtensionAttribute7 -eq 'Vendor1'"},
	}
	for _, tt := range tests {
		ten := seedTenant()
		ten.SegmentAttribute = tt.attr
		p, err := Preset(ten, expertsSpec(ModeMulti))
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Segments[0].Filter.String(); got != tt.want {
			t.Errorf("%s: filter %q, want %q", tt.attr, got, tt.want)
		}
	}
}

// Legacy mode allows one segment per user: vendors on Company and experts
// on Department could overlap, and Validate says so with an example user.
// Segmenting experts on the same attribute removes the overlap.
func TestSeedLegacyOverlap(t *testing.T) {
	p := seedPolicy(t, ModeLegacy)
	want := []string{
		"segments[3].filter one-segment-per-user",
		"segments[3].filter one-segment-per-user",
		"segments[3].filter one-segment-per-user",
	}
	if diff := cmp.Diff(want, rulesOf(p.Findings(), SeverityError)); diff != "" {
		t.Fatalf("errors (-want +got):\n%s", diff)
	}
	msg := asDomainError(t, p.Validate()).Problems[0].Message
	for _, s := range []string{`"Vendor1"`, `"Experts"`, "Company = 'Vendor1', Department = 'Experts'", "legacy mode allows one segment per user", "rule one-segment-per-user"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message %q lacks %q", msg, s)
		}
	}

	spec := expertsSpec(ModeLegacy)
	spec.Experts.Filter = Eq("Company", "ABC")
	p, err := Preset(seedTenant(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("same-attribute experts: %v", err)
	}
	// In legacy mode allow policies hide users in no segment, experts included.
	got := cells(p.Matrix())["Experts"]["(none)"]
	if got != CellRowBlock {
		t.Errorf("Experts → (none) = %q, want %q", got, CellRowBlock)
	}
}

func TestPresetRefuses(t *testing.T) {
	shared := seedTenant()
	shared.Vendors = append(shared.Vendors, domain.Vendor{Key: "Other", DisplayName: "Other", Kind: domain.VendorContractor, EmailDomains: []string{"gmail.com"}, Segment: "contractors"})
	clash := seedTenant()
	clash.Vendors[0].Segment = "Experts"
	badAttr := seedTenant()
	badAttr.SegmentAttribute = "displayName"
	tests := []struct {
		name   string
		tenant domain.Tenant
		spec   PresetSpec
		want   []string
	}{
		{"shared segment", shared, expertsSpec(ModeMulti), []string{`vendor "Other" uses segment "contractors"`, `vendor "Contractor"`, "each vendor needs its own segment"}},
		{"experts name clash", clash, expertsSpec(ModeMulti), []string{`vendor "Vendor1" uses segment "Experts", already used by the experts segment`}},
		{"attribute", badAttr, expertsSpec(ModeMulti), []string{`segment attribute "displayName"`}},
		{"kind", seedTenant(), PresetSpec{Kind: "other", Experts: expertsSpec(ModeMulti).Experts, Mode: ModeMulti}, []string{`preset kind "other" is unknown`}},
		{"experts", seedTenant(), PresetSpec{Kind: PresetVendorIsolation, Mode: ModeMulti}, []string{"experts.name", "experts.filter"}},
		{"mode", seedTenant(), expertsSpec(""), []string{`mode "" must be legacy, single or multi`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Preset(tt.tenant, tt.spec)
			if domain.ErrorCode(err) != domain.Invalid {
				t.Fatalf("err = %v, want Invalid", err)
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}
