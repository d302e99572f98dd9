package tenantsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// serveAdmin serves the standalone emulator's JSON admin API. It is not
// part of Graph: no auth, no faults, no stats.
//
//	GET  /_sim/users            live users (Users)
//	GET  /_sim/deleted          soft-deleted users (DeletedUsers)
//	GET  /_sim/groups           groups (Groups)
//	GET  /_sim/skus             SKUs with consumedUnits (SKUs)
//	PUT  /_sim/seats            set seats by skuPartNumber, e.g.
//	                            {"MICROSOFT_REMOTE_ASSIST":6} → the SKUs
//	                            (SetSeats: all or none)
//	GET  /_sim/outbox           captured mail, oldest first (Outbox)
//	GET  /_sim/stats            request log (Stats)
//	DELETE /_sim/stats          clear the request log (ResetStats)
//	GET  /_sim/faults           current fault settings
//	PUT  /_sim/faults           replace them: a Faults JSON document, e.g.
//	                            {"seed":7,"routes":{"*":{"rate429":0.1,"retryAfter":[2.128],
//	                             "slowRate":0.05,"slowDelay":"300ms"}},
//	                             "replicationLag":"5s","writeQuota":3000,"writeWindow":"150s"}
//	                            durations are Go duration strings or milliseconds
//	POST /_sim/signin           {"userPrincipalName":"…","temporaryAccessPass":"…"}
//	                            → {"valid":true|false}: would a sign-in with
//	                            this pass succeed now (TAPValid)
//	POST /_sim/token            an access token for the emulated app, whose
//	                            roles claim lists the roles it holds (Token)
//	GET  /_sim/roles            the application permissions the app holds
//	PUT  /_sim/roles            replace them: ["User.Read.All", …]; null
//	                            restores every known role (SetRoles)
//	GET  /_sim/tap-policy       the Temporary Access Pass policy (TAPPolicy)
//	PUT  /_sim/tap-policy       replace it (SetTAPPolicy)
//	POST /_sim/reset?seed=demo|empty  load DemoSeed or EmptySeed for Config.Domain
//	                            (default demo) and clear the request log
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	type endpoint struct {
		method string
		serve  func(*http.Request) (int, any)
	}
	routes := map[string][]endpoint{
		"/_sim/users":   {{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.Users() }}},
		"/_sim/deleted": {{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.DeletedUsers() }}},
		"/_sim/groups":  {{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.Groups() }}},
		"/_sim/skus":    {{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.SKUs() }}},
		"/_sim/seats":   {{http.MethodPut, s.adminPutSeats}},
		"/_sim/outbox":  {{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.Outbox() }}},
		"/_sim/stats": {
			{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.Stats() }},
			{http.MethodDelete, func(*http.Request) (int, any) { s.ResetStats(); return http.StatusNoContent, nil }},
		},
		"/_sim/faults": {
			{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.Faults() }},
			{http.MethodPut, s.adminPutFaults},
		},
		"/_sim/reset": {{http.MethodPost, s.adminReset}},
		"/_sim/token": {{http.MethodPost, func(*http.Request) (int, any) { return http.StatusOK, s.issueToken() }}},
		"/_sim/roles": {
			{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.Roles() }},
			{http.MethodPut, s.adminPutRoles},
		},
		"/_sim/tap-policy": {
			{http.MethodGet, func(*http.Request) (int, any) { return http.StatusOK, s.TAPPolicy() }},
			{http.MethodPut, s.adminPutTAPPolicy},
		},
		"/_sim/signin": {{http.MethodPost, s.adminSignIn}},
	}
	eps, found := routes[r.URL.Path]
	if !found {
		writeAdmin(w, http.StatusNotFound, adminError("NotFound", "Unknown admin endpoint "+r.URL.Path+"."))
		return
	}
	for _, ep := range eps {
		if ep.method == r.Method {
			status, body := ep.serve(r)
			writeAdmin(w, status, body)
			return
		}
	}
	writeAdmin(w, http.StatusMethodNotAllowed, adminError("MethodNotAllowed", r.Method+" is not allowed on "+r.URL.Path+"."))
}

func (s *Server) adminPutFaults(r *http.Request) (int, any) {
	b, gerr := readBody(r, s.cfg.MaxBodyBytes)
	if gerr != nil {
		return gerr.status, adminError(gerr.code, gerr.message)
	}
	var f Faults
	if err := json.Unmarshal(b, &f); err != nil {
		return http.StatusBadRequest, adminError("BadRequest", fmt.Sprintf("Invalid faults document: %v", err))
	}
	if err := f.Validate(); err != nil {
		return http.StatusBadRequest, adminError("BadRequest", err.Error())
	}
	s.SetFaults(f)
	return http.StatusOK, s.Faults()
}

func (s *Server) adminPutSeats(r *http.Request) (int, any) {
	b, gerr := readBody(r, s.cfg.MaxBodyBytes)
	if gerr != nil {
		return gerr.status, adminError(gerr.code, gerr.message)
	}
	var seats map[string]int
	if err := json.Unmarshal(b, &seats); err != nil || len(seats) == 0 {
		return http.StatusBadRequest, adminError("BadRequest", fmt.Sprintf("Want {\"<skuPartNumber>\": seats, …}: %v", err))
	}
	if err := s.SetSeats(seats); err != nil {
		return http.StatusBadRequest, adminError("BadRequest", err.Error())
	}
	return http.StatusOK, s.SKUs()
}

// SignInCheck is the body of POST /_sim/signin.
type SignInCheck struct {
	UserPrincipalName   string `json:"userPrincipalName"`
	TemporaryAccessPass string `json:"temporaryAccessPass"`
}

func (s *Server) adminSignIn(r *http.Request) (int, any) {
	b, gerr := readBody(r, s.cfg.MaxBodyBytes)
	if gerr != nil {
		return gerr.status, adminError(gerr.code, gerr.message)
	}
	var c SignInCheck
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.UserPrincipalName == "" {
		return http.StatusBadRequest, adminError("BadRequest", fmt.Sprintf("Want {\"userPrincipalName\":…,\"temporaryAccessPass\":…}: %v", err))
	}
	return http.StatusOK, map[string]bool{"valid": s.TAPValid(c.UserPrincipalName, c.TemporaryAccessPass)}
}

func (s *Server) adminReset(r *http.Request) (int, any) {
	var seed Seed
	switch name := r.URL.Query().Get("seed"); name {
	case "", "demo":
		seed = DemoSeed(s.cfg.Domain)
	case "empty":
		seed = EmptySeed(s.cfg.Domain)
	default:
		return http.StatusBadRequest, adminError("BadRequest", fmt.Sprintf("Unknown seed %q: use demo or empty.", name))
	}
	if err := s.Load(seed); err != nil {
		return http.StatusInternalServerError, adminError("InternalError", err.Error())
	}
	s.ResetStats()
	return http.StatusOK, map[string]int{"users": len(seed.Users), "groups": len(seed.Groups), "skus": len(seed.SKUs)}
}

func adminError(code, msg string) any {
	return map[string]map[string]string{"error": {"code": code, "message": msg}}
}

func writeAdmin(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.MarshalIndent(body, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"InternalError","message":"could not render response"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = io.WriteString(w, "\n")
}

// decodeAdmin decodes an admin request body strictly into v.
func (s *Server) decodeAdmin(r *http.Request, v any) (int, any) {
	b, gerr := readBody(r, s.cfg.MaxBodyBytes)
	if gerr != nil {
		return gerr.status, adminError(gerr.code, gerr.message)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return http.StatusBadRequest, adminError("BadRequest", fmt.Sprintf("Invalid document: %v", err))
	}
	return 0, nil
}

func (s *Server) adminPutRoles(r *http.Request) (int, any) {
	var roles []string
	if status, body := s.decodeAdmin(r, &roles); status != 0 {
		return status, body
	}
	s.SetRoles(roles)
	return http.StatusOK, s.Roles()
}

func (s *Server) adminPutTAPPolicy(r *http.Request) (int, any) {
	var p TAPPolicy
	if status, body := s.decodeAdmin(r, &p); status != 0 {
		return status, body
	}
	if err := s.SetTAPPolicy(p); err != nil {
		return http.StatusBadRequest, adminError("BadRequest", err.Error())
	}
	return http.StatusOK, s.TAPPolicy()
}
