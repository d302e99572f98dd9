package barriers

import (
	"cmp"
	"slices"
	"strings"
)

// Mode is the tenant's information-barrier mode. It sets the segment limit,
// how many segments a user may be in, which policy kinds are accepted and
// whether users in no segment stay visible ("Get started with information
// barriers"; "Use multi-segment support in information barriers").
type Mode string

// Modes.
const (
	// ModeLegacy: organisations that enabled barriers before 15 Feb 2023.
	// Up to 250 segments, one segment per user; users in no segment are
	// hidden from segments with an allow policy.
	ModeLegacy Mode = "legacy"
	// ModeSingle (Microsoft's SingleSegment): up to 5,000 segments, one
	// segment per user; users in no segment stay visible.
	ModeSingle Mode = "single"
	// ModeMulti (Microsoft's MultiSegment): up to 5,000 segments, up to 10
	// segments per user, allow policies only; users in no segment stay
	// visible.
	ModeMulti Mode = "multi"
)

// Limits (REFERENCE §3; "Get started with information barriers"; cmdlet
// reference for the name length).
const (
	MaxSegmentsLegacy  = 250
	MaxSegments        = 5000
	MaxSegmentsPerUser = 10
	MaxNameLength      = 64
)

func (m Mode) valid() bool { return m == ModeLegacy || m == ModeSingle || m == ModeMulti }

// segmentLimit is the most segments the mode allows.
func (m Mode) segmentLimit() int {
	if m == ModeLegacy {
		return MaxSegmentsLegacy
	}
	return MaxSegments
}

// onePerUser reports whether a user may be in only one segment.
func (m Mode) onePerUser() bool { return m != ModeMulti }

// maxPerUser is the most segments one user may be in.
func (m Mode) maxPerUser() int {
	if m.onePerUser() {
		return 1
	}
	return MaxSegmentsPerUser
}

// describe is a one-line summary of the mode's limits.
func (m Mode) describe() string {
	switch m {
	case ModeLegacy:
		return "mode legacy: up to 250 segments, one segment per user; users in no segment are hidden from segments with an allow policy"
	case ModeSingle:
		return "mode single: up to 5,000 segments, one segment per user; users in no segment stay visible"
	case ModeMulti:
		return "mode multi: up to 5,000 segments, up to 10 segments per user, allow policies only; users in no segment stay visible"
	}
	return "mode " + string(m) + ": unknown"
}

// State is a barrier policy's state. The empty state means active: a policy
// file describes the state the tenant should end in.
type State string

// States.
const (
	StateActive   State = "active"
	StateInactive State = "inactive"
)

// Policy is a whole policy file: the mode, the segments and one barrier
// policy per segment that needs one, plus an optional preset that Resolve
// expands from the vendor registry.
type Policy struct {
	Mode     Mode            `json:"mode"`
	Segments []Segment       `json:"segments,omitempty"`
	Policies []BarrierPolicy `json:"policies,omitempty"`
	Preset   *PresetSpec     `json:"preset,omitempty"`
}

// Segment is an organization segment: a name and the filter that selects its
// users (New-OrganizationSegment -Name -UserGroupFilter).
type Segment struct {
	Name   string `json:"name"`
	Filter Filter `json:"filter"`
	// Vendor is the vendor registry key this segment holds, if any. Vendor
	// segments of different vendors must not reach each other (Validate,
	// rule vendor-isolation).
	Vendor string `json:"vendor,omitempty"`
	// VendorKind is the vendor's kind, "company" or "contractor".
	VendorKind string `json:"vendorKind,omitempty"`
}

// BarrierPolicy is one information barrier policy
// (New-InformationBarrierPolicy): the segment it is written for and either
// the segments that segment may communicate with (Allow) or the segments it
// may not (Block).
type BarrierPolicy struct {
	Name            string   `json:"name"`
	AssignedSegment string   `json:"assignedSegment"`
	Allow           []string `json:"allow,omitempty"`
	Block           []string `json:"block,omitempty"`
	State           State    `json:"state,omitempty"`
}

// active reports whether the policy takes effect; anything but "inactive"
// counts as active so that a misspelt state never weakens a barrier.
func (b BarrierPolicy) active() bool {
	return !strings.EqualFold(string(b.State), string(StateInactive))
}

// isAllow reports whether the policy is an allow policy.
func (b BarrierPolicy) isAllow() bool { return len(b.Allow) > 0 }

// targets is the allow or block list.
func (b BarrierPolicy) targets() []string {
	if b.isAllow() {
		return b.Allow
	}
	return b.Block
}

// segmentNames returns the segment names in display order.
func (p Policy) segmentNames() []string {
	names := make([]string, 0, len(p.Segments))
	for _, s := range p.Segments {
		names = append(names, s.Name)
	}
	sortNames(names)
	return names
}

// segmentByName finds a segment by its exact name.
func (p Policy) segmentByName(name string) (Segment, bool) {
	for _, s := range p.Segments {
		if s.Name == name {
			return s, true
		}
	}
	return Segment{}, false
}

// activePolicy returns the first active policy assigned to segment.
func (p Policy) activePolicy(segment string) (BarrierPolicy, bool) {
	for _, b := range p.Policies {
		if b.AssignedSegment == segment && b.active() {
			return b, true
		}
	}
	return BarrierPolicy{}, false
}

// inactivePolicy returns the first inactive policy assigned to segment.
func (p Policy) inactivePolicy(segment string) (BarrierPolicy, bool) {
	for _, b := range p.Policies {
		if b.AssignedSegment == segment && !b.active() {
			return b, true
		}
	}
	return BarrierPolicy{}, false
}

// sortedSegments returns the segments in display order.
func (p Policy) sortedSegments() []Segment {
	out := slices.Clone(p.Segments)
	slices.SortStableFunc(out, func(a, b Segment) int { return compareNames(a.Name, b.Name) })
	return out
}

// sortedPolicies returns the policies in display order.
func (p Policy) sortedPolicies() []BarrierPolicy {
	out := slices.Clone(p.Policies)
	slices.SortStableFunc(out, func(a, b BarrierPolicy) int { return compareNames(a.Name, b.Name) })
	return out
}

// orderedTargets returns a policy's list with the assigned segment first and
// the others in display order: "Vendor1 may communicate only with Vendor1,
// Experts".
func orderedTargets(b BarrierPolicy) []string {
	var self, rest []string
	for _, s := range b.targets() {
		if s == b.AssignedSegment {
			self = append(self, s)
		} else {
			rest = append(rest, s)
		}
	}
	sortNames(rest)
	return append(self, rest...)
}

// compareNames orders names case-insensitively, then exactly, so that output
// never depends on the order of the file.
func compareNames(a, b string) int {
	if c := cmp.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

func sortNames(names []string) { slices.SortStableFunc(names, compareNames) }
