package devhost

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// routePrefix is host.json extensions.http.routePrefix.
const routePrefix = "/api/"

func (h *Host) httpFunctions() []funcapp.Function {
	var out []funcapp.Function
	for _, f := range h.cfg.Functions {
		if f.Trigger == funcapp.TriggerHTTP {
			out = append(out, f)
		}
	}
	return out
}

// ServeHTTP is the front door: /api/<route> is matched against the HTTP
// functions' routes and forwarded to the handler as the host does without
// enableForwardingHttpRequest (Data.req = {Url, Method, Query, Headers,
// Params, Identities, Body}, REFERENCE.md §1); the handler's http output
// (Outputs[<HTTPOutput>]) becomes the response. A failed invocation answers
// 500. Unlike Core Tools running locally, authLevel is enforced: a route
// that is not anonymous needs Config.AdminToken (authorized), else 401,
// and the token is not passed on; an anonymous route (the console) is
// forwarded with the caller's headers, for the function to authenticate,
// except the identity headers only App Service authentication may set
// (spoofable). The front door listens on loopback only. No route → 404; a route whose
// methods exclude the request's → 405 (our choice).
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == MetricsPath && h.cfg.Metrics != nil {
		h.serveMetrics(w, r)
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, routePrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	var methodMismatch bool
	for _, f := range h.httpFunctions() {
		params, ok := matchRoute(f.Route, path)
		if !ok {
			continue
		}
		if len(f.Methods) > 0 && !slices.ContainsFunc(f.Methods, func(m string) bool { return strings.EqualFold(m, r.Method) }) {
			methodMismatch = true
			continue
		}
		if !strings.EqualFold(f.AuthLevel, "anonymous") && !h.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vendorflow ops"`)
			http.Error(w, "this route needs the admin token that `vendorflow dev` printed (or VENDORFLOW_ADMIN_TOKEN): send it as the x-functions-key header", http.StatusUnauthorized)
			return
		}
		h.forward(w, r, f, params)
		return
	}
	if methodMismatch {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	http.NotFound(w, r)
}

// MetricsPath is where the front door serves Config.Metrics.
const MetricsPath = "/metrics"

// serveMetrics answers GET /metrics with Config.Metrics, for the admin
// token only: the metrics name the queues and the handlers' traffic.
func (h *Host) serveMetrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vendorflow ops"`)
		http.Error(w, "/metrics needs the admin token that `vendorflow dev` printed (or VENDORFLOW_ADMIN_TOKEN): send it as the x-functions-key header or as a bearer token (Prometheus: authorization.credentials)", http.StatusUnauthorized)
		return
	}
	h.cfg.Metrics.ServeHTTP(w, r)
}

// KeyHeader is the header that carries the admin token (the header of
// Azure Functions' function and host keys).
const KeyHeader = "x-functions-key"

// authorized reports whether r carries the admin token.
func (h *Host) authorized(r *http.Request) bool {
	want := h.cfg.AdminToken
	if want == "" {
		return false
	}
	got := r.Header.Get(KeyHeader)
	if got == "" {
		got, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (h *Host) forward(w http.ResponseWriter, r *http.Request, f funcapp.Function, params map[string]string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, funchost.DefaultMaxHTTPBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading request body failed", http.StatusBadRequest)
		return
	}
	query := map[string]string{}
	for k, v := range r.URL.Query() {
		query[k] = strings.Join(v, ",")
	}
	headers := map[string][]string{}
	anonymous := strings.EqualFold(f.AuthLevel, "anonymous")
	for k, v := range r.Header {
		if !anonymous && (strings.EqualFold(k, KeyHeader) || strings.EqualFold(k, "Authorization")) {
			// the token stops here: the handler neither needs nor logs
			// it. An anonymous function (the console) authenticates its
			// callers itself and gets their headers as the host passes them.
			continue
		}
		if spoofable(k) {
			continue
		}
		headers[k] = v
	}
	url := "http://" + r.Host + r.URL.RequestURI()
	inv := Invocation{Function: f.Name, InvocationID: newInvocationID()}
	began := h.cfg.Clock.Now()
	env, err := h.enc.HTTP(f.Name, f.Binding, funchost.HTTPRequest{
		URL: url, Method: r.Method, Query: query, Headers: headers, Params: params, Body: body,
	})
	var rep reply
	if err == nil {
		inv.Instance = h.next()
		rep, err = h.invoke(r.Context(), inv.Instance, f.Name, inv.InvocationID, env)
	}
	inv.Status, inv.Took = rep.status, h.cfg.Clock.Now().Sub(began)
	var out funchost.HTTPOutput
	if err == nil && !ok2xx(rep.status) {
		err = fmt.Errorf("devhost: %s returned HTTP %d", f.Name, rep.status)
	}
	if err == nil {
		out, err = httpOutput(rep.body, f.HTTPOutput)
	}
	if err != nil {
		inv.Outcome, inv.Err = OutcomeFailed, err
		h.cfg.Logger.WarnContext(r.Context(), "http invocation failed", "function", f.Name, "invocationId", inv.InvocationID, "err", err)
		h.observe(inv)
		http.Error(w, "function invocation failed (invocation "+inv.InvocationID+")", http.StatusInternalServerError)
		return
	}
	inv.Outcome = OutcomeOK
	h.observe(inv)
	for k, v := range out.Headers {
		w.Header().Set(k, v)
	}
	// Which instance answered (the real host has no such header; here it
	// lets a test see that any instance answers from the shared journal).
	w.Header().Set(InstanceHeader, strconv.Itoa(inv.Instance))
	w.WriteHeader(out.StatusCode)
	_, _ = io.WriteString(w, out.Body) // the client hung up
}

// spoofable reports whether a request header is one that App Service
// authentication sets for the app and never takes from a client (the
// X-MS-CLIENT-PRINCIPAL* identity headers and the X-MS-TOKEN-* provider
// tokens: learn.microsoft.com/azure/app-service/
// configure-authentication-user-identities, "External requests aren't
// allowed to set these headers"). The front door has no App Service
// authentication, so it drops them as App Service would, and a console
// in appservice mode cannot be handed a name a client made up.
func spoofable(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "x-ms-client-principal") || strings.HasPrefix(n, "x-ms-token-")
}

// InstanceHeader names the instance (index of Config.Handlers) that
// answered a front-door request.
const InstanceHeader = "X-Vendorflow-Dev-Instance"

// httpOutput reads the http output binding named name from a handler reply.
func httpOutput(body []byte, name string) (funchost.HTTPOutput, error) {
	resp, err := funchost.DecodeResponse(body)
	if err != nil {
		return funchost.HTTPOutput{}, err
	}
	for k, v := range resp.Outputs {
		if strings.EqualFold(k, name) {
			return funchost.ParseHTTPOutput(v)
		}
	}
	return funchost.HTTPOutput{}, fmt.Errorf("%w: no http output %q", funchost.ErrMalformedResponse, name)
}

// matchRoute matches path (without /api/) against a function.json route
// template: literal segments compare case-insensitively, {name} takes one
// segment, {name?} is optional (trailing only), a ":constraint" suffix in
// a parameter is ignored, and a last {*name} (or {**name}) is a catch-all:
// it takes the rest of the path, slashes included, or nothing, as ASP.NET
// Core's routing, which the Functions host uses, does.
func matchRoute(route, path string) (map[string]string, bool) {
	tmpl := strings.Split(strings.Trim(route, "/"), "/")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		segs = nil
	}
	params := map[string]string{}
	for i, t := range tmpl {
		if name, ok := strings.CutPrefix(t, "{"); ok && strings.HasSuffix(name, "}") {
			name = strings.TrimSuffix(name, "}")
			if rest, ok := strings.CutPrefix(name, "*"); ok && i == len(tmpl)-1 {
				rest = strings.TrimPrefix(rest, "*")
				rest, _, _ = strings.Cut(strings.TrimSuffix(rest, "?"), ":")
				if i < len(segs) {
					params[rest] = strings.Join(segs[i:], "/")
				}
				return params, true
			}
			optional := strings.HasSuffix(name, "?")
			name = strings.TrimSuffix(name, "?")
			name, _, _ = strings.Cut(name, ":")
			if i >= len(segs) {
				if !optional {
					return nil, false
				}
				continue
			}
			params[name] = segs[i]
			continue
		}
		if i >= len(segs) || !strings.EqualFold(t, segs[i]) {
			return nil, false
		}
	}
	if len(segs) > len(tmpl) {
		return nil, false
	}
	return params, true
}
