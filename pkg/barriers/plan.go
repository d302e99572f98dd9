package barriers

import "fmt"

// Plan returns plain-language lines saying what PowerShell(p) will do, in the
// script's order, followed by any warnings (sorted, so that the order of
// the file does not show). For an invalid policy it lists
// the problems instead, since the script would only stop. The same p always
// gives the same lines.
func Plan(p Policy) []string {
	lines := []string{lineSafe(p.Mode.describe())}
	findings := p.Findings()
	if probs := errorFindings(p); len(probs) > 0 {
		lines = append(lines, "the policy is invalid; the script only stops, reporting:")
		for _, f := range probs {
			lines = append(lines, lineSafe("  "+f.Field+": "+f.Message+" (rule "+f.Rule+")"))
		}
		return lines
	}
	for _, s := range p.sortedSegments() {
		line := fmt.Sprintf("create or update segment %s (%s)", s.Name, s.Filter)
		if s.Vendor != "" {
			line += fmt.Sprintf(" for vendor %s (%s)", s.Vendor, s.VendorKind)
		}
		lines = append(lines, lineSafe(line))
	}
	policies := p.sortedPolicies()
	for _, bp := range policies {
		lines = append(lines, lineSafe(fmt.Sprintf("create or update policy %s, inactive: %s", bp.Name, sentence(bp))))
	}
	for _, bp := range policies {
		if bp.active() {
			lines = append(lines, lineSafe("activate policy "+bp.Name))
		} else {
			lines = append(lines, lineSafe("leave policy "+bp.Name+" inactive (it has no effect)"))
		}
	}
	lines = append(lines,
		"start a policy application (starts within ~30 min, ~5,000 users/hour)",
		"remove nothing: segments and policies not in the file stay as they are")
	var warnings []string
	for _, f := range findings {
		if f.Severity == SeverityWarning {
			warnings = append(warnings, lineSafe("warning: "+f.Message+" (rule "+f.Rule+")"))
		}
	}
	sortNames(warnings)
	return append(lines, warnings...)
}
