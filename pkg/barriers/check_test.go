package barriers

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Users in no segment follow "Visibility of non-IB users and groups": legacy
// hides them from allow-policy segments only; single and multi keep them
// visible.
func TestCheckUnsegmented(t *testing.T) {
	base := Policy{
		Segments: []Segment{
			{Name: "Allowers", Filter: Eq("Department", "A")},
			{Name: "Blockers", Filter: Eq("Department", "B")},
			{Name: "Free", Filter: Eq("Department", "F")},
		},
		Policies: []BarrierPolicy{
			{Name: "Allowers-allow", AssignedSegment: "Allowers", Allow: []string{"Allowers", "Blockers", "Free"}},
			{Name: "Blockers-block", AssignedSegment: "Blockers", Block: []string{"Free"}},
		},
	}
	tests := []struct {
		mode    Mode
		segment string
		want    Verdict
	}{
		{ModeLegacy, "Allowers", Verdict{
			Decider: "Allowers-allow", OneWay: true, BlockedBy: []string{"Allowers"},
			Reason: "Allowers-allow is an allow policy and the mode is legacy: users in no segment are hidden from Allowers; only one side's policy blocks; the project counts that as blocked both ways (REFERENCE §3)",
		}},
		{ModeSingle, "Allowers", Verdict{
			Allowed: true, Decider: "Allowers-allow",
			Reason: "Allowers-allow is an allow policy, but in single mode users in no segment stay visible to Allowers",
		}},
		{ModeMulti, "Allowers", Verdict{
			Allowed: true, Decider: "Allowers-allow",
			Reason: "Allowers-allow is an allow policy, but in multi mode users in no segment stay visible to Allowers",
		}},
		{ModeLegacy, "Blockers", Verdict{
			Allowed: true, Decider: "Blockers-block",
			Reason: "Blockers-block blocks named segments only; users in no segment stay visible to Blockers",
		}},
		{ModeLegacy, "Free", Verdict{
			Allowed: true, Decider: DeciderNoPolicy,
			Reason: "neither Free nor users in no segment has an active policy",
		}},
		{ModeLegacy, "", Verdict{
			Allowed: true, Decider: DeciderNoPolicy,
			Reason: "neither users in no segment nor users in no segment has an active policy",
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode)+"/"+tt.segment, func(t *testing.T) {
			p := base
			p.Mode = tt.mode
			if diff := cmp.Diff(tt.want, p.Check(tt.segment, "")); diff != "" {
				t.Errorf("Check(%q, \"\") (-want +got):\n%s", tt.segment, diff)
			}
		})
	}
}

func TestCheckInactiveAndUnknown(t *testing.T) {
	p := Policy{
		Mode: ModeLegacy,
		Segments: []Segment{
			{Name: "Sales", Filter: Eq("Department", "Sales")},
			{Name: "Research", Filter: Eq("Department", "Research")},
		},
		Policies: []BarrierPolicy{
			{Name: "Sales-Research", AssignedSegment: "Sales", Block: []string{"Research"}, State: StateInactive},
			{Name: "Research-Sales", AssignedSegment: "Research", Block: []string{"Sales"}},
		},
	}
	want := Verdict{
		Decider: "Research-Sales", OneWay: true, BlockedBy: []string{"Research"},
		Reason: "Sales-Research is inactive and has no effect; Research-Sales blocks Research from Sales; only one side's policy blocks; the project counts that as blocked both ways (REFERENCE §3)",
	}
	if diff := cmp.Diff(want, p.Check("Sales", "Research")); diff != "" {
		t.Errorf("inactive (-want +got):\n%s", diff)
	}
	if got := p.Matrix().Cell("Sales", "Research"); got != CellColBlock {
		t.Errorf("cell Sales/Research = %q, want %q", got, CellColBlock)
	}
	if got := p.Matrix().Cell("Research", "Sales"); got != CellRowBlock {
		t.Errorf("cell Research/Sales = %q, want %q", got, CellRowBlock)
	}
	want = Verdict{Decider: DeciderUnknownSegment, Reason: `segment "Marketing" is not defined in the policy`}
	if diff := cmp.Diff(want, p.Check("Sales", "Marketing")); diff != "" {
		t.Errorf("unknown (-want +got):\n%s", diff)
	}
}

// Microsoft's multi-segment example (North School District): students and
// teachers talk within their school; teachers of both schools talk.
func TestCheckUsersMultiSegment(t *testing.T) {
	p := Policy{
		Mode: ModeMulti,
		Segments: []Segment{
			{Name: "School1", Filter: Eq("Department", "School1")},
			{Name: "School2", Filter: Eq("Department", "School2")},
			{Name: "AllTeachers", Filter: InGroup("AllTeachersgroup@northschoolsdistrict.com")},
		},
		Policies: []BarrierPolicy{
			{Name: "School1Policy", AssignedSegment: "School1", Allow: []string{"School1"}},
			{Name: "School2Policy", AssignedSegment: "School2", Allow: []string{"School2"}},
			{Name: "AllTeachersPolicy", AssignedSegment: "AllTeachers", Allow: []string{"AllTeachers"}},
		},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	user := func(dept string, teacher bool) []string {
		attrs := map[string]string{"Department": dept}
		if teacher {
			attrs["MemberOf"] = "staff@northschoolsdistrict.com; AllTeachersgroup@northschoolsdistrict.com"
		}
		segs, err := SegmentFor(p, attrs)
		if err != nil {
			t.Fatal(err)
		}
		return segs
	}
	teacher1, teacher2 := user("School1", true), user("School2", true)
	student1, student2 := user("School1", false), user("School2", false)
	if diff := cmp.Diff([]string{"AllTeachers", "School1"}, teacher1); diff != "" {
		t.Fatalf("SegmentFor teacher1 (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		a, b []string
		want bool
	}{
		{"teachers of both schools", teacher1, teacher2, true},
		{"student and teacher, same school", student1, teacher1, true},
		{"student and teacher, other school", student1, teacher2, false},
		{"students of both schools", student1, student2, false},
		{"student and unsegmented (multi: visible)", student1, nil, true},
	}
	for _, tt := range tests {
		if got := p.CheckUsers(tt.a, tt.b); got.Allowed != tt.want {
			t.Errorf("%s: %+v, want allowed=%v", tt.name, got, tt.want)
		}
	}
	p.Mode = ModeLegacy
	got := p.CheckUsers(teacher1, student1)
	want := Verdict{Decider: DeciderSegmentsPerUser, Reason: "a user is in 2 segments (AllTeachers, School1); mode legacy allows 1 per user"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("legacy multi-segment user (-want +got):\n%s", diff)
	}
}
