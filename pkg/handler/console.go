package handler

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// serveConsole answers the console HTTP function (route console/{*path},
// anonymous to the host): the invocation's request is rebuilt as an
// *http.Request (the URL the host forwards, with the console's path under
// /api/console), served by Config.Console, and its status, headers and
// body go back in the http output binding. The console authenticates the
// request itself; Config.Console nil answers 404.
func (h *Handler) serveConsole(w http.ResponseWriter, r *http.Request, fn funcapp.Function) {
	ctx := r.Context()
	log := h.log.With("function", fn.Name)
	req, err := h.dec.DecodeHTTP(r, fn.Binding)
	if err != nil {
		writeMalformed(ctx, w, log, err)
		return
	}
	out, path := h.consoleOutput(ctx, log, req)
	log.InfoContext(ctx, "console answered", "method", req.Method, "path", path, "status", out.StatusCode)
	funchost.WriteResponse(w, http.StatusOK, funchost.Response{
		Outputs: map[string]any{fn.HTTPOutput: out},
		Logs:    []string{fmt.Sprintf("%s %s %s: %d", fn.Name, strings.ToUpper(req.Method), path, out.StatusCode)},
	})
}

// consoleOutput runs the console on req and returns its answer, and the
// path asked for (for the log: ids, never a query or a header).
func (h *Handler) consoleOutput(ctx context.Context, log *slog.Logger, req funchost.HTTPRequest) (funchost.HTTPOutput, string) {
	text := func(status int, msg string) funchost.HTTPOutput {
		return funchost.HTTPOutput{StatusCode: status, Headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, Body: msg + "\n"}
	}
	if h.cfg.Console == nil {
		return text(http.StatusNotFound, "the ops console is not served by this handler"), ""
	}
	hr, err := consoleRequest(ctx, req)
	if err != nil {
		return text(http.StatusBadRequest, err.Error()), ""
	}
	var rec recorder
	h.cfg.Console.ServeHTTP(&rec, hr)
	out := funchost.HTTPOutput{StatusCode: rec.status, Headers: map[string]string{}, Body: rec.body.String()}
	if out.StatusCode == 0 {
		out.StatusCode = http.StatusOK
	}
	for k, vs := range rec.Header() {
		if len(vs) == 0 {
			continue
		}
		if strings.EqualFold(k, "Set-Cookie") {
			// the output's headers hold one value per name, and cookies
			// cannot be joined; the console sets at most one
			if len(vs) > 1 {
				log.WarnContext(ctx, "console set more than one cookie; only the first is sent", "cookies", len(vs))
			}
			out.Headers[k] = vs[0]
			continue
		}
		out.Headers[k] = strings.Join(vs, ", ")
	}
	return out, hr.URL.Path
}

// consoleRequest rebuilds the browser's request from the invocation: the
// URL the host forwards (with its query; the host's Query map when the URL
// has none), the method, the headers and the body.
func consoleRequest(ctx context.Context, req funchost.HTTPRequest) (*http.Request, error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Path == "" {
		return nil, fmt.Errorf("the invocation's Url %s is not a URL", quote(req.URL))
	}
	if u.RawQuery == "" && len(req.Query) > 0 {
		q := url.Values{}
		for k, v := range req.Query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("the invocation's request cannot be rebuilt: %w", err)
	}
	for k, vs := range req.Headers {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if hr.Header.Get("Host") == "" {
		hr.Host = u.Host
	}
	return hr, nil
}

// recorder is the console's http.ResponseWriter: it keeps the answer for
// the http output binding.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
