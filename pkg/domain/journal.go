package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Fingerprint is the sha256 of a request's payload with insignificant white
// space removed, so that re-serialised copies of one request match: the
// journal's RequestRecord.Fingerprint, by which a requestId reused for
// other content is told apart from a copy of the same request.
func Fingerprint(b []byte) string {
	var v any
	canon := b
	if json.Unmarshal(b, &v) == nil {
		if c, err := json.Marshal(v); err == nil {
			canon = c
		}
	}
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// RequestRecord is a request as the journal keeps it. Payload is the
// request's JSON as received (requests carry no secrets).
type RequestRecord struct {
	ID          string        `json:"requestId"`
	Kind        string        `json:"kind"`
	Fingerprint string        `json:"fingerprint"` // sha256 of the canonical payload
	Payload     []byte        `json:"payload"`
	Status      RequestStatus `json:"status"`
	// ReasonCode and Reason say why a request is parked or retrying.
	ReasonCode Code   `json:"reasonCode,omitempty"`
	Reason     string `json:"reason,omitempty"`
	// UPN is the account the request is about, once known.
	UPN string `json:"upn,omitempty"`
	// Attempts counts runs of the request (deliveries that reached the engine).
	Attempts int `json:"attempts"`
	// IntentAt is when the request's intent was expressed (the queue's
	// enqueue time at first sight, else the journal's clock): among the
	// requests for one account, the newer intent wins.
	IntentAt  time.Time `json:"intentAt,omitzero"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// StepRecord is one step of one request in the journal.
type StepRecord struct {
	RequestID  string            `json:"requestId"`
	Step       Step              `json:"step"`
	Status     StepStatus        `json:"status"`
	Attempts   int               `json:"attempts"`
	ErrorCode  Code              `json:"errorCode,omitempty"`
	Error      string            `json:"error,omitempty"`
	StartedAt  time.Time         `json:"startedAt,omitzero"`
	FinishedAt time.Time         `json:"finishedAt,omitzero"`
	Outputs    map[string]string `json:"outputs,omitempty"` // ids it produced; never secrets
}

// AccountRecord is the journal's view of one service account.
type AccountRecord struct {
	UPN         string       `json:"upn"`
	UserID      string       `json:"userId,omitempty"`
	Vendor      string       `json:"vendor,omitempty"`
	Email       string       `json:"email,omitempty"`
	State       AccountState `json:"state"`
	ContractEnd time.Time    `json:"contractEnd,omitzero"`
	// LastRequest is the request that last changed the account; its
	// enqueue time orders competing intents.
	LastRequest string    `json:"lastRequest,omitempty"`
	IntentAt    time.Time `json:"intentAt,omitzero"`
	// Sponsor is warned before the contract ends; WarnedFor is the contract
	// end the last warning was sent for.
	Sponsor   string    `json:"sponsor,omitempty"`
	WarnedFor time.Time `json:"warnedFor,omitzero"`
	// CredentialID is the id (never the value) of the last Temporary
	// Access Pass vendorflow issued to the account, so that offboarding
	// removes it even while replication lag hides it from a listing.
	CredentialID string `json:"credentialId,omitempty"`
	// ClaimedBy is the request that last took the account, with its
	// intent time ClaimedAt: recorded by a run when it claims the account,
	// before it changes anything, so that an older request coming back
	// part-way is superseded even while the newer one is itself part-way.
	// A record with only these set (State "") is no account on record.
	ClaimedBy string    `json:"claimedBy,omitempty"`
	ClaimedAt time.Time `json:"claimedAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt"`
}
