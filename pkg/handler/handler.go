package handler

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/funchost"
	"github.com/vendorflow/vendorflow/pkg/logctx"
)

// Handler serves the Functions host. It is safe for concurrent use.
type Handler struct {
	cfg Config
	dec *funchost.Decoder
	log *slog.Logger
}

// New applies defaults to cfg, validates it and returns a Handler.
func New(cfg Config) (*Handler, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dec, err := funchost.NewDecoder(cfg.Decoder)
	if err != nil {
		return nil, fmt.Errorf("handler: %w", err)
	}
	return &Handler{cfg: cfg, dec: dec, log: cfg.Logger}, nil
}

// ServeHTTP routes the host's requests:
//
//   - GET / answers 200: the host polls it until the handler is ready
//     (REFERENCE §1 "host.json, function.json, settings");
//   - POST /onboard and /offboard (Service Bus, binding "message");
//   - POST /expiry-sweep (timer, binding "timer");
//   - POST /deadletters and /status (HTTP, binding "req", reply in
//     Outputs["res"]);
//   - POST /console (HTTP, binding "req"): the ops console's pages, the
//     reply in Outputs["res"] as Config.Console answered.
//
// Every reply is funchost.WriteResponse JSON, errors included. A panic below
// is recovered into a 500, so that the host abandons the message instead of
// losing the connection.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id := r.Header.Get(funchost.HeaderInvocationID); id != "" {
		// every line logged while handling the invocation names it
		r = r.WithContext(logctx.With(r.Context(), slog.String(logctx.KeyInvocationID, id)))
	}
	defer func() {
		if v := recover(); v != nil {
			h.log.ErrorContext(r.Context(), "handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			funchost.WriteResponse(w, http.StatusInternalServerError, funchost.Response{Logs: []string{"internal error"}})
		}
	}()
	name := strings.Trim(r.URL.Path, "/")
	if name == "" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.methodNotAllowed(w, "GET")
			return
		}
		funchost.WriteResponse(w, http.StatusOK, funchost.Response{})
		return
	}
	fn, ok := funcapp.Lookup(name)
	if !ok {
		funchost.WriteResponse(w, http.StatusNotFound, funchost.Response{Logs: []string{"no function " + quote(name)}})
		return
	}
	if r.Method != http.MethodPost {
		h.methodNotAllowed(w, "POST")
		return
	}
	switch fn.Name {
	case funcapp.Onboard, funcapp.Offboard:
		h.serveServiceBus(w, r, fn)
	case funcapp.ExpirySweep:
		h.serveSweep(w, r, fn)
	case funcapp.Reconcile:
		h.serveReconcile(w, r, fn)
	case funcapp.DeadLetters:
		h.serveHTTPFunc(w, r, fn, h.deadLetters)
	case funcapp.Status:
		h.serveHTTPFunc(w, r, fn, h.status)
	case funcapp.Console:
		h.serveConsole(w, r, fn)
	default:
		funchost.WriteResponse(w, http.StatusNotFound, funchost.Response{Logs: []string{"function " + fn.Name + " is not served"}})
	}
}

func (h *Handler) methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	funchost.WriteResponse(w, http.StatusMethodNotAllowed, funchost.Response{Logs: []string{"method not allowed; use " + allow}})
}

// quote bounds and quotes a name taken from a request path for a reply.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)
}
