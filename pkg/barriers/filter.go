package barriers

import (
	"strings"
)

// Op is a filter comparison: "eq" (-eq) or "ne" (-ne). Empty means eq.
type Op string

// Comparisons ("Get started with information barriers": "Using 'equals' and
// 'not equals' in PowerShell segment definitions").
const (
	OpEq Op = "eq"
	OpNe Op = "ne"
)

// Filter selects a segment's users. Exactly one form is set:
//
//   - a comparison: Attribute, Op and Value  → Department -eq 'HR'
//   - MemberOf: a group                      → MemberOf -eq 'group@contoso.com'
//   - AllOf: every filter holds              → … -and …
//   - AnyOf: at least one filter holds       → … -or …
//
// AllOf and AnyOf nest; String renders the cmdlet's UserGroupFilter with
// parentheses around nested groups, as in Microsoft's example
// "(MemberOf -eq 'group1@contoso.com' -or MemberOf -eq 'group2@contoso.com')
// -and MemberOf -ne 'group3@contoso.com'".
type Filter struct {
	Attribute string   `json:"attribute,omitempty"`
	Op        Op       `json:"op,omitempty"`
	Value     string   `json:"value,omitempty"`
	MemberOf  string   `json:"memberOf,omitempty"`
	AllOf     []Filter `json:"allOf,omitempty"`
	AnyOf     []Filter `json:"anyOf,omitempty"`
}

// Eq returns the filter "attribute -eq 'value'".
func Eq(attribute, value string) Filter { return Filter{Attribute: attribute, Op: OpEq, Value: value} }

// Ne returns the filter "attribute -ne 'value'".
func Ne(attribute, value string) Filter { return Filter{Attribute: attribute, Op: OpNe, Value: value} }

// InGroup returns the filter "MemberOf -eq 'group'".
func InGroup(group string) Filter { return Filter{MemberOf: group} }

// All returns a filter that holds when every one of fs holds.
func All(fs ...Filter) Filter { return Filter{AllOf: fs} }

// Any returns a filter that holds when at least one of fs holds.
func Any(fs ...Filter) Filter { return Filter{AnyOf: fs} }

// isComparison reports whether the comparison form is (at least partly) set.
func (f Filter) isComparison() bool { return f.Attribute != "" || f.Op != "" || f.Value != "" }

// forms lists the forms that are set, for validation.
func (f Filter) forms() []string {
	var out []string
	if f.isComparison() {
		out = append(out, "attribute/op/value")
	}
	if f.MemberOf != "" {
		out = append(out, "memberOf")
	}
	if f.AllOf != nil {
		out = append(out, "allOf")
	}
	if f.AnyOf != nil {
		out = append(out, "anyOf")
	}
	return out
}

// op returns the comparison, eq when unset.
func (f Filter) op() Op {
	if f.Op == "" {
		return OpEq
	}
	return f.Op
}

// attribute returns the comparison's attribute in Microsoft's spelling, or
// as written when it is unknown (validation reports it).
func (f Filter) attribute() string {
	if c, ok := canonicalAttribute(f.Attribute); ok {
		return c
	}
	return f.Attribute
}

// String renders the filter as a -UserGroupFilter value, e.g.
// Company -eq 'Vendor1'. Text values are quoted with ' doubled.
func (f Filter) String() string {
	switch {
	case len(f.AllOf) > 0:
		return joinFilters(f.AllOf, " -and ")
	case len(f.AnyOf) > 0:
		return joinFilters(f.AnyOf, " -or ")
	case f.MemberOf != "":
		return "MemberOf -eq " + opathQuote(f.MemberOf)
	}
	return f.attribute() + " -" + string(f.op()) + " " + opathQuote(f.Value)
}

func joinFilters(fs []Filter, sep string) string {
	if len(fs) == 1 {
		return fs[0].String()
	}
	parts := make([]string, len(fs))
	for i, c := range fs {
		s := c.String()
		if c.compound() {
			s = "(" + s + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}

// compound reports whether the rendered filter joins several terms and so
// needs parentheses when nested.
func (f Filter) compound() bool {
	switch {
	case len(f.AllOf) == 1:
		return f.AllOf[0].compound()
	case len(f.AllOf) > 1:
		return true
	case len(f.AnyOf) == 1:
		return f.AnyOf[0].compound()
	case len(f.AnyOf) > 1:
		return true
	}
	return false
}

// usesNe reports whether any comparison in the filter is -ne.
func (f Filter) usesNe() bool {
	for _, c := range f.AllOf {
		if c.usesNe() {
			return true
		}
	}
	for _, c := range f.AnyOf {
		if c.usesNe() {
			return true
		}
	}
	return f.isComparison() && f.op() == OpNe
}

// matches evaluates the filter against a user's values, keyed by canonical
// attribute. A missing attribute has no value: -eq fails and -ne holds.
// Comparisons ignore case, as OPATH text comparisons do.
func (f Filter) matches(user map[string][]string) bool {
	switch {
	case len(f.AllOf) > 0:
		for _, c := range f.AllOf {
			if !c.matches(user) {
				return false
			}
		}
		return true
	case len(f.AnyOf) > 0:
		for _, c := range f.AnyOf {
			if c.matches(user) {
				return true
			}
		}
		return false
	case f.MemberOf != "":
		return hasValue(user["MemberOf"], f.MemberOf)
	}
	has := hasValue(user[f.attribute()], f.Value)
	if f.op() == OpNe {
		return !has
	}
	return has
}

func hasValue(vals []string, want string) bool {
	for _, v := range vals {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}
