package barriers

import (
	"fmt"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// PresetVendorIsolation is the one preset: the seed's "vendors use Remote
// Assist" barrier (DESIGN "The demo tenant").
const PresetVendorIsolation = "vendor-isolation"

// PresetSpec is the preset section of a policy file:
//
//	preset:
//	  kind: vendor-isolation
//	  experts:
//	    name: Experts
//	    filter: {attribute: Department, op: eq, value: Experts}
type PresetSpec struct {
	// Kind names the preset; only "vendor-isolation" exists.
	Kind string `json:"kind"`
	// Experts is the internal segment every vendor may reach.
	Experts Segment `json:"experts"`
	// Mode is the mode of the derived policy. Resolve fills it from the
	// file's top-level mode.
	Mode Mode `json:"-"`
}

// Preset derives segments and policies from the vendor registry (the seed:
// "Company ABC does not want vendors from different vendor companies to talk
// to each other"; the contractor "cannot search and collaborate with" the
// vendors):
//
//   - one segment per vendor, filter "<attr> -eq '<Vendor.Segment>'" where
//     <attr> is Tenant.SegmentAttribute mapped by SegmentAttribute;
//   - each vendor segment, company or contractor, gets "<Segment>-allow"
//     allowing itself and Experts only, so it is isolated from every other
//     vendor, other contractors included;
//   - Experts gets "<Experts>-allow" allowing itself and every vendor segment.
//
// A segment always reaches itself (an allow list includes the segment
// itself, REFERENCE §3), so vendors must not share a segment: Preset refuses
// a registry where two vendors name the same segment. In legacy mode an
// allow policy on Experts also hides users in no segment from the experts
// (see the package doc); Validate warns of the reverse gap in the other
// modes.
func Preset(t domain.Tenant, p PresetSpec) (Policy, error) {
	var problems []string
	if p.Kind != PresetVendorIsolation {
		problems = append(problems, fmt.Sprintf("preset kind %q is unknown (want %q)", p.Kind, PresetVendorIsolation))
	}
	if !p.Mode.valid() {
		problems = append(problems, fmt.Sprintf("mode %q must be legacy, single or multi", p.Mode))
	}
	experts := p.Experts
	if strings.TrimSpace(experts.Name) == "" {
		problems = append(problems, "experts.name must name the internal experts segment")
	}
	if len(experts.Filter.forms()) == 0 {
		problems = append(problems, "experts.filter must select the experts, e.g. {attribute: Department, op: eq, value: Experts}")
	}
	segAttr := t.SegmentAttribute
	if segAttr == "" {
		segAttr = domain.DefaultSegmentAttribute
	}
	attr, err := SegmentAttribute(segAttr)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(t.Vendors) == 0 {
		problems = append(problems, "the vendor registry is empty")
	}
	owner := map[string]string{strings.ToLower(experts.Name): "the experts segment"}
	for _, v := range t.Vendors {
		if strings.TrimSpace(v.Segment) == "" {
			problems = append(problems, fmt.Sprintf("vendor %q has no segment", v.Key))
			continue
		}
		k := strings.ToLower(v.Segment)
		if other, ok := owner[k]; ok {
			problems = append(problems, fmt.Sprintf("vendor %q uses segment %q, already used by %s; a segment always reaches itself, so each vendor needs its own segment", v.Key, v.Segment, other))
			continue
		}
		owner[k] = fmt.Sprintf("vendor %q", v.Key)
	}
	if len(problems) > 0 {
		return Policy{}, domain.Errorf(domain.Invalid, "preset %s: %s", PresetVendorIsolation, strings.Join(problems, "; "))
	}

	out := Policy{Mode: p.Mode}
	expertsAllow := []string{experts.Name}
	for _, v := range t.Vendors {
		kind := v.Kind
		if kind == "" {
			kind = domain.VendorCompany
		}
		out.Segments = append(out.Segments, Segment{
			Name: v.Segment, Filter: Eq(attr, v.Segment), Vendor: v.Key, VendorKind: kind,
		})
		out.Policies = append(out.Policies, BarrierPolicy{
			Name: v.Segment + "-allow", AssignedSegment: v.Segment,
			Allow: []string{v.Segment, experts.Name}, State: StateActive,
		})
		expertsAllow = append(expertsAllow, v.Segment)
	}
	out.Segments = append(out.Segments, Segment{Name: experts.Name, Filter: experts.Filter})
	out.Policies = append(out.Policies, BarrierPolicy{
		Name: experts.Name + "-allow", AssignedSegment: experts.Name, Allow: expertsAllow, State: StateActive,
	})
	return out, nil
}

// DefaultPolicy is the vendor-isolation preset of the seed scenario, used
// when no policy file is given: each vendor company reaches itself and the
// experts (Department "Experts"), contractors reach only the experts.
// Multi-segment mode, because vendors are segmented by their segment
// attribute and experts by department; a legacy-mode tenant would put both
// on one attribute.
func DefaultPolicy() Policy {
	return Policy{Mode: ModeMulti, Preset: &PresetSpec{
		Kind:    PresetVendorIsolation,
		Experts: Segment{Name: "Experts", Filter: Eq("Department", "Experts")},
	}}
}
