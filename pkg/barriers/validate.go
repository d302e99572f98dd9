package barriers

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Validation rules: every Finding names one.
const (
	RulePresetUnresolved     = "preset-unresolved"      // a preset section was not expanded (Resolve)
	RuleMode                 = "mode"                   // mode is legacy, single or multi
	RuleName                 = "name"                   // 1..64 characters, no control characters
	RuleUniqueName           = "unique-name"            // segment and policy names are unique
	RuleFilter               = "filter"                 // a filter has exactly one well-formed form
	RuleVendorKind           = "vendor-kind"            // a segment's vendorKind is company or contractor
	RuleAttribute            = "attribute"              // filter attributes are information-barrier attributes
	RuleSegmentLimit         = "segment-limit"          // 250 segments in legacy mode, 5,000 otherwise
	RuleState                = "state"                  // active or inactive
	RuleSegmentExists        = "segment-exists"         // every segment a policy names is defined
	RuleOnePolicyPerSegment  = "one-policy-per-segment" // a segment has at most one policy
	RuleAllowXorBlock        = "allow-xor-block"        // a policy has an allow list or a block list
	RuleAllowIncludesSelf    = "allow-includes-self"    // an allow list names its own segment
	RuleBlockExcludesSelf    = "block-excludes-self"    // a block list does not name its own segment
	RuleListedOnce           = "listed-once"            // a list names a segment once
	RuleMultiAllowOnly       = "multi-allow-only"       // multi mode accepts allow policies only
	RuleOneSegmentPerUser    = "one-segment-per-user"   // legacy/single: segment filters must not overlap
	RuleUnreferenced         = "unreferenced-segment"   // warning: no policy is for or names the segment
	RuleVendorIsolation      = "vendor-isolation"       // vendor segments of different vendors never reach each other
	RuleUnsegmentedReachable = "unsegmented-reachable"  // warning: a vendor segment reaches users in no segment
)

// Severity grades a Finding.
type Severity string

// Severities. Only errors make Validate fail.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one problem with a policy. Message names the segment or policy
// and says what the rule requires.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	// Field is the path in the policy file, e.g. "policies[2].allow[1]".
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s (rule %s)", f.Severity, f.Field, f.Message, f.Rule)
}

// Validate reports every error-severity finding as one *domain.Error with
// code Invalid, one Problem per finding ("<message> (rule <rule>)"); nil when
// there are none. Warnings are available from Findings.
func (p Policy) Validate() error {
	var probs []domain.Problem
	for _, f := range p.Findings() {
		if f.Severity == SeverityError {
			probs = append(probs, domain.Problem{Field: f.Field, Message: f.Message + " (rule " + f.Rule + ")"})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.Invalid, Message: "invalid information barrier policy", Problems: probs}
}

// Findings checks p against Microsoft's rules and the project's, and returns
// every problem found, errors and warnings, in file order.
func (p Policy) Findings() []Finding {
	v := &validator{p: p}
	v.preset()
	v.mode()
	v.segments()
	v.policies()
	v.overlaps()
	v.unreferenced()
	v.vendors()
	return v.out
}

type validator struct {
	p   Policy
	out []Finding
	// names holds the defined segment names.
	names map[string]bool
	// badFilter marks segments whose filter is malformed (skipped by the
	// overlap check).
	badFilter map[int]bool
}

func (v *validator) add(sev Severity, rule, field, format string, args ...any) {
	v.out = append(v.out, Finding{Severity: sev, Rule: rule, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err(rule, field, format string, args ...any) {
	v.add(SeverityError, rule, field, format, args...)
}

func (v *validator) preset() {
	if v.p.Preset != nil {
		v.err(RulePresetUnresolved, "preset", "preset %q is not expanded; resolve the file against the tenant's vendor registry first", v.p.Preset.Kind)
	}
}

func (v *validator) mode() {
	if !v.p.Mode.valid() {
		v.err(RuleMode, "mode", "mode %q must be legacy, single or multi (the tenant's information-barrier mode)", v.p.Mode)
	}
}

// name checks a segment or policy name.
func (v *validator) name(field, what, name string) {
	switch {
	case strings.TrimSpace(name) == "":
		v.err(RuleName, field, "%s has no name", what)
	case utf8.RuneCountInString(name) > MaxNameLength:
		v.err(RuleName, field, "%s %q: name is longer than %d characters (cmdlet limit)", what, name, MaxNameLength)
	case hasControl(name):
		v.err(RuleName, field, "%s %q: name holds a control character or invalid text", what, lineSafe(name))
	}
}

func (v *validator) segments() {
	v.badFilter = map[int]bool{}
	v.names = map[string]bool{}
	for _, s := range v.p.Segments {
		v.names[s.Name] = true
	}
	seen := map[string]string{}
	for i, s := range v.p.Segments {
		field := fmt.Sprintf("segments[%d]", i)
		v.name(field+".name", "segment", s.Name)
		if first, ok := seen[strings.ToLower(s.Name)]; ok && s.Name != "" {
			v.err(RuleUniqueName, field+".name", "segment %q: the name is already used by segment %q", s.Name, first)
		} else {
			seen[strings.ToLower(s.Name)] = s.Name
		}
		before := len(v.out)
		v.filter(s.Filter, field+".filter", s.Name)
		if len(v.out) > before {
			v.badFilter[i] = true
		}
		switch s.VendorKind {
		case "", domain.VendorCompany, domain.VendorContractor:
		default:
			v.err(RuleVendorKind, field+".vendorKind", "segment %q: vendorKind %q must be %q or %q", s.Name, s.VendorKind, domain.VendorCompany, domain.VendorContractor)
		}
	}
	if limit := v.p.Mode.segmentLimit(); v.p.Mode.valid() && len(v.p.Segments) > limit {
		v.err(RuleSegmentLimit, "segments", "%d segments exceed the %s-mode limit of %d", len(v.p.Segments), v.p.Mode, limit)
	}
}

// filter checks one filter node.
func (v *validator) filter(f Filter, field, seg string) {
	forms := f.forms()
	switch len(forms) {
	case 0:
		v.err(RuleFilter, field, "segment %q: filter is empty; give attribute/op/value, memberOf, allOf or anyOf", seg)
		return
	case 1:
	default:
		v.err(RuleFilter, field, "segment %q: filter sets %s; set exactly one of them", seg, strings.Join(forms, " and "))
		return
	}
	switch forms[0] {
	case "memberOf":
		v.value(f.MemberOf, field+".memberOf", seg)
	case "allOf", "anyOf":
		list, key := f.AllOf, "allOf"
		if forms[0] == "anyOf" {
			list, key = f.AnyOf, "anyOf"
		}
		if len(list) == 0 {
			v.err(RuleFilter, field+"."+key, "segment %q: %s lists no filters", seg, key)
		}
		for j, c := range list {
			v.filter(c, fmt.Sprintf("%s.%s[%d]", field, key, j), seg)
		}
	default:
		v.attribute(f.Attribute, field+".attribute", seg)
		if f.Op != "" && f.Op != OpEq && f.Op != OpNe {
			v.err(RuleFilter, field+".op", "segment %q: op %q must be eq or ne", seg, f.Op)
		}
		v.value(f.Value, field+".value", seg)
	}
}

func (v *validator) attribute(attr, field, seg string) {
	if strings.TrimSpace(attr) == "" {
		v.err(RuleAttribute, field, "segment %q: filter has no attribute", seg)
		return
	}
	if _, ok := canonicalAttribute(attr); ok {
		return
	}
	hint := ""
	if aad, ok := exchangeName(attr); ok {
		hint = fmt.Sprintf("; %q is the Exchange name, use %q", attr, aad)
	}
	v.err(RuleAttribute, field, "segment %q: %q is not an information-barrier attribute (Company, Department, ExtensionAttribute1-15, MemberOf, UsageLocation, UserPrincipalName, Mail, …: Microsoft, \"Attributes for information barrier policies\")%s",
		seg, lineSafe(attr), hint)
}

func (v *validator) value(val, field, seg string) {
	switch {
	case val == "":
		v.err(RuleFilter, field, "segment %q: filter value is empty", seg)
	case hasControl(val):
		v.err(RuleFilter, field, "segment %q: filter value %q holds a control character or invalid text", seg, lineSafe(val))
	case hasTypographicQuote(val):
		v.err(RuleFilter, field, "segment %q: filter value %q holds a typographic quotation mark, which PowerShell reads as a quote; use the ASCII ' instead", seg, val)
	}
}

func (v *validator) policies() {
	seen := map[string]string{}
	bySegment := map[string]string{}
	for i, b := range v.p.Policies {
		field := fmt.Sprintf("policies[%d]", i)
		who := fmt.Sprintf("policy %q (segment %q)", b.Name, b.AssignedSegment)
		v.name(field+".name", "policy", b.Name)
		if first, ok := seen[strings.ToLower(b.Name)]; ok && b.Name != "" {
			v.err(RuleUniqueName, field+".name", "%s: the name is already used by policy %q", who, first)
		} else {
			seen[strings.ToLower(b.Name)] = b.Name
		}
		switch b.State {
		case "", StateActive, StateInactive:
		default:
			v.err(RuleState, field+".state", "%s: state %q must be active or inactive", who, b.State)
		}
		v.reference(b.AssignedSegment, field+".assignedSegment", who)
		if first, ok := bySegment[b.AssignedSegment]; ok {
			v.err(RuleOnePolicyPerSegment, field+".assignedSegment", "%s: segment %q already has policy %q; a segment can have only one policy (Microsoft: \"do not assign more than one policy to a segment\")", who, b.AssignedSegment, first)
		} else {
			bySegment[b.AssignedSegment] = b.Name
		}
		switch {
		case len(b.Allow) > 0 && len(b.Block) > 0:
			v.err(RuleAllowXorBlock, field, "%s: has both allow and block lists; a policy is either an allow policy or a block policy (-SegmentsAllowed and -SegmentsBlocked can't be combined)", who)
		case len(b.Allow) == 0 && len(b.Block) == 0:
			v.err(RuleAllowXorBlock, field, "%s: has neither an allow nor a block list", who)
		}
		if len(b.Allow) > 0 && !contains(b.Allow, b.AssignedSegment) {
			v.err(RuleAllowIncludesSelf, field+".allow", "%s: the allow list must include the segment itself, %q (REFERENCE §3; Microsoft's examples list it), or its own members could not reach each other", who, b.AssignedSegment)
		}
		if contains(b.Block, b.AssignedSegment) {
			v.err(RuleBlockExcludesSelf, field+".block", "%s: the block list names the segment itself, %q, which would stop its members reaching each other", who, b.AssignedSegment)
		}
		if len(b.Block) > 0 && v.p.Mode == ModeMulti {
			v.err(RuleMultiAllowOnly, field+".block", "%s: is a block policy, but multi-segment mode accepts allow policies only (Microsoft, \"Use multi-segment support\": \"all information barriers policies must be defined with an allow list\"; also REFERENCE §3, reported)", who)
		}
		v.list(b.Allow, field+".allow", who)
		v.list(b.Block, field+".block", who)
	}
}

// list checks an allow or block list.
func (v *validator) list(list []string, field, who string) {
	for j, s := range list {
		f := fmt.Sprintf("%s[%d]", field, j)
		v.reference(s, f, who)
		if j > 0 && contains(list[:j], s) {
			v.err(RuleListedOnce, f, "%s: names segment %q more than once", who, s)
		}
	}
}

// reference checks that a named segment is defined.
func (v *validator) reference(name, field, who string) {
	if v.names[name] {
		return
	}
	hint := ""
	for _, s := range v.p.Segments {
		if strings.EqualFold(s.Name, name) {
			hint = fmt.Sprintf(" (did you mean %q? names are matched exactly)", s.Name)
			break
		}
	}
	v.err(RuleSegmentExists, field, "%s: names segment %q, which is not defined%s", who, lineSafe(name), hint)
}

// overlaps reports segment filters one user could both match, in the modes
// where a user may be in only one segment.
func (v *validator) overlaps() {
	if !v.p.Mode.onePerUser() {
		return
	}
	segs := v.p.Segments
	for j := range segs {
		if v.badFilter[j] {
			continue
		}
		for i := range j {
			if v.badFilter[i] || strings.EqualFold(segs[i].Name, segs[j].Name) {
				continue
			}
			witness, overlaps, analysed := overlap(segs[i].Filter, segs[j].Filter)
			if !overlaps {
				continue
			}
			msg := fmt.Sprintf("segments %q (%s) and %q (%s) can both match one user", segs[i].Name, segs[i].Filter, segs[j].Name, segs[j].Filter)
			if analysed {
				msg += ", e.g. one with " + witness
			} else {
				msg += " as far as can be told: the filters are too complex to prove disjoint"
			}
			msg += fmt.Sprintf("; %s mode allows one segment per user (Microsoft: \"verify that your segments don't overlap\")", v.p.Mode)
			if segs[i].Filter.usesNe() || segs[j].Filter.usesNe() {
				msg += "; note a -ne comparison matches every user without that value, empty ones included, so it overlaps almost any segment"
			} else {
				msg += "; filters on different attributes can overlap, so use one attribute for all segments or exclude the other explicitly"
			}
			v.err(RuleOneSegmentPerUser, fmt.Sprintf("segments[%d].filter", j), "%s", msg)
		}
	}
}

// unreferenced warns of segments no policy is for or names.
func (v *validator) unreferenced() {
	used := map[string]bool{}
	for _, b := range v.p.Policies {
		used[b.AssignedSegment] = true
		for _, s := range b.Allow {
			used[s] = true
		}
		for _, s := range b.Block {
			used[s] = true
		}
	}
	for i, s := range v.p.Segments {
		if !used[s.Name] {
			v.add(SeverityWarning, RuleUnreferenced, fmt.Sprintf("segments[%d]", i), "segment %q: no policy is assigned to it or names it, so it restricts nobody", s.Name)
		}
	}
}

// vendors checks that vendor segments of different vendors never reach each
// other, one-way cells included, and warns when a vendor segment reaches
// users in no segment.
func (v *validator) vendors() {
	segs := v.p.Segments
	for i, a := range segs {
		if a.Vendor == "" {
			continue
		}
		for _, b := range segs[i+1:] {
			if b.Vendor == "" || strings.EqualFold(a.Vendor, b.Vendor) {
				continue
			}
			c := v.p.Check(a.Name, b.Name)
			switch {
			case c.Allowed:
				v.err(RuleVendorIsolation, fmt.Sprintf("segments[%d]", i), "vendor segment %q (vendor %s) can reach vendor segment %q (vendor %s): %s", a.Name, a.Vendor, b.Name, b.Vendor, c.Reason)
			case c.OneWay:
				v.err(RuleVendorIsolation, fmt.Sprintf("segments[%d]", i), "vendor segments %q (vendor %s) and %q (vendor %s) are blocked one way only: %s; whether that stops both directions is not settled (REFERENCE §3), so give both segments a policy that blocks the other", a.Name, a.Vendor, b.Name, b.Vendor, c.Reason)
			}
		}
		if c := v.p.Check(a.Name, ""); c.Allowed {
			v.add(SeverityWarning, RuleUnsegmentedReachable, fmt.Sprintf("segments[%d]", i), "vendor segment %q (vendor %s) can reach users in no segment: %s; to isolate vendors, put every internal user in a segment", a.Name, a.Vendor, c.Reason)
		}
	}
}
