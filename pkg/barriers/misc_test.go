package barriers

import (
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

func TestSegmentFor(t *testing.T) {
	multi := seedPolicy(t, ModeMulti)
	legacy := seedPolicy(t, ModeLegacy)
	tests := []struct {
		name    string
		p       Policy
		attrs   map[string]string
		want    []string
		wantErr string
	}{
		{"graph name", multi, map[string]string{"companyName": "Vendor1", "displayName": "ignored"}, []string{"Vendor1"}, ""},
		{"filter name, other case", multi, map[string]string{"COMPANY": "vendor2"}, []string{"Vendor2"}, ""},
		{"expert", multi, map[string]string{"department": "Experts"}, []string{"Experts"}, ""},
		{"nobody", multi, map[string]string{"companyName": "ABC"}, nil, ""},
		{"two segments, multi", multi, map[string]string{"companyName": "Contractors", "department": "Experts"}, []string{"Contractors", "Experts"}, ""},
		{"two segments, legacy", legacy, map[string]string{"companyName": "Contractors", "department": "Experts"}, []string{"Contractors", "Experts"},
			"user matches 2 segments (Contractors, Experts); mode legacy allows 1 per user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SegmentFor(tt.p, tt.attrs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
			if tt.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != "" && (domain.ErrorCode(err) != domain.Invalid || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want Invalid %q", err, tt.wantErr)
			}
		})
	}
	// SegmentFor and Check together: can Vendor1_A reach Vendor1_A@Vendor2's account?
	a, _ := SegmentFor(multi, map[string]string{"companyName": "Vendor1"})
	b, _ := SegmentFor(multi, map[string]string{"companyName": "Vendor2"})
	if v := multi.CheckUsers(a, b); v.Allowed {
		t.Errorf("Vendor1 user reaches Vendor2 user: %+v", v)
	}
	// -ne holds for a missing attribute.
	ne := Policy{Mode: ModeLegacy, Segments: []Segment{{Name: "NotSales", Filter: Ne("Department", "Sales")}}}
	if got, _ := SegmentFor(ne, map[string]string{}); !cmp.Equal(got, []string{"NotSales"}) {
		t.Errorf("ne on missing attribute: %v", got)
	}
	bad := Policy{Mode: ModeLegacy, Segments: []Segment{{Name: "X", Filter: Eq("Colour", "red")}}}
	if _, err := SegmentFor(bad, nil); domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("unknown attribute: err = %v", err)
	}
}

func TestFilterString(t *testing.T) {
	tests := []struct {
		f    Filter
		want string
	}{
		{Eq("department", "HR"), "Department -eq 'HR'"},
		{Ne("Department", "Sales"), "Department -ne 'Sales'"},
		{Filter{Attribute: "extensionattribute1", Value: "DayTrader"}, "ExtensionAttribute1 -eq 'DayTrader'"},
		{InGroup("group1@contoso.com"), "MemberOf -eq 'group1@contoso.com'"},
		// Microsoft's Segment1and2 example, verbatim.
		{All(Any(InGroup("group1@contoso.com"), InGroup("group2@contoso.com")), Ne("MemberOf", "group3@contoso.com")),
			"(MemberOf -eq 'group1@contoso.com' -or MemberOf -eq 'group2@contoso.com') -and MemberOf -ne 'group3@contoso.com'"},
		{All(Eq("Company", "A")), "Company -eq 'A'"},
		{Any(All(Eq("Company", "A"), Eq("Department", "B")), All(Eq("Company", "C"))),
			"(Company -eq 'A' -and Department -eq 'B') -or Company -eq 'C'"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestSegmentAttribute(t *testing.T) {
	tests := []struct{ in, want string }{
		{"companyName", "Company"}, {"department", "Department"},
		{"extensionAttribute1", "ExtensionAttribute1"}, {"extensionAttribute15", "ExtensionAttribute15"},
		{"extensionAttribute16", ""}, {"extensionAttribute0", ""}, {"extensionAttribute01", ""}, {"displayName", ""},
	}
	for _, tt := range tests {
		got, err := SegmentAttribute(tt.in)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("SegmentAttribute(%q) = %q, %v", tt.in, got, err)
		}
	}
	for _, a := range Attributes() {
		if c, ok := canonicalAttribute(strings.ToUpper(a)); !ok || c != a {
			t.Errorf("canonicalAttribute(%q) = %q, %v", a, c, ok)
		}
	}
	if n := len(Attributes()); n != 34 {
		t.Errorf("%d attributes, want the 34 of Microsoft's table", n)
	}
}

func TestParse(t *testing.T) {
	p, err := Parse([]byte(`{"mode":"multi","segments":[{"name":"A","filter":{"attribute":"Department","op":"eq","value":"A"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{Mode: ModeMulti, Segments: []Segment{{Name: "A", Filter: Eq("Department", "A")}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"mode: multi\nsegmnts: []\n", "mode: [\n"} {
		if _, err := Parse([]byte(bad)); domain.ErrorCode(err) != domain.Invalid {
			t.Errorf("Parse(%q) err = %v, want Invalid", bad, err)
		}
	}
	big := strings.NewReader("#" + strings.Repeat("x", MaxFileSize))
	if _, err := Read(big); domain.ErrorCode(err) != domain.Invalid {
		t.Errorf("oversized file: err = %v", err)
	}
	if _, err := Read(iotest.ErrReader(iotest.ErrTimeout)); err == nil || !strings.Contains(err.Error(), "read policy file") {
		t.Errorf("read error: %v", err)
	}
}

func TestTiming(t *testing.T) {
	tests := []struct {
		users int
		want  time.Duration
	}{
		{0, 30 * time.Minute},
		{-3, 30 * time.Minute},
		{2500, time.Hour},
		{5000, 90 * time.Minute},
		{12345, 30*time.Minute + 2*time.Hour + 28*time.Minute + 8400*time.Millisecond},
	}
	for _, tt := range tests {
		if got := ApplicationEstimate(tt.users); got != tt.want {
			t.Errorf("ApplicationEstimate(%d) = %v, want %v", tt.users, got, tt.want)
		}
	}
	for _, s := range []string{"segment placed", "next policy application", "~30 min", "~5,000 users/hour"} {
		if !strings.Contains(EffectiveNotice, s) {
			t.Errorf("EffectiveNotice lacks %q", s)
		}
	}
}
