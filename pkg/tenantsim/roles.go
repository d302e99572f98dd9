package tenantsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Application permissions (app roles of Microsoft Graph) the emulator
// knows. A route is allowed when the app holds any of the permissions its
// Graph API page lists for the application permission type, least or
// higher privileged (learn.microsoft.com/graph/api/<page>, "Permissions").
var (
	readUsers   = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	writeUsers  = []string{"User.ReadWrite.All", "Directory.ReadWrite.All"}
	readGroups  = []string{"GroupMember.Read.All", "Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	writeMember = []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
	writeGroups = []string{"Group.ReadWrite.All", "Directory.ReadWrite.All"}
	readSKUs    = []string{"LicenseAssignment.Read.All", "Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All", "Directory.ReadWrite.All"}
	assignLic   = []string{"LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}
	readTAPs    = []string{"UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"}
	writeTAPs   = []string{"UserAuthenticationMethod.ReadWrite.All"}
	revoke      = []string{"User.RevokeSessions.All"}
	sendMail    = []string{"Mail.Send"}
	readPolicy  = []string{"Policy.Read.AuthenticationMethod", "Policy.ReadWrite.AuthenticationMethod"}
	// writeLifecycle is needed in addition to writeUsers to write
	// employeeLeaveDateTime ("Create User", "Update user": REFERENCE §4).
	writeLifecycle = []string{"User-LifeCycleInfo.ReadWrite.All"}
)

// lifecycleWrite reports whether a request of the route writes
// employeeLeaveDateTime.
func lifecycleWrite(key string, body []byte) bool {
	return (key == "POST /users" || key == "PATCH /users/{id}") && bytes.Contains(body, []byte(`"employeeLeaveDateTime"`))
}

// routeRoles are the permissions any one of which allows a route (by the
// route's key); routes not listed need none.
func routeRoles(key string) []string {
	method, path, _ := strings.Cut(key, " ")
	switch {
	case strings.HasPrefix(path, "/policies/"):
		return readPolicy
	case path == "/subscribedSkus":
		return readSKUs
	case strings.HasSuffix(path, "/assignLicense"):
		return assignLic
	case strings.HasSuffix(path, "/revokeSignInSessions"):
		return revoke
	case strings.HasSuffix(path, "/sendMail"):
		return sendMail
	case strings.Contains(path, "/temporaryAccessPassMethods"):
		if method == http.MethodGet {
			return readTAPs
		}
		return writeTAPs
	case path == "/groups/{id}/members/{memberId}" && method == http.MethodDelete:
		return writeUsers // deletes the user object itself ("Remove member", Caution)
	case strings.HasPrefix(path, "/groups/{id}/members/$ref") || strings.HasPrefix(path, "/groups/{id}/members/{memberId}/$ref"):
		return writeMember
	case strings.HasPrefix(path, "/groups"):
		if method == http.MethodGet {
			return readGroups
		}
		return writeGroups
	case strings.HasPrefix(path, "/users") || strings.HasPrefix(path, "/directory/"):
		if method == http.MethodGet {
			return readUsers
		}
		return writeUsers
	}
	return nil
}

// KnownRoles lists every application permission some route accepts,
// sorted: the role set of an app that holds them all.
func KnownRoles() []string { return slices.Clone(knownRoles()) }

var knownRoles = sync.OnceValue(func() []string {
	var all []string
	for _, r := range routeTable() {
		all = append(all, routeRoles(r.key)...)
	}
	all = append(all, writeLifecycle...)
	slices.Sort(all)
	return slices.Compact(all)
})

// SetRoles replaces the application permissions the emulated app holds:
// its tokens carry them in the roles claim and a route that none of them
// allows answers 403 as Graph does. Nil restores the default, every role
// the emulator knows (KnownRoles).
func (s *Server) SetRoles(roles []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles = slices.Clone(roles)
}

// Roles returns the application permissions the emulated app holds.
func (s *Server) Roles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heldRoles()
}

func (s *Server) heldRoles() []string {
	if s.roles == nil {
		return KnownRoles()
	}
	return slices.Clone(s.roles)
}

// authorize answers 403 when the app holds none of the permissions that
// allow the route, with Graph's codes: Authorization_RequestDenied for
// directory routes, ErrorAccessDenied for Exchange's sendMail. The
// caller holds s.mu. A write of employeeLeaveDateTime also needs
// User-LifeCycleInfo.ReadWrite.All.
func (s *Server) authorize(key string, body []byte) *graphError {
	need := routeRoles(key)
	if len(need) == 0 || s.roles == nil {
		return nil // an app holding every known role may call every route
	}
	held := s.roles
	holds := func(any []string) bool {
		return slices.ContainsFunc(any, func(r string) bool { return slices.Contains(held, r) })
	}
	if holds(need) && (!lifecycleWrite(key, body) || holds(writeLifecycle)) {
		return nil
	}
	if slices.Equal(need, sendMail) {
		return newError(http.StatusForbidden, CodeErrorAccessDenied, MsgAccessDenied)
	}
	return newError(http.StatusForbidden, CodeAuthorizationRequestDenied, MsgInsufficientPrivileges)
}

// Token is the answer of the emulator's token endpoint (POST /_sim/token),
// in the shape of the Microsoft identity platform's client-credentials
// answer (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
type Token struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	AccessToken string `json:"access_token"`
}

// tokenLifetime is how long an emulator token is valid.
const tokenLifetime = time.Hour

// issueToken mints an access token for the emulated app: a JWT whose
// payload carries aud, tid, iat, exp and the roles claim, as an app-only
// Graph token does. It is unsigned (alg none): clients must not validate a
// token meant for Graph, and the emulator authorizes by the roles it holds.
func (s *Server) issueToken() Token {
	s.mu.Lock()
	roles := s.heldRoles()
	s.mu.Unlock()
	now := s.cfg.Clock.Now()
	header, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	payload, _ := json.Marshal(map[string]any{
		"aud": "https://graph.microsoft.com", "tid": s.cfg.TenantID, "appid": "tenantsim-app",
		"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix(), "roles": roles,
	})
	enc := base64.RawURLEncoding.EncodeToString
	return Token{TokenType: "Bearer", ExpiresIn: int(tokenLifetime / time.Second), AccessToken: enc(header) + "." + enc(payload) + "."}
}
