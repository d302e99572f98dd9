// Package barriers is information barriers as code: a policy file (segments,
// per-segment barrier policies, or the vendor-isolation preset derived from
// the vendor registry), its validation, the Security & Compliance PowerShell
// script that makes a tenant match it, a plain-language plan, and a
// reachability model (Check, Matrix, SegmentFor) the emulator and the demo use
// to answer "can A reach B".
//
// It is pure: no I/O except reading a policy file from an io.Reader or bytes.
//
// # Sources
//
// No Graph API manages segments or policies; it is Security & Compliance
// PowerShell (REFERENCE §3). The cmdlets, parameters and behaviour used here
// come from learn.microsoft.com:
//   - "Get started with information barriers"
//     (purview/information-barriers-policies): New-OrganizationSegment
//     -Name -UserGroupFilter; New-InformationBarrierPolicy -Name
//     -AssignedSegment -SegmentsAllowed|-SegmentsBlocked -State Inactive;
//     Set-InformationBarrierPolicy -Identity -State Active;
//     Start-InformationBarrierPoliciesApplication; "allow 30 minutes for the
//     system to start applying the policies … about 5,000 user accounts per
//     hour"; the Contoso example (HR, Sales, Marketing, Research,
//     Manufacturing), reproduced in testdata/contoso.yaml.
//   - "Use multi-segment support in information barriers"
//     (purview/information-barriers-multi-segment): up to 10 segments per
//     user; "all information barriers policies must be defined with an allow
//     list"; users are compatible when they share a segment.
//   - "Attributes for information barrier policies"
//     (purview/information-barriers-attributes): the filter attributes.
//   - "Manage information barrier policies"
//     (purview/information-barriers-edit-segments-policies): set a policy
//     inactive before changing it, then apply again.
//   - Cmdlet reference (powershell/module/exchangepowershell): Get-
//     OrganizationSegment and Get-InformationBarrierPolicy return *all*
//     objects when -Identity names one that does not exist, so the generated
//     script looks objects up by Name instead; -UserGroupFilter values escape
//     ' by doubling it; -Force suppresses confirmation prompts.
//
// # Evaluation rule
//
// Microsoft writes each policy for its assigned segment and documents it as
// one-way ("Each policy blocks communication in one direction only"; Contoso's
// Sales-Research "won't prevent Research from communicating with Sales. For
// that, Policy 2 is needed."). Whether a one-sided policy nevertheless stops
// both directions in practice is not settled (REFERENCE §3). This project's
// rule is the conservative reading:
//
//	Segments A and B may communicate only if A's active policy (if any)
//	permits B and B's active policy (if any) permits A.
//
// An allow policy permits exactly the segments it lists; a block policy
// permits every segment it does not list; an inactive policy has no effect
// ("a policy set to inactive status has no effect on users"). A pair where
// only one side's policy objects is reported as blocked with Verdict.OneWay
// set, and Matrix.String shows it as "block->" or "<-block", never as plain
// "BLOCK". Microsoft's own Contoso table has such cells: it lists Manufacturing
// among the segments Sales and Research can reach, while Manufacturing's allow
// policy lists only HR and Marketing.
//
// # Users in no segment
//
// Check(a, "") asks about a user outside every segment. The rule follows
// "Visibility of non-IB users and groups" in "Get started with information
// barriers": in Legacy mode, users in no segment are not visible to segments
// with an allow policy and stay visible to segments with a block policy; in
// SingleSegment and MultiSegment modes they stay visible in both cases. Two
// users in no segment are never restricted.
//
// # Users in several segments
//
// In multi mode a user may be in up to 10 segments, and two users are
// compatible when some segment of one may communicate with some segment of
// the other (Microsoft's multi-segment example: users sharing a segment are
// compatible). CheckUsers implements that; in legacy and single modes a user
// in more than one segment is a configuration error and is reported blocked.
//
// # Timing
//
// A placed segment attribute or a new policy changes nothing until the next
// policy application: see EffectiveNotice and ApplicationEstimate.
package barriers
