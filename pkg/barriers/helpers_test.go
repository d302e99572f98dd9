package barriers

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

// seedTenant is the seed's demo tenant (DESIGN "The demo tenant").
func seedTenant() domain.Tenant {
	t := domain.Tenant{
		Domain: "ABC.com",
		Sender: "onboarding@ABC.com",
		Vendors: []domain.Vendor{
			{Key: "Vendor1", DisplayName: "Vendor1", Kind: domain.VendorCompany, EmailDomains: []string{"vendor1.com"}, Segment: "Vendor1"},
			{Key: "Vendor2", DisplayName: "Vendor2", Kind: domain.VendorCompany, EmailDomains: []string{"vendor2.com"}, Segment: "Vendor2"},
			{Key: "Contractor", DisplayName: "Independent contractors", Kind: domain.VendorContractor, EmailDomains: []string{"outlook.com"}, Segment: "Contractors"},
		},
	}
	t.SetDefaults()
	return t
}

// expertsSpec is the seed's experts segment: Department -eq 'Experts'.
func expertsSpec(mode Mode) PresetSpec {
	return PresetSpec{
		Kind:    PresetVendorIsolation,
		Experts: Segment{Name: "Experts", Filter: Eq("Department", "Experts")},
		Mode:    mode,
	}
}

func seedPolicy(t *testing.T, mode Mode) Policy {
	t.Helper()
	p, err := Preset(seedTenant(), expertsSpec(mode))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readFixture(t *testing.T, name string) Policy {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cells renders the matrix as its cell texts, keyed by row then column.
func cells(m Matrix) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, a := range m.Segments {
		row := map[string]string{}
		for _, b := range m.Segments {
			row[labelOf(b)] = m.Cell(a, b)
		}
		out[labelOf(a)] = row
	}
	return out
}

func labelOf(s string) string {
	if s == "" {
		return NoSegmentLabel
	}
	return s
}

// rulesOf lists "field rule" for each finding of the given severity.
func rulesOf(fs []Finding, sev Severity) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == sev {
			out = append(out, f.Field+" "+f.Rule)
		}
	}
	return out
}

func asDomainError(t *testing.T, err error) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a *domain.Error", err)
	}
	return de
}
