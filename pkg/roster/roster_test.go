package roster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/producer"
)

// t0 is the tests' "now": the contracts below are current.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func newBuilder(t testing.TB) *producer.Builder {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := producer.NewBuilder(cfg.Tenant, clock.NewFake(t0))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const csvHeader = "vendor,givenName,surname,email,contractStart,contractEnd,sponsor\n"

// person is a valid row of the demo tenant for person n.
func person(n int) string {
	return fmt.Sprintf("Vendor1,Ada,Lovelace,ada%d@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com\n", n)
}

func read(t *testing.T, csv string) *Roster {
	t.Helper()
	ro, err := Read(strings.NewReader(csv), newBuilder(t))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return ro
}

// lineProblems is each row's line and its problems in one line.
func lineProblems(ro *Roster) []string {
	var out []string
	for _, r := range ro.Rows {
		s := fmt.Sprint(r.Line)
		if !r.Valid() {
			s += " " + r.Reason()
		}
		if r.RepeatOf != 0 {
			s += fmt.Sprintf(" repeats %d", r.RepeatOf)
		}
		out = append(out, s)
	}
	return out
}

// Header names are matched whatever their case, spacing or alias; the
// file may have a byte order mark, CRLF line ends, quoted fields, blank
// lines, note columns and columns in any order.
func TestReadMapsTheHeader(t *testing.T) {
	csv := "\uFEFFE-Mail,First Name,last_name,VENDOR,Start,End,Sponsor UPN,# notes,Service Account,Reissue,Request ID\r\n" +
		"\r\n" +
		`ada@vendor1.com,Ada,"Lovelace",vendor1,2026-03-01,2026-08-31,pat.sponsor@ABC.com,"first, of many",,no,po-1` + "\r\n" +
		",,,,,,,,,,\r\n" +
		`grace@vendor2.com,"Grace ""Amazing""",Hopper,Vendor2,2026-03-01,2026-12-31,expert@ABC.com,"a note` + "\r\n" + `on two lines",Vendor2_G_SA,yes,` + "\r\n"
	ro := read(t, csv)
	if len(ro.Rows) != 2 {
		t.Fatalf("rows = %d, want 2: %v", len(ro.Rows), lineProblems(ro))
	}
	ada, grace := ro.Rows[0], ro.Rows[1]
	if ada.Line != 3 || !ada.Valid() || ada.RequestID != "po-1" || ada.Message.Onboard.ReissueCredential {
		t.Errorf("Ada's row = %+v", ada)
	}
	// Grace's given name has a quote, which names may not: the problem names
	// the column as the header spells it, on the line the record starts.
	if diff := cmp.Diff([]domain.Problem{{Field: "First Name", Message: `contains '"'; only letters, spaces, apostrophes, hyphens and dots are allowed`}}, grace.Problems); diff != "" || grace.Line != 5 {
		t.Errorf("Grace's row at line %d (-want +got):\n%s", grace.Line, diff)
	}
	want := domain.OnboardRequest{
		SchemaVersion: 1, RequestID: "po-1", Vendor: "Vendor1",
		Person:   domain.Person{GivenName: "Ada", Surname: "Lovelace", Email: "ada@vendor1.com"},
		Contract: domain.Period{Start: "2026-03-01", End: "2026-08-31"}, Sponsor: "pat.sponsor@ABC.com",
	}
	if diff := cmp.Diff(want, ada.Message.Onboard); diff != "" {
		t.Errorf("Ada's request (-want +got):\n%s", diff)
	}
}

func TestReadRowOptions(t *testing.T) {
	csv := "vendor,givenName,surname,email,contractStart,contractEnd,sponsor,serviceAccount,reissueCredential\n" +
		"Vendor2,Grace,Hopper,grace@vendor2.com,2026-03-01,2026-12-31,expert@ABC.com,Vendor2_G_SA,TRUE\n" +
		"Vendor2,Alan,Turing,alan@vendor2.com,2026-03-01,2026-12-31,expert@ABC.com,,maybe\n"
	ro := read(t, csv)
	g := ro.Rows[0]
	if !g.Valid() || g.Message.Onboard.ServiceAccount != "Vendor2_G_SA" || !g.Message.Onboard.ReissueCredential || !g.Message.Derived {
		t.Errorf("Grace's row = %+v", g)
	}
	if !strings.HasPrefix(g.RequestID, "onboard-Vendor2-") {
		t.Errorf("derived id = %q", g.RequestID)
	}
	if diff := cmp.Diff([]string{"2", `3 reissueCredential: must be true or false (yes/no, 1/0), not "maybe"`}, lineProblems(ro)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Every invalid row is reported with its line and every reason.
func TestReadReportsEveryBadRow(t *testing.T) {
	csv := csvHeader +
		person(1) +
		"Acme,Ada,Lovelace,ada2@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com\n" +
		"Vendor1,,Lovelace,ada3@gmail.com,2026-09-01,2026-08-31,pat@gmail.com\n" +
		"Vendor1,Ada,Lovelace,ada4@vendor1.com,2026-03-01\n" +
		person(5)
	ro := read(t, csv)
	want := []string{
		"2",
		`3 vendor: unknown vendor "Acme"; known vendors: Vendor1, Vendor2, Contractor`,
		`4 givenName: is required; email: domain "gmail.com" is not allowed for vendor Vendor1 (allowed: vendor1.com); contractEnd: must be after contract.start; sponsor: must be an internal user: "pat@gmail.com" is not in the tenant domain ABC.com`,
		"5 row: has 5 fields; the header has 7",
		"6",
	}
	if diff := cmp.Diff(want, lineProblems(ro)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := len(ro.Valid()); got != 2 {
		t.Errorf("Valid() = %d rows, want 2", got)
	}
	if got := len(ro.Invalid()); got != 3 {
		t.Errorf("Invalid() = %d rows, want 3", got)
	}
	if ro.Rows[2].RequestID != "" {
		t.Errorf("an invalid row without requestId has id %q", ro.Rows[2].RequestID)
	}
}

// The same request twice is a repeat, sent once; one person with two
// different requests, or one requestId for two requests, is invalid.
func TestReadDuplicates(t *testing.T) {
	csv := "vendor,givenName,surname,email,contractStart,contractEnd,sponsor,requestId\n" +
		"Vendor1,Ada,Lovelace,ada@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com,\n" +
		"Vendor1,Ada, Lovelace ,ada@VENDOR1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com,\n" +
		"Vendor1,Grace,Hopper,grace@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com,\n" +
		"Vendor1,Grace,Hopper,Grace@vendor1.com,2026-03-01,2026-12-31,pat.sponsor@ABC.com,\n" +
		"Vendor1,Alan,Turing,alan@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com,po-7\n" +
		"Vendor1,Edsger,Dijkstra,edsger@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com,po-7\n" +
		// a copy of line 6 goes nowhere either: its id is contested
		"Vendor1,Alan,Turing,alan@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com,po-7\n"
	ro := read(t, csv)
	want := []string{
		"2",
		"3 repeats 2",
		"4 email: grace@vendor1.com is also on line 5 with another request; a roster has one row per person",
		"5 email: Grace@vendor1.com is also on line 4 with another request; a roster has one row per person",
		"6 requestId: po-7 is also the requestId of line 7, for another request; give each request its own",
		"7 requestId: po-7 is also the requestId of lines 6, 8, for another request; give each request its own",
		"8 requestId: po-7 is also the requestId of line 7, for another request; give each request its own",
	}
	if diff := cmp.Diff(want, lineProblems(ro)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if v := ro.Valid(); len(v) != 1 || v[0].Line != 2 {
		t.Errorf("Valid() = %+v, want line 2 only", v)
	}
	if ro.Rows[3].RequestID != "" || ro.Rows[5].RequestID != "po-7" {
		t.Errorf("ids of invalid rows: %q (derived: none), %q (given: kept)", ro.Rows[3].RequestID, ro.Rows[5].RequestID)
	}
}

// A re-read of the same file gives the same ids.
func TestReadIsDeterministic(t *testing.T) {
	csv := csvHeader + person(1) + person(2)
	a, b := read(t, csv), read(t, csv)
	for i := range a.Rows {
		if a.Rows[i].RequestID == "" || a.Rows[i].RequestID != b.Rows[i].RequestID {
			t.Errorf("row %d: ids %q and %q", i, a.Rows[i].RequestID, b.Rows[i].RequestID)
		}
	}
	if a.Rows[0].RequestID == a.Rows[1].RequestID {
		t.Error("two people got one id")
	}
}

// Problems with the file as a whole refuse it, naming what to fix.
func TestReadRefusesTheFile(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []string
	}{
		{"empty", "", []string{"the roster is empty"}},
		{"only a header", csvHeader + "\n,,,,,,\n", []string{"a header but no rows"}},
		{"unknown and missing columns", "vendor,givenName,surname,email,phone,contractStart,end date\n" + person(1),
			[]string{`line 1`, `column 5 ("phone") is not a roster column; the columns are vendor, givenName, surname, email, contractStart, contractEnd, sponsor, serviceAccount (optional), reissueCredential (optional), requestId (optional), and a column whose name starts with # is ignored`, "required columns missing: sponsor"}},
		{"a column twice", "vendor,givenName,First Name,surname,email,contractStart,contractEnd,sponsor\n",
			[]string{`columns 2 ("givenName") and 3 ("First Name") both give givenName; keep one`}},
		{"semicolons", "vendor;givenName;surname;email;contractStart;contractEnd;sponsor\n",
			[]string{"save the roster with commas"}},
		{"a bare quote", csvHeader + person(1) + `Vendor1,Ada "the" ,Lovelace,a@vendor1.com,2026-03-01,2026-08-31,pat.sponsor@ABC.com` + "\n",
			[]string{"not valid CSV: line 3, column 13", "double quotes"}},
		{"too large", csvHeader + strings.Repeat(person(1), MaxBytes/len(person(1))+1), []string{"larger than 4 MiB; split it"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.csv), newBuilder(t))
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.Invalid {
				t.Fatalf("err = %v, want an invalid *domain.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// A column without a name is allowed while it is empty.
func TestReadUnnamedColumn(t *testing.T) {
	ro := read(t, strings.TrimSuffix(csvHeader, "\n")+",\n"+strings.TrimSuffix(person(1), "\n")+",\n"+strings.TrimSuffix(person(2), "\n")+",x\n")
	if diff := cmp.Diff([]string{"2", "3 row: column 8 has no name in the header, but a value here"}, lineProblems(ro)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// The sample roster in docs/ is valid for the demo tenant (on the tests'
// day: its contracts end from 2027-12-31 on) and names its columns as
// docs/roster.md does.
func TestSampleRoster(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "docs", "examples", "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ro, err := Read(f, newBuilder(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(ro.Rows) < 5 || len(ro.Valid()) != len(ro.Rows) {
		t.Errorf("sample rows: %v", lineProblems(ro))
	}
	vendors := map[string]bool{}
	for _, r := range ro.Rows {
		vendors[r.Message.Onboard.Vendor] = true
	}
	if len(vendors) != 3 {
		t.Errorf("the sample has people of %v, want the three demo vendors", vendors)
	}
}
