package domain

// Step names one idempotent, retriable unit of a request's work.
type Step string

// Onboarding steps, in order (DESIGN "Lifecycle").
const (
	StepValidate           Step = "validate"
	StepEnsureUser         Step = "ensure-user"
	StepEnsureSegment      Step = "ensure-segment"
	StepEnsureLicenses     Step = "ensure-licenses"
	StepDeliverCredentials Step = "deliver-credentials"
	StepComplete           Step = "complete"
)

// Offboarding steps, in order.
const (
	StepFindAccount    Step = "find-account"
	StepDisableSignIn  Step = "disable-sign-in"
	StepRevokeSessions Step = "revoke-sessions"
	StepRemoveTAPs     Step = "remove-taps"
	StepRemoveLicenses Step = "remove-licenses"
	StepRemoveSegment  Step = "remove-segment"
	StepMarkOffboarded Step = "mark-offboarded"
)

// ActsOnAccount reports whether s works on the account an earlier step of
// the same request created or found (ensure-user, find-account). For such
// a step a NotFound about that account is replication lag, not absence:
// Entra is eventually consistent (REFERENCE §2), and the engine retries it
// as Transient the same way in every one of them.
func (s Step) ActsOnAccount() bool {
	switch s {
	case StepEnsureSegment, StepEnsureLicenses, StepDeliverCredentials,
		StepDisableSignIn, StepRevokeSessions, StepRemoveTAPs, StepRemoveLicenses, StepRemoveSegment, StepMarkOffboarded:
		return true
	}
	return false
}

// Plan returns the ordered steps of a request kind.
func Plan(kind string) ([]Step, error) {
	switch kind {
	case KindOnboard:
		return []Step{StepValidate, StepEnsureUser, StepEnsureSegment, StepEnsureLicenses, StepDeliverCredentials, StepComplete}, nil
	case KindOffboard:
		return []Step{StepValidate, StepFindAccount, StepDisableSignIn, StepRevokeSessions, StepRemoveTAPs, StepRemoveLicenses, StepRemoveSegment, StepMarkOffboarded}, nil
	}
	return nil, Errorf(Invalid, "unknown request kind %q", kind)
}

// StepStatus is the state of one step in the journal.
type StepStatus string

// Step statuses.
const (
	StepPending StepStatus = "pending"
	StepRunning StepStatus = "running"
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed" // last attempt failed; see the error
)

// RequestStatus is the state of a request in the journal.
type RequestStatus string

// Request statuses and their transitions (see CanMove).
const (
	RequestReceived RequestStatus = "received"
	RequestRunning  RequestStatus = "running"
	RequestRetrying RequestStatus = "retrying" // transient failure, will be retried
	RequestParked   RequestStatus = "parked"   // permanent failure, waits for ops
	RequestDone     RequestStatus = "done"
	// RequestSuperseded: a newer intent for the same account won.
	RequestSuperseded RequestStatus = "superseded"
)

// RequestStatuses lists every request status, in lifecycle order.
func RequestStatuses() []RequestStatus {
	return []RequestStatus{RequestReceived, RequestRunning, RequestRetrying, RequestParked, RequestDone, RequestSuperseded}
}

// requestMoves is the request lifecycle, as a fixed table.
func requestMoves(from RequestStatus) []RequestStatus {
	switch from {
	case RequestReceived:
		return []RequestStatus{RequestRunning, RequestParked, RequestSuperseded}
	case RequestRunning:
		return []RequestStatus{RequestRunning, RequestRetrying, RequestParked, RequestDone, RequestSuperseded}
	case RequestRetrying:
		return []RequestStatus{RequestRunning, RequestParked, RequestSuperseded}
	case RequestParked:
		// ops replay a parked request once its cause is fixed
		return []RequestStatus{RequestRunning, RequestSuperseded}
	}
	return nil // done and superseded are final
}

// CanMove reports whether a request may go from one status to another.
func CanMove(from, to RequestStatus) bool {
	for _, s := range requestMoves(from) {
		if s == to {
			return true
		}
	}
	return false
}

// CheckMove returns a Conflict error when the move is not allowed.
func CheckMove(from, to RequestStatus) error {
	if CanMove(from, to) {
		return nil
	}
	return Errorf(Conflict, "a request cannot go from %s to %s", from, to)
}

// AccountState is where a service account is in its lifecycle.
type AccountState string

// Account states.
const (
	AccountActive     AccountState = "active"
	AccountOffboarded AccountState = "offboarded"
	AccountDeleted    AccountState = "deleted"
)

// String implements fmt.Stringer.
func (s Step) String() string { return string(s) }
