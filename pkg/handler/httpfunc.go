package handler

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// httpReply is what an HTTP function answers its caller: a status and a
// value sent as JSON.
type httpReply struct {
	status int
	body   any
}

// errorBody is the JSON of an operator-facing error.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// replyError turns err into the caller's reply: the status from
// domain.OutcomeOf, the code and the user-facing message (an unclassified
// error says only "internal error"; its detail is logged).
func replyError(ctx context.Context, log *slog.Logger, err error) httpReply {
	code := domain.ErrorCode(err)
	if code == domain.Internal {
		log.ErrorContext(ctx, "operator request failed", "error", err)
	}
	return httpReply{
		status: domain.OutcomeOf(code).HTTPStatus,
		body:   errorBody{Error: errorDetail{Code: string(code), Message: domain.ErrorMessage(err)}},
	}
}

// invalid is a 400 reply with a message.
func invalid(format string, args ...any) httpReply {
	return httpReply{
		status: domain.OutcomeOf(domain.Invalid).HTTPStatus,
		body:   errorBody{Error: errorDetail{Code: string(domain.Invalid), Message: fmt.Sprintf(format, args...)}},
	}
}

// serveHTTPFunc decodes an HTTP trigger and puts fn's reply in the http
// output binding (Outputs[fn.HTTPOutput]) of a 200 invocation reply: the
// host passes that output on to the caller (REFERENCE §1; HOST
// HttpOutputBindingResponse). Only an envelope that cannot be decoded fails
// the invocation itself (400).
func (h *Handler) serveHTTPFunc(w http.ResponseWriter, r *http.Request, fn funcapp.Function, serve func(context.Context, *slog.Logger, funchost.HTTPRequest) httpReply) {
	ctx := r.Context()
	log := h.log.With("function", fn.Name)
	req, err := h.dec.DecodeHTTP(r, fn.Binding)
	if err != nil {
		writeMalformed(ctx, w, log, err)
		return
	}
	rep := serve(ctx, log, req)
	body, err := json.Marshal(rep.body)
	if err != nil {
		rep = replyError(ctx, log, fmt.Errorf("encode reply: %w", err))
		body, _ = json.Marshal(rep.body)
	}
	out := funchost.HTTPOutput{
		StatusCode: rep.status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}
	log.InfoContext(ctx, "http function answered", "method", req.Method, "status", rep.status)
	funchost.WriteResponse(w, http.StatusOK, funchost.Response{
		Outputs: map[string]any{fn.HTTPOutput: out},
		Logs:    []string{fmt.Sprintf("%s %s: %d", fn.Name, strings.ToUpper(req.Method), rep.status)},
	})
}

// routeParams returns the route parameters of req: the host's Params, else
// the path segments after "/<function>/" in its URL (a host that did not
// fill Params, or a route without templates).
func routeParams(req funchost.HTTPRequest, function string, names ...string) map[string]string {
	p := make(map[string]string, len(names))
	found := false
	for _, n := range names {
		for k, v := range req.Params {
			if strings.EqualFold(k, n) && v != "" {
				p[n] = v
				found = true
			}
		}
	}
	if found {
		return p
	}
	var path string
	if u, err := url.Parse(req.URL); err == nil {
		path = u.Path
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, s := range segs {
		if strings.EqualFold(s, function) {
			rest := segs[i+1:]
			for j, n := range names {
				if j < len(rest) && rest[j] != "" {
					p[n] = rest[j]
				}
			}
			break
		}
	}
	return p
}
