package engine

import (
	"context"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// Directory is what the steps need from Microsoft Graph. The graph package
// implements it on msgraph-sdk-go; errors are *domain.Error classified there
// (Transient with RetryAfter, Conflict, NotFound, Business, Invalid).
type Directory interface {
	// FindUser returns the user with this UPN; NotFound when there is none.
	FindUser(ctx context.Context, upn string) (domain.User, error)
	// GetUser returns the user with this object id; NotFound when absent
	// (right after a create, replication lag may answer NotFound: the
	// adapter retries that briefly, the engine retries as Transient).
	GetUser(ctx context.Context, id string) (domain.User, error)
	// CreateUser creates u with an initial password (never delivered when
	// credentials are TAPs). Conflict when the UPN is already taken.
	CreateUser(ctx context.Context, u domain.User, password string) (domain.User, error)
	// UpdateUser PATCHes the changed properties.
	UpdateUser(ctx context.Context, id string, c domain.UserChanges) error
	// SetPassword replaces the password (temporary-password delivery).
	SetPassword(ctx context.Context, id, password string, forceChange bool) error
	// DeleteUser soft-deletes the user (restorable for 30 days).
	DeleteUser(ctx context.Context, id string) error
	// FindDeletedUser finds a soft-deleted user by UPN; NotFound if none.
	FindDeletedUser(ctx context.Context, upn string) (domain.User, error)
	// RestoreUser restores a soft-deleted user.
	RestoreUser(ctx context.Context, id string) (domain.User, error)
	// ListSKUs returns the tenant's subscribed SKUs with seat counts.
	ListSKUs(ctx context.Context) ([]domain.SKU, error)
	// AssignLicenses adds and removes licenses by skuId. No free seat is
	// Business; a missing usage location right after it was set is
	// Transient (replication).
	AssignLicenses(ctx context.Context, userID string, add, remove []string) error
	// AddMember adds a user to a group; already a member is success.
	AddMember(ctx context.Context, groupID, userID string) error
	// RemoveMember removes a user from a group; not a member is success.
	RemoveMember(ctx context.Context, groupID, userID string) error
	// MemberOf lists the ids of the user's groups, direct or nested (Graph transitiveMemberOf).
	MemberOf(ctx context.Context, userID string) ([]string, error)
	// CreateTAP issues a Temporary Access Pass (replacing any existing one).
	CreateTAP(ctx context.Context, userID string, lifetime time.Duration) (domain.TAP, error)
	// ListTAPs lists the user's TAPs (values are never returned).
	ListTAPs(ctx context.Context, userID string) ([]domain.TAP, error)
	// DeleteTAP removes one TAP; already gone is success.
	DeleteTAP(ctx context.Context, userID, tapID string) error
	// RevokeSessions invalidates the user's refresh tokens and sessions.
	RevokeSessions(ctx context.Context, userID string) error
	// SendMail sends m from the sender mailbox (202 = accepted, not delivered).
	SendMail(ctx context.Context, sender string, m domain.Mail) error
	// ListUsers pages through the users matching q, calling fn for each;
	// fn's error stops the listing and is returned.
	ListUsers(ctx context.Context, q domain.UserQuery, fn func(domain.User) error) error
}

// Journal records requests and their steps durably. The sqlite journal
// implements it; every method takes the time from its injected clock.
type Journal interface {
	// Begin records r (Status received, Attempts 0) unless a request with
	// its ID exists; it returns the stored record and whether it was
	// created. A stored record with another Fingerprint is a Conflict.
	Begin(ctx context.Context, r domain.RequestRecord) (domain.RequestRecord, bool, error)
	// Request returns one request; NotFound when absent.
	Request(ctx context.Context, id string) (domain.RequestRecord, error)
	// Requests lists requests, newest first, optionally by status.
	Requests(ctx context.Context, f RequestFilter) ([]domain.RequestRecord, error)
	// Steps returns the request's step records in plan order (only steps
	// that have started).
	Steps(ctx context.Context, requestID string) ([]domain.StepRecord, error)
	// StartStep marks a step running and counts an attempt.
	StartStep(ctx context.Context, requestID string, step domain.Step) (domain.StepRecord, error)
	// FinishStep marks a step done with the ids it produced.
	FinishStep(ctx context.Context, requestID string, step domain.Step, outputs map[string]string) error
	// FailStep records a failed attempt with its classified error.
	FailStep(ctx context.Context, requestID string, step domain.Step, code domain.Code, message string) error
	// SetStatus moves the request (domain.CheckMove rules) and records why.
	SetStatus(ctx context.Context, id string, status domain.RequestStatus, code domain.Code, reason string) error
	// SetUPN records the account a request is about.
	SetUPN(ctx context.Context, id, upn string) error
	// CountAttempt increments the request's Attempts.
	CountAttempt(ctx context.Context, id string) (int, error)
	// Account returns the journal's record of an account; NotFound if none.
	Account(ctx context.Context, upn string) (domain.AccountRecord, error)
	// PutAccount inserts or replaces an account record.
	PutAccount(ctx context.Context, a domain.AccountRecord) error
	// UpdateAccount reads the record of upn (the zero record, with the
	// UPN, when there is none), applies change and writes it back, as one
	// atomic step: a concurrent update in between is never lost (the
	// SQLite journal holds its write lock; the Table journal's write is
	// conditional on the entity's ETag and starts again when it lost).
	UpdateAccount(ctx context.Context, upn string, change func(*domain.AccountRecord)) error
	// Accounts calls fn for every account record, ordered by lower-cased
	// UPN; fn's error stops the listing and is returned.
	Accounts(ctx context.Context, fn func(domain.AccountRecord) error) error
	// AcquireLease gives owner the exclusive right to change the account
	// until `until`; it returns the other owner's id when that owner holds
	// an unexpired lease, else "".
	AcquireLease(ctx context.Context, upn, owner string, until time.Time) (string, error)
	// ReleaseLease ends owner's lease on upn.
	ReleaseLease(ctx context.Context, upn, owner string) error
	// Batch runs fn, whose journal calls use fn's ctx, as one unit where
	// the journal can: the SQLite journal commits them in one transaction,
	// or none of them when fn fails. A journal that cannot makes them one by
	// one, as without a batch; the engine keeps its crash guarantees either
	// way, since every call in a batch could also have been the last before
	// a crash. fn makes journal calls only: it may hold a write lock.
	Batch(ctx context.Context, fn func(ctx context.Context) error) error
}

// RequestFilter narrows Journal.Requests.
type RequestFilter struct {
	Status domain.RequestStatus // "" = any
	Kind   string               // "" = any
	// UPN, when set, keeps the requests about that account (compared
	// case-insensitively).
	UPN string
	// Since and Until, when set, keep the requests created at or after
	// Since and before Until.
	Since, Until time.Time
	Limit        int // 0 = 100
}
