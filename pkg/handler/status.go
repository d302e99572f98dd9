package handler

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// requestView is a journal record without its payload: the status endpoint
// is for tracking, and a function key may be handed to procurement
// (functions/README.md). The outer Payload field shadows the embedded one
// in JSON and is always nil, so it is omitted.
type requestView struct {
	domain.RequestRecord
	Payload []byte `json:"payload,omitempty"`
}

// statusBody is the reply of the status function.
type statusBody struct {
	Request requestView         `json:"request"`
	Steps   []domain.StepRecord `json:"steps"`
}

// status answers GET status/{requestId}: the request and its steps, 404
// when the journal does not know the id.
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
	return httpReply{status: http.StatusOK, body: statusBody{Request: requestView{RequestRecord: rec}, Steps: steps}}
}
