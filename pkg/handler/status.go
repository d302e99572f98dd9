package handler

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// StatusDeadLettered is the status the status function reports for a
// request whose journal status is not final while the broker holds one of
// its messages in a dead-letter subqueue (after MaxDeliveryCount failed
// deliveries, or on expiry). It is a read-time view, never a journal state:
// a replay takes the message out of the dead-letter subqueue, and the
// request reads as the journal has it again.
const StatusDeadLettered domain.RequestStatus = "deadlettered"

// requestView is a journal record without its payload: the status endpoint
// is for tracking, and a function key may be handed to procurement
// (functions/README.md). The outer Payload field shadows the embedded one
// in JSON and is always nil, so it is omitted.
type requestView struct {
	domain.RequestRecord
	Payload []byte `json:"payload,omitempty"`
	// JournalStatus is the journal's status when Status says otherwise
	// (StatusDeadLettered).
	JournalStatus domain.RequestStatus `json:"journalStatus,omitempty"`
	// DeadLetter is the broker's dead letter behind StatusDeadLettered.
	DeadLetter *deadLetterView `json:"deadLetter,omitempty"`
}

// deadLetterView is what the status function tells of a dead letter: where
// it is and why, never its body.
type deadLetterView struct {
	MessageID string `json:"messageId"`
	Queue     string `json:"queue"`
	// Code is the broker's DeadLetterReason (e.g. MaxDeliveryCountExceeded),
	// Reason that with its description.
	Code           string    `json:"code,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	DeadLetteredAt time.Time `json:"deadLetteredAt,omitzero"`
	DeliveryCount  int       `json:"deliveryCount"`
}

// statusBody is the reply of the status function.
type statusBody struct {
	Request requestView         `json:"request"`
	Steps   []domain.StepRecord `json:"steps"`
}

// status answers GET status/{requestId}: the request and its steps, 404
// when the journal does not know the id. A request the journal still has
// as received, running or retrying, but of which the broker has
// dead-lettered a message, reads as StatusDeadLettered with the broker's
// reason and time (see deadLettered).
func (h *Handler) status(ctx context.Context, log *slog.Logger, req funchost.HTTPRequest) httpReply {
	if req.Method != "" && req.Method != http.MethodGet {
		return httpReply{status: http.StatusMethodNotAllowed, body: errorBody{Error: errorDetail{Code: string(domain.Invalid), Message: "use GET"}}}
	}
	id := routeParams(req, "status", "requestId")["requestId"]
	if id == "" {
		return invalid("a request id is required: status/{requestId}")
	}
	if !domain.ValidRequestID(id) {
		return invalid("%s is not a request id", quote(id))
	}
	log = log.With("requestId", id)
	rec, err := h.cfg.Status.Request(ctx, id)
	if err != nil {
		return replyError(ctx, log, err)
	}
	steps, err := h.cfg.Status.Steps(ctx, id)
	if err != nil {
		return replyError(ctx, log, err)
	}
	if steps == nil {
		steps = []domain.StepRecord{}
	}
	view := requestView{RequestRecord: rec}
	if d, ok := h.deadLettered(ctx, log, rec); ok {
		view.JournalStatus = rec.Status
		view.Status = StatusDeadLettered
		view.DeadLetter = &deadLetterView{
			MessageID: d.MessageID, Queue: d.Queue, Code: d.Code, Reason: d.Reason,
			DeadLetteredAt: d.DeadLetteredAt, DeliveryCount: d.DeliveryCount,
		}
	}
	return httpReply{status: http.StatusOK, body: statusBody{Request: view, Steps: steps}}
}

// deadLettered returns the latest broker dead letter of rec's request when
// the journal's status is not final (received, running, retrying): the
// broker dead-letters a message after MaxDeliveryCount failed deliveries
// without the journal hearing of it. Parked and finished requests are the
// journal's to tell, so the store is not asked. When the store cannot be
// read, the journal's view stands and a warning is logged.
func (h *Handler) deadLettered(ctx context.Context, log *slog.Logger, rec domain.RequestRecord) (DeadLetter, bool) {
	switch rec.Status {
	case domain.RequestReceived, domain.RequestRunning, domain.RequestRetrying:
	default:
		return DeadLetter{}, false
	}
	items, err := h.cfg.DeadLetters.List(ctx, Filter{RequestIDs: []string{rec.ID}, Source: SourceDeadLetter})
	if err != nil {
		log.WarnContext(ctx, "dead-letter lookup failed; answering with the journal's status", "error", err)
		return DeadLetter{}, false
	}
	items = slices.DeleteFunc(items, func(d DeadLetter) bool {
		return d.Source != SourceDeadLetter || d.RequestID != rec.ID
	})
	if len(items) == 0 {
		return DeadLetter{}, false
	}
	return slices.MaxFunc(items, func(a, b DeadLetter) int { return a.DeadLetteredAt.Compare(b.DeadLetteredAt) }), true
}
