package barriers

import (
	"strings"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// SegmentFor returns the segments, in display order, whose filters match a
// user with the given attribute values. Keys are filter attributes (Company,
// Department, ExtensionAttributeN, MemberOf, …) or the Graph names vendorflow
// writes (companyName, department, extensionAttributeN), matched ignoring
// case; other keys are ignored. A multi-valued attribute (MemberOf,
// ProxyAddresses) lists its values separated by ';'. Values compare ignoring
// case; a missing attribute fails -eq and satisfies -ne.
//
// The error is Invalid when a segment's filter uses an unknown attribute, or
// when the user falls in more segments than the mode allows (one in legacy
// and single modes, ten in multi); the matching segments are returned with
// that error so that the caller can show them.
func SegmentFor(p Policy, attrs map[string]string) ([]string, error) {
	user := map[string][]string{}
	for k, v := range attrs {
		a, ok := userAttribute(k)
		if !ok {
			continue
		}
		if multiValued(a) {
			for _, part := range strings.Split(v, ";") {
				if part = strings.TrimSpace(part); part != "" {
					user[a] = append(user[a], part)
				}
			}
			continue
		}
		if v != "" {
			user[a] = append(user[a], v)
		}
	}
	var out []string
	for _, s := range p.sortedSegments() {
		if bad := unknownAttributes(s.Filter); len(bad) > 0 {
			return nil, domain.Errorf(domain.Invalid, "segment %q: filter uses unknown attribute %s", s.Name, strings.Join(bad, ", "))
		}
		if s.Filter.matches(user) {
			out = append(out, s.Name)
		}
	}
	if n := p.Mode.maxPerUser(); len(out) > n {
		return out, domain.Errorf(domain.Invalid, "user matches %d segments (%s); mode %s allows %d per user",
			len(out), strings.Join(out, ", "), p.Mode, n)
	}
	return out, nil
}

// unknownAttributes lists the filter's comparison attributes that are not
// information-barrier attributes.
func unknownAttributes(f Filter) []string {
	var out []string
	for _, c := range f.AllOf {
		out = append(out, unknownAttributes(c)...)
	}
	for _, c := range f.AnyOf {
		out = append(out, unknownAttributes(c)...)
	}
	if f.isComparison() {
		if _, ok := canonicalAttribute(f.Attribute); !ok {
			out = append(out, "\""+f.Attribute+"\"")
		}
	}
	return out
}
