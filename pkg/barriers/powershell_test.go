package barriers

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPowerShellSeedGolden(t *testing.T) {
	p := seedPolicy(t, ModeMulti)
	first := PowerShell(p)
	golden(t, "seed.ps1", first)
	if second := PowerShell(p); second != first {
		t.Errorf("second generation differs:\n%s", cmp.Diff(first, second))
	}
	// Order of the file does not matter: same segments and policies, same bytes.
	shuffled := p
	shuffled.Segments = slices.Clone(p.Segments)
	shuffled.Policies = slices.Clone(p.Policies)
	slices.Reverse(shuffled.Segments)
	slices.Reverse(shuffled.Policies)
	if got := PowerShell(shuffled); got != first {
		t.Errorf("reordered input changes the script:\n%s", cmp.Diff(first, got))
	}
	if diff := cmp.Diff(Plan(p), Plan(shuffled)); diff != "" {
		t.Errorf("reordered input changes the plan (-want +got):\n%s", diff)
	}
	for _, s := range []string{
		"$ErrorActionPreference = 'Stop'",
		"Sync-VfSegment 'Vendor1' 'Company -eq ''Vendor1'''",
		"Sync-VfPolicy 'Vendor1-allow' 'Vendor1' 'allow' @('Vendor1', 'Experts')",
		"Sync-VfPolicy 'Experts-allow' 'Experts' 'allow' @('Experts', 'Contractors', 'Vendor1', 'Vendor2')",
		"-State Inactive",
		"Set-VfPolicyState 'Vendor1-allow' 'Active'",
		"Start-InformationBarrierPoliciesApplication",
	} {
		if !strings.Contains(first, s) {
			t.Errorf("script lacks %q", s)
		}
	}
	// Every policy is activated only after every policy is written.
	if strings.LastIndex(first, "Sync-VfPolicy '") > strings.Index(first, "Set-VfPolicyState '") {
		t.Error("a policy is activated before all policies are written")
	}
}

func TestPlanSeed(t *testing.T) {
	plan := Plan(seedPolicy(t, ModeMulti))
	for _, s := range []string{
		"create or update segment Vendor1 (Company -eq 'Vendor1') for vendor Vendor1 (company)",
		"create or update policy Vendor1-allow, inactive: Vendor1 may communicate only with Vendor1, Experts",
		"activate policy Vendor1-allow",
		"start a policy application (starts within ~30 min, ~5,000 users/hour)",
	} {
		if !slices.Contains(plan, s) {
			t.Errorf("plan lacks %q:\n%s", s, strings.Join(plan, "\n"))
		}
	}
}

// A ' in a value is doubled in the filter, and doubled again in the script's
// single-quoted literal; nothing in a name or value can end a literal.
func TestQuoting(t *testing.T) {
	p := Policy{
		Mode: ModeLegacy,
		Segments: []Segment{
			{Name: "O'Brien", Filter: Eq("Company", "O'Brien & Sons")},
			{Name: "x'; Remove-Item C:\\ -Recurse; '", Filter: Eq("Company", "$(Get-Secret) `n \"quoted\"")},
		},
		Policies: []BarrierPolicy{
			{Name: "O'Brien-allow", AssignedSegment: "O'Brien", Allow: []string{"O'Brien"}},
			{Name: "x-allow", AssignedSegment: "x'; Remove-Item C:\\ -Recurse; '", Allow: []string{"x'; Remove-Item C:\\ -Recurse; '"}},
		},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := p.Segments[0].Filter.String(), `Company -eq 'O''Brien & Sons'`; got != want {
		t.Errorf("filter %s, want %s", got, want)
	}
	script := PowerShell(p)
	for _, want := range []string{
		`Sync-VfSegment 'O''Brien' 'Company -eq ''O''''Brien & Sons'''`,
		`Sync-VfPolicy 'O''Brien-allow' 'O''Brien' 'allow' @('O''Brien')`,
		`Sync-VfSegment 'x''; Remove-Item C:\ -Recurse; ''' 'Company -eq ''$(Get-Secret) ` + "`" + `n "quoted"'''`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s\n%s", want, script)
		}
	}
	tests := map[string]string{
		"plain":         "'plain'",
		"it's":          "'it''s'",
		"a\u2019b":      "'a\u2019\u2019b'",
		"\u2018x\u201B": "'\u2018\u2018x\u201B\u201B'",
		"$x `n \"":      "'$x `n \"'",
	}
	for in, want := range tests {
		if got := psQuote(in); got != want {
			t.Errorf("psQuote(%q) = %q, want %q", in, got, want)
		}
	}
	// Comments never break onto a new line.
	if got := lineSafe("a\nb\r\u2028c"); got != "a?b??c" {
		t.Errorf("lineSafe = %q", got)
	}
}
