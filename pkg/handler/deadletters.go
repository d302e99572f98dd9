package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// Dead-letter actions: the {action} of the route deadletters/{action?}/{id?}.
const (
	ActionList   = "list"
	ActionShow   = "show"
	ActionReplay = "replay"
	ActionPurge  = "purge"
)

// actionBody is the JSON body of replay and purge: a filter, "all" to mean
// every dead letter on purpose, and "confirm" (purge only).
type actionBody struct {
	Filter
	All     bool `json:"all,omitempty"`
	Confirm bool `json:"confirm,omitempty"`
}

// listBody is the reply of list and show.
type listBody struct {
	Count int          `json:"count"`
	Items []DeadLetter `json:"items"`
}

// deadLetters serves the operator function (route deadletters/{action?}/{id?},
// authLevel admin):
//
//	GET    deadletters[/list]?source=&reason=&since=&messageId=&requestId=
//	GET    deadletters/show/{messageId}
//	POST   deadletters/replay[/{messageId}]   body {"messageIds":[..],"requestIds":[..],"reason":"","source":"","since":"","all":true}
//	DELETE deadletters[/purge][/{messageId}]  body {"confirm":true, ...filter}
//
// Lists leave bodies out; show includes them. Replay without an id needs a
// filter or "all": true; purge always needs "confirm": true.
func (h *Handler) deadLetters(ctx context.Context, log *slog.Logger, req funchost.HTTPRequest) httpReply {
	p := routeParams(req, "deadletters", "action", "id")
	action, id := strings.ToLower(p["action"]), p["id"]
	method := strings.ToUpper(req.Method)
	log = log.With("action", action)
	switch {
	case (action == "" || action == ActionList) && method == http.MethodGet:
		f, err := queryFilter(req.Query)
		if err != nil {
			return invalid("%v", err)
		}
		return h.listDeadLetters(ctx, log, f, false)
	case action == ActionShow && method == http.MethodGet:
		if id == "" {
			return invalid("show needs a message id: deadletters/show/{id}")
		}
		return h.listDeadLetters(ctx, log.With("messageId", id), Filter{MessageIDs: []string{id}}, true)
	case action == ActionReplay && method == http.MethodPost:
		b, err := readActionBody(req.Body, id)
		if err != nil {
			return invalid("%v", err)
		}
		if b.Filter.IsZero() && !b.All {
			return invalid(`replay needs a message id, a filter or {"all": true}`)
		}
		n, err := h.cfg.DeadLetters.Replay(ctx, b.Filter)
		if err != nil {
			return replyError(ctx, log, err)
		}
		log.InfoContext(ctx, "dead letters replayed", "count", n)
		return httpReply{status: http.StatusOK, body: map[string]int{"replayed": n}}
	case (action == "" || action == ActionPurge) && method == http.MethodDelete:
		b, err := readActionBody(req.Body, id)
		if err != nil {
			return invalid("%v", err)
		}
		if !b.Confirm {
			return invalid(`purge deletes messages for good: send {"confirm": true}`)
		}
		n, err := h.cfg.DeadLetters.Purge(ctx, b.Filter)
		if err != nil {
			return replyError(ctx, log, err)
		}
		log.InfoContext(ctx, "dead letters purged", "count", n)
		return httpReply{status: http.StatusOK, body: map[string]int{"purged": n}}
	case action == "" || action == ActionList || action == ActionShow || action == ActionReplay || action == ActionPurge:
		return httpReply{status: http.StatusMethodNotAllowed, body: errorBody{Error: errorDetail{
			Code: string(domain.Invalid), Message: fmt.Sprintf("%s is not allowed here; see GET list, GET show/{id}, POST replay, DELETE purge", method)}}}
	default:
		return httpReply{status: http.StatusNotFound, body: errorBody{Error: errorDetail{
			Code: string(domain.NotFound), Message: fmt.Sprintf("no action %s; use list, show, replay or purge", quote(action))}}}
	}
}

func (h *Handler) listDeadLetters(ctx context.Context, log *slog.Logger, f Filter, withBodies bool) httpReply {
	items, err := h.cfg.DeadLetters.List(ctx, f)
	if err != nil {
		return replyError(ctx, log, err)
	}
	if withBodies && len(items) == 0 {
		return replyError(ctx, log, domain.Errorf(domain.NotFound, "no dead letter with message id %s", quote(f.MessageIDs[0])))
	}
	out := make([]DeadLetter, len(items))
	for i, d := range items {
		if !withBodies {
			d.Body = nil
		}
		out[i] = d
	}
	return httpReply{status: http.StatusOK, body: listBody{Count: len(out), Items: out}}
}

// readActionBody decodes a replay or purge body (empty is the zero body);
// an id from the route narrows the filter to that message. Unknown fields
// are refused: a misspelt filter field must not widen a purge to everything.
func readActionBody(body []byte, id string) (actionBody, error) {
	var b actionBody
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return actionBody{}, fmt.Errorf("body is not a dead-letter filter: %w", err)
		}
	}
	if id != "" {
		b.MessageIDs = append(b.MessageIDs, id)
	}
	if err := checkSource(b.Source); err != nil {
		return actionBody{}, err
	}
	return b, nil
}

// queryFilter reads a list filter from the query string; the host joins
// repeated names with ",".
func queryFilter(q map[string]string) (Filter, error) {
	var f Filter
	for k, v := range q {
		switch strings.ToLower(k) {
		case "messageid", "messageids":
			f.MessageIDs = splitList(v)
		case "requestid", "requestids":
			f.RequestIDs = splitList(v)
		case "reason":
			f.Reason = v
		case "source":
			f.Source = v
		case "since":
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return Filter{}, fmt.Errorf("since must be an RFC 3339 time")
			}
			f.Since = t
		case "code": // the Functions key (authLevel) travels in the query
		default:
			return Filter{}, fmt.Errorf("unknown filter %s; use messageId, requestId, reason, source, since", quote(k))
		}
	}
	return f, checkSource(f.Source)
}

func checkSource(s string) error {
	switch s {
	case "", SourceParked, SourceDeadLetter:
		return nil
	}
	return fmt.Errorf("source must be %q or %q", SourceParked, SourceDeadLetter)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
