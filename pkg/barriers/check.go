package barriers

import (
	"fmt"
	"strings"
)

// Deciders that are rules rather than policy names.
const (
	// DeciderNoPolicy: neither side has an active policy.
	DeciderNoPolicy = "no-policy"
	// DeciderUnknownSegment: a segment name that the policy does not define.
	DeciderUnknownSegment = "unknown-segment"
	// DeciderSegmentsPerUser: a user is in more segments than the mode
	// allows (CheckUsers).
	DeciderSegmentsPerUser = "segments-per-user"
)

// Verdict answers "may users of segment A and segment B communicate".
type Verdict struct {
	// Allowed is true when both sides' active policies permit the other.
	Allowed bool `json:"allowed"`
	// Decider names the policies that decided (comma-separated, A's first)
	// or a rule: DeciderNoPolicy, DeciderUnknownSegment,
	// DeciderSegmentsPerUser.
	Decider string `json:"decider"`
	// Reason says why, in plain language.
	Reason string `json:"reason"`
	// OneWay is true when exactly one side's policy objects: Microsoft
	// documents policies as one-way, and the project counts such a pair as
	// blocked (package doc, REFERENCE §3).
	OneWay bool `json:"oneWay,omitempty"`
	// BlockedBy lists the segments whose policies object (A's first).
	BlockedBy []string `json:"blockedBy,omitempty"`
}

// side is one direction's judgement: does from's policy permit to?
type side struct {
	policy string // active policy consulted, "" if none
	object bool
	phrase string
}

// Check reports whether a user in segment a and a user in segment b may
// communicate under the project's rule (package doc): allowed only if a's
// active policy (if any) permits b and b's active policy (if any) permits a.
// "" stands for a user in no segment. Check does not validate p.
func (p Policy) Check(a, b string) Verdict {
	for _, s := range []string{a, b} {
		if s == "" {
			continue
		}
		if _, ok := p.segmentByName(s); !ok {
			return Verdict{
				Decider: DeciderUnknownSegment,
				Reason:  fmt.Sprintf("segment %q is not defined in the policy", s),
			}
		}
	}
	sides := []side{p.judge(a, b)}
	if a != b {
		sides = append(sides, p.judge(b, a))
	}
	var v Verdict
	var deciders, objectors, phrases []string
	for i, sd := range sides {
		if sd.phrase != "" {
			phrases = append(phrases, sd.phrase)
		}
		if sd.policy != "" {
			deciders = append(deciders, sd.policy)
		}
		if sd.object {
			objectors = append(objectors, sd.policy)
			v.BlockedBy = append(v.BlockedBy, []string{a, b}[i])
		}
	}
	v.Allowed = len(objectors) == 0
	v.OneWay = len(sides) == 2 && len(objectors) == 1
	switch {
	case !v.Allowed:
		v.Decider = strings.Join(objectors, ", ")
	case len(deciders) > 0:
		v.Decider = strings.Join(deciders, ", ")
	default:
		v.Decider = DeciderNoPolicy
	}
	if len(deciders) == 0 {
		phrases = append(phrases, fmt.Sprintf("neither %s nor %s has an active policy", label(a), label(b)))
	}
	if v.OneWay {
		phrases = append(phrases, "only one side's policy blocks; the project counts that as blocked both ways (REFERENCE §3)")
	}
	v.Reason = strings.Join(phrases, "; ")
	return v
}

// judge decides whether from's active policy permits to.
func (p Policy) judge(from, to string) side {
	if from == "" {
		return side{}
	}
	bp, ok := p.activePolicy(from)
	if !ok {
		if ip, ok := p.inactivePolicy(from); ok {
			return side{phrase: fmt.Sprintf("%s is inactive and has no effect", ip.Name)}
		}
		return side{}
	}
	list := strings.Join(orderedTargets(bp), ", ")
	sd := side{policy: bp.Name}
	switch {
	case to == "" && bp.isAllow() && p.Mode == ModeLegacy:
		sd.object = true
		sd.phrase = fmt.Sprintf("%s is an allow policy and the mode is legacy: users in no segment are hidden from %s", bp.Name, from)
	case to == "" && bp.isAllow():
		sd.phrase = fmt.Sprintf("%s is an allow policy, but in %s mode users in no segment stay visible to %s", bp.Name, p.Mode, from)
	case to == "":
		sd.phrase = fmt.Sprintf("%s blocks named segments only; users in no segment stay visible to %s", bp.Name, from)
	case bp.isAllow() && contains(bp.Allow, to):
		sd.phrase = fmt.Sprintf("%s lets %s communicate with %s", bp.Name, from, to)
	case bp.isAllow():
		sd.object = true
		sd.phrase = fmt.Sprintf("%s lets %s communicate only with %s; %s is not listed", bp.Name, from, list, to)
	case contains(bp.Block, to):
		sd.object = true
		sd.phrase = fmt.Sprintf("%s blocks %s from %s", bp.Name, from, to)
	default:
		sd.phrase = fmt.Sprintf("%s blocks %s only from %s", bp.Name, from, list)
	}
	return sd
}

// CheckUsers reports whether two users, given the segments each is in (as
// SegmentFor returns them; empty = in no segment), may communicate. In multi
// mode they may when any segment of one may communicate with any segment of
// the other ("Use multi-segment support in information barriers": users who
// share a segment are compatible); the first such pair decides. In legacy
// and single modes a user in more than one segment is a configuration error
// and is reported blocked.
func (p Policy) CheckUsers(a, b []string) Verdict {
	for _, segs := range [][]string{a, b} {
		if len(segs) > p.Mode.maxPerUser() {
			return Verdict{
				Decider: DeciderSegmentsPerUser,
				Reason: fmt.Sprintf("a user is in %d segments (%s); mode %s allows %d per user",
					len(segs), strings.Join(segs, ", "), p.Mode, p.Mode.maxPerUser()),
			}
		}
	}
	as, bs := orNone(a), orNone(b)
	var first Verdict
	for i, x := range as {
		for j, y := range bs {
			v := p.Check(x, y)
			if v.Allowed {
				return v
			}
			if i == 0 && j == 0 {
				first = v
			}
		}
	}
	return first
}

func orNone(segs []string) []string {
	if len(segs) == 0 {
		return []string{""}
	}
	return segs
}

// label names a segment in prose; "" is users in no segment.
func label(s string) string {
	if s == "" {
		return "users in no segment"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
