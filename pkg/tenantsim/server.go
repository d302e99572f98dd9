package tenantsim

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
)

// Server is the emulated tenant. It is safe for concurrent use: one mutex
// serialises every request's effect on the tenant.
type Server struct {
	cfg Config
	log *slog.Logger

	userSchema  *entitySchema
	groupSchema *entitySchema
	routes      []route

	mu     sync.Mutex
	st     *state
	faults *faultEngine
	stats  Stats
	// roles are the application permissions the app holds (roles.go);
	// nil means KnownRoles.
	roles []string
}

// New returns a server with an empty tenant (EmptySeed); Load a seed to
// populate it.
func New(cfg Config) (*Server, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		userSchema:  userSchema(),
		groupSchema: groupSchema(),
		routes:      routeTable(),
		st:          newState(),
		faults:      newFaultEngine(cfg.Faults),
		stats:       newStats(),
		roles:       slices.Clone(cfg.Roles),
	}
	if err := s.Load(EmptySeed(cfg.Domain)); err != nil {
		return nil, err
	}
	return s, nil
}

// Load replaces the tenant (users, groups, SKUs; TAPs and the outbox are
// emptied, object ids restart their deterministic sequence, the write-quota
// log is cleared). Stats are kept; see ResetStats. Every UPN must be on
// Config.Domain.
func (s *Server) Load(seed Seed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.st.load(seed, s.cfg.Domain, s.cfg.Clock.Now()); err != nil {
		return err
	}
	s.faults.writes = map[string][]time.Time{}
	return nil
}

// SetFaults replaces the fault settings at run time and reseeds the fault
// PCG with f.Seed. Probabilities are clamped into 0..1; a negative duration
// counts as zero. Use Faults.Validate to reject bad settings instead.
func (s *Server) SetFaults(f Faults) {
	f = f.clone()
	for k, rf := range f.Routes {
		rf.Rate429, rf.Rate503, rf.Rate504, rf.SlowRate = clamp01(rf.Rate429), clamp01(rf.Rate503), clamp01(rf.Rate504), clamp01(rf.SlowRate)
		rf.RateLag, rf.RateReset = clamp01(rf.RateLag), clamp01(rf.RateReset)
		rf.SlowDelay = max(rf.SlowDelay, 0)
		f.Routes[k] = rf
	}
	f.ReplicationLag = max(f.ReplicationLag, 0)
	f.WriteQuota = max(f.WriteQuota, 0)
	if f.WriteQuota > 0 && f.WriteWindow <= 0 {
		f.WriteQuota = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.set(f)
}

// Faults returns a copy of the current fault settings.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.f.clone()
}

func clamp01(p float64) float64 {
	if p != p || p < 0 {
		return 0
	}
	return min(p, 1)
}

// ServeHTTP serves Graph under /v1.0 and the admin API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/v1.0" || strings.HasPrefix(p, "/v1.0/"):
		s.serveGraph(w, r, false)
	case strings.HasPrefix(p, "/_sim/"):
		s.serveAdmin(w, r)
	default:
		seg, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
		ri := s.newRequestInfo(r)
		failed(badRequest("Invalid version: "+seg)).writeTo(w, ri)
	}
}

func (s *Server) newRequestInfo(r *http.Request) requestInfo {
	ri := requestInfo{now: s.cfg.Clock.Now(), requestID: randomID(), clientRequestID: r.Header.Get("client-request-id")}
	if ri.clientRequestID == "" {
		ri.clientRequestID = ri.requestID
	}
	return ri
}

// call is one routed Graph request as its handler sees it. Handlers run
// with Server.mu held (except $batch) and must not block.
type call struct {
	s      *Server
	st     *state
	r      *http.Request
	params map[string]string
	body   []byte
	query  url.Values
	now    time.Time
	base   string // absolute URL of /v1.0
}

func (c *call) param(name string) string { return c.params[name] }

// hidden reports whether a change made at t is still invisible (replication lag).
func (c *call) hidden(t time.Time) bool { return c.s.faults.hidden(t, c.now) }

// serveGraph runs one Graph request (top-level or inner $batch) through
// auth, routing, body decoding, fault injection, the handler and the slow
// delay, and records it in Stats.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request, inner bool) {
	start := time.Now()
	ri := s.newRequestInfo(r)
	rp, key, dec := s.process(r, inner, ri)
	status, header, body := rp.render(ri)

	s.mu.Lock()
	s.stats.record(key, status)
	if dec.fault != "" {
		s.stats.Faults[dec.fault]++
	}
	if rp.err != nil && rp.err.fault != "" && rp.err.fault != dec.fault {
		s.stats.Faults[rp.err.fault]++
	}
	if dec.slow > 0 {
		s.stats.Faults[FaultSlow]++
	}
	s.mu.Unlock()

	if dec.fault == FaultReset {
		s.log.Debug("tenantsim: connection reset", "route", key, "request_id", ri.requestID)
		resetConn(w)
		return
	}
	// The slow delay is real time (Faults.SlowDelay): it stands for network
	// latency, which the client measures on its own wall clock.
	if dec.slow > 0 && (clock.Real{}).Sleep(r.Context(), dec.slow) != nil {
		s.log.Debug("tenantsim: client gave up during slow response", "route", key, "request_id", ri.requestID)
		return
	}
	writeRendered(w, status, header, body)
	s.log.Debug("tenantsim: graph request", "method", r.Method, "route", key, "status", status,
		"fault", string(dec.fault), "inner", inner, "request_id", ri.requestID, "duration", time.Since(start))
}

// resetConn drops the connection of w without a response, with SO_LINGER
// 0 so that the client sees a reset (ECONNRESET) rather than an orderly
// close.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a test recorder: abort the stream instead
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (s *Server) process(r *http.Request, inner bool, ri requestInfo) (reply, string, decision) {
	if !inner && s.cfg.RequireAuth && bearerToken(r) == "" {
		e := newError(http.StatusUnauthorized, CodeInvalidAuthenticationToken, MsgTokenEmpty)
		e.header = http.Header{"Www-Authenticate": {`Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`}}
		return failed(e), "", decision{}
	}
	rt, params, gerr := s.match(r.Method, strings.TrimPrefix(r.URL.Path, "/v1.0"))
	if gerr != nil {
		return failed(gerr), "", decision{}
	}
	body, gerr := readBody(r, s.cfg.MaxBodyBytes)
	if gerr != nil {
		return failed(gerr), rt.key, decision{}
	}
	c := &call{s: s, st: s.st, r: r, params: params, body: body, query: r.URL.Query(), now: ri.now, base: baseURL(r)}
	write := isWrite(r.Method) && !rt.batch

	s.mu.Lock()
	if !rt.batch {
		if gerr := s.authorize(rt.key, body); gerr != nil {
			s.mu.Unlock()
			return failed(gerr), rt.key, decision{}
		}
	}
	dec := s.faults.decide(rt.key, write, params["id"] != "", inner, appKey(r), ri.now)
	if dec.fault != "" {
		s.mu.Unlock()
		return failed(faultError(dec)), rt.key, dec
	}
	if write {
		s.stats.Writes++
	}
	var rp reply
	if rt.batch {
		s.mu.Unlock()
		rp = s.serveBatch(c)
	} else {
		rp = rt.handler(c)
		s.mu.Unlock()
	}
	if dec.quotaUse > 0.8 {
		if rp.header == nil {
			rp.header = http.Header{}
		}
		rp.header.Set(throttlePercentHeader, formatQuotaUse(dec.quotaUse))
	}
	return rp, rt.key, dec
}

// route is one Graph route: a method and a path template whose {name}
// segments match any non-empty segment.
type route struct {
	method  string
	segs    []string
	key     string // "POST /users/{id}/assignLicense"
	handler func(*call) reply
	batch   bool
}

func newRoute(method, template string, h func(*call) reply) route {
	return route{method: method, segs: splitPath(template), key: method + " " + template, handler: h}
}

// routeTable lists every route. Literal segments must come before a
// parameter that could swallow them (graph.user before {id}).
func routeTable() []route {
	rs := []route{
		newRoute(http.MethodGet, "/users", handleListUsers),
		newRoute(http.MethodPost, "/users", handleCreateUser),
		newRoute(http.MethodGet, "/users/$count", handleCountUsers),
		newRoute(http.MethodGet, "/users/{id}", handleGetUser),
		newRoute(http.MethodPatch, "/users/{id}", handlePatchUser),
		newRoute(http.MethodDelete, "/users/{id}", handleDeleteUser),
		newRoute(http.MethodPost, "/users/{id}/assignLicense", handleAssignLicense),
		newRoute(http.MethodPost, "/users/{id}/revokeSignInSessions", handleRevokeSessions),
		newRoute(http.MethodGet, "/users/{id}/memberOf", membershipList(false, false)),
		newRoute(http.MethodGet, "/users/{id}/memberOf/$count", handleMembershipCount),
		newRoute(http.MethodGet, "/users/{id}/memberOf/microsoft.graph.group", membershipList(false, true)),
		newRoute(http.MethodGet, "/users/{id}/memberOf/microsoft.graph.group/$count", handleMembershipCount),
		newRoute(http.MethodGet, "/users/{id}/transitiveMemberOf", membershipList(true, false)),
		newRoute(http.MethodGet, "/users/{id}/transitiveMemberOf/$count", handleMembershipCount),
		newRoute(http.MethodGet, "/users/{id}/transitiveMemberOf/microsoft.graph.group", membershipList(true, true)),
		newRoute(http.MethodGet, "/users/{id}/transitiveMemberOf/microsoft.graph.group/$count", handleMembershipCount),
		newRoute(http.MethodPost, "/users/{id}/sendMail", handleSendMail),
		newRoute(http.MethodGet, "/users/{id}/authentication/temporaryAccessPassMethods", handleListTAPs),
		newRoute(http.MethodPost, "/users/{id}/authentication/temporaryAccessPassMethods", handleCreateTAP),
		newRoute(http.MethodGet, "/users/{id}/authentication/temporaryAccessPassMethods/{methodId}", handleGetTAP),
		newRoute(http.MethodDelete, "/users/{id}/authentication/temporaryAccessPassMethods/{methodId}", handleDeleteTAP),
		newRoute(http.MethodGet, "/subscribedSkus", handleListSKUs),
		newRoute(http.MethodGet, "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}", handleGetTAPPolicy),
		newRoute(http.MethodGet, "/groups", handleListGroups),
		newRoute(http.MethodGet, "/groups/$count", handleCountGroups),
		newRoute(http.MethodGet, "/groups/{id}", handleGetGroup),
		newRoute(http.MethodPatch, "/groups/{id}", handlePatchGroup),
		newRoute(http.MethodGet, "/groups/{id}/members", memberList(false)),
		newRoute(http.MethodGet, "/groups/{id}/members/$count", handleMemberCount),
		newRoute(http.MethodGet, "/groups/{id}/members/microsoft.graph.user", memberList(true)),
		newRoute(http.MethodGet, "/groups/{id}/members/microsoft.graph.user/$count", handleMemberCount),
		newRoute(http.MethodPost, "/groups/{id}/members/$ref", handleAddMember),
		newRoute(http.MethodDelete, "/groups/{id}/members/$ref", handleRemoveMemberByQuery),
		newRoute(http.MethodDelete, "/groups/{id}/members/{memberId}/$ref", handleRemoveMember),
		newRoute(http.MethodDelete, "/groups/{id}/members/{memberId}", handleDeleteMemberObject),
		newRoute(http.MethodGet, "/directory/deletedItems/microsoft.graph.user", handleListDeleted),
		newRoute(http.MethodGet, "/directory/deletedItems/graph.user", handleListDeleted),
		newRoute(http.MethodGet, "/directory/deletedItems/microsoft.graph.group", handleListDeletedGroups),
		newRoute(http.MethodGet, "/directory/deletedItems/graph.group", handleListDeletedGroups),
		newRoute(http.MethodGet, "/directory/deletedItems/{id}", handleGetDeleted),
		newRoute(http.MethodGet, "/directory/deletedItems/{id}/graph.user", handleGetDeleted),
		newRoute(http.MethodGet, "/directory/deletedItems/{id}/microsoft.graph.user", handleGetDeleted),
		newRoute(http.MethodPost, "/directory/deletedItems/{id}/restore", handleRestoreDeleted),
		newRoute(http.MethodDelete, "/directory/deletedItems/{id}", handlePurgeDeleted),
	}
	b := newRoute(http.MethodPost, "/$batch", nil)
	b.batch = true
	return append(rs, b)
}

// RouteTemplates lists the route templates the emulator serves, as used by
// Faults.Routes and Stats.Routes keys ("POST /users/{id}/assignLicense").
func RouteTemplates() []string {
	rs := routeTable()
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.key
	}
	return out
}

func splitPath(p string) []string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// matchLen counts the leading segments of path that template matches.
func matchLen(template, path []string) int {
	n := 0
	for n < len(template) && n < len(path) {
		t := template[n]
		if !(strings.HasPrefix(t, "{") || strings.EqualFold(t, path[n])) {
			break
		}
		n++
	}
	return n
}

// match finds the route of method and path (relative to /v1.0). An unknown
// path answers 400 "Resource not found for the segment" like Graph's OData
// layer (microsoftgraph/microsoft-graph-docs#21648); a known path with
// another verb answers 405.
func (s *Server) match(method, path string) (*route, map[string]string, *graphError) {
	segs := splitPath(path)
	if len(segs) == 0 {
		return nil, nil, badRequest("Invalid request.")
	}
	best := 0
	var allow []string
	for i := range s.routes {
		rt := &s.routes[i]
		n := matchLen(rt.segs, segs)
		best = max(best, n)
		if n != len(segs) || n != len(rt.segs) {
			continue
		}
		if rt.method != method {
			if !slices.Contains(allow, rt.method) {
				allow = append(allow, rt.method)
			}
			continue
		}
		params := map[string]string{}
		for j, t := range rt.segs {
			if strings.HasPrefix(t, "{") {
				params[strings.Trim(t, "{}")] = segs[j]
			}
		}
		return rt, params, nil
	}
	if len(allow) > 0 {
		e := newError(http.StatusMethodNotAllowed, CodeRequestBadRequest, MsgMethodNotAllowed)
		e.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
		return nil, nil, e
	}
	if best >= len(segs) {
		best = len(segs) - 1
	}
	return nil, nil, badRequest(MsgUnknownSegment(segs[best]))
}
