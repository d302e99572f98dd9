package barriers

import "time"

// Policy application timing (REFERENCE §3; "Get started with information
// barriers", Step 4: "allow 30 minutes for the system to start applying the
// policies … The system processes about 5,000 user accounts per hour").
const (
	// ApplicationStartDelay is how long a policy application takes to start.
	ApplicationStartDelay = 30 * time.Minute
	// ApplicationUsersPerHour is the documented processing rate.
	ApplicationUsersPerHour = 5000
)

// EffectiveNotice is what status output says after a segment attribute is
// written: the barrier is not in force until the next policy application
// (REFERENCE §3).
const EffectiveNotice = "segment placed; barrier effective after the next policy application (starts within ~30 min, ~5,000 users/hour)"

// ApplicationEstimate is the documented rough time from
// Start-InformationBarrierPoliciesApplication until that many user accounts
// have been processed: the start delay plus users at 5,000 per hour. Negative counts
// count as zero. It is an estimate from Microsoft's guidance, not a promise.
func ApplicationEstimate(users int) time.Duration {
	if users < 0 {
		users = 0
	}
	per := time.Duration(ApplicationUsersPerHour)
	return ApplicationStartDelay +
		time.Duration(users/ApplicationUsersPerHour)*time.Hour +
		time.Duration(users%ApplicationUsersPerHour)*time.Hour/per
}
