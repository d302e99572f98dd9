package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/secret"
)

// CookieName is the console's session cookie.
const CookieName = "vendorflow_console"

// Headers the console reads.
const (
	// KeyHeader carries the admin token from scripts (the header of Azure
	// Functions' keys); so does "Authorization: Bearer TOKEN".
	KeyHeader = "x-functions-key"
	// PrincipalNameHeader and PrincipalIDHeader are set by App Service
	// authentication on every request it lets through; App Service does
	// not let external requests set them (docs/console.md).
	PrincipalNameHeader = "X-MS-CLIENT-PRINCIPAL-NAME"
	PrincipalIDHeader   = "X-MS-CLIENT-PRINCIPAL-ID"
)

// csrfField is the form field that carries the CSRF token.
const csrfField = "csrf"

// keys are derived from the admin token, so that every instance verifies
// a session another one issued without shared state, and a new token ends
// every session (and invalidates every CSRF token) at once.
type keys struct {
	session, csrf []byte
}

func deriveKeys(token secret.Value) keys {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, []byte(token.Reveal()))
		m.Write([]byte("vendorflow console " + purpose + " v1"))
		return m.Sum(nil)
	}
	return keys{session: derive("session"), csrf: derive("csrf")}
}

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// principal is who is asking, and what their CSRF token is bound to.
type principal struct {
	// Name is shown in the page header.
	Name string
	// Kind is how they authenticated: "session", "token" or "appservice".
	Kind string
	// binding is what the CSRF token signs: the session cookie's value,
	// the fact of a header token, or the App Service principal's id.
	binding string
}

// csrf is p's CSRF token: an HMAC of its binding under the CSRF key. It
// is not secret from p (it is in every form), and useless without p's
// session.
func (c *Console) csrf(p principal) string {
	return b64.EncodeToString(mac(c.keys.csrf, "csrf", p.binding))
}

// validCSRF compares got with p's token in constant time.
func (c *Console) validCSRF(p principal, got string) bool {
	want := c.csrf(p)
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// newSession is a session cookie's value: "1.<expiry unix>.<nonce>.<mac>".
func (c *Console) newSession(now time.Time) (string, time.Time, error) {
	nonce := make([]byte, 16)
	if _, err := io.ReadFull(c.cfg.Rand, nonce); err != nil {
		return "", time.Time{}, fmt.Errorf("session nonce: %w", err)
	}
	exp := now.Add(SessionTTL).Truncate(time.Second)
	e, n := strconv.FormatInt(exp.Unix(), 10), b64.EncodeToString(nonce)
	return "1." + e + "." + n + "." + b64.EncodeToString(mac(c.keys.session, "1", e, n)), exp, nil
}

// validSession reports whether v is a session this token issued that has
// not expired at now.
func (c *Console) validSession(v string, now time.Time) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 4 || parts[0] != "1" {
		return false
	}
	got, err := b64.DecodeString(parts[3])
	if err != nil || !hmac.Equal(got, mac(c.keys.session, "1", parts[1], parts[2])) {
		return false
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	return err == nil && now.Before(time.Unix(exp, 0))
}

// tokenMatches compares a presented token with the admin token in
// constant time (over their hashes, so that the length does not leak).
func (c *Console) tokenMatches(got string) bool {
	if got == "" || c.cfg.Auth.Token.IsZero() {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(c.cfg.Auth.Token.Reveal()))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// authenticate finds who r comes from.
func (c *Console) authenticate(r *http.Request) (principal, bool) {
	if c.cfg.Auth.Mode == AuthAppService {
		name, id := strings.TrimSpace(r.Header.Get(PrincipalNameHeader)), strings.TrimSpace(r.Header.Get(PrincipalIDHeader))
		if name == "" || id == "" {
			return principal{}, false
		}
		return principal{Name: name, Kind: "appservice", binding: "appservice:" + id}, true
	}
	got := r.Header.Get(KeyHeader)
	if got == "" {
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = strings.TrimSpace(v)
		}
	}
	if c.tokenMatches(got) {
		return principal{Name: "admin token", Kind: "token", binding: "header-token"}, true
	}
	if ck, err := r.Cookie(CookieName); err == nil && c.validSession(ck.Value, c.cfg.Clock.Now()) {
		return principal{Name: "operator (admin token)", Kind: "session", binding: "session:" + ck.Value}, true
	}
	return principal{}, false
}

// authed wraps a page that needs an operator: the console must be set up
// (else 503 naming the setting), the request must come from an operator
// (else the sign-in page for a GET, 401 otherwise), and a POST must carry
// the operator's CSRF token and not come from another site (else 403,
// before anything is done).
func (c *Console) authed(h func(http.ResponseWriter, *http.Request, principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := c.cfg.Auth.problem(); msg != "" {
			c.fail(w, r, nil, http.StatusServiceUnavailable, "The console is not set up: "+msg)
			return
		}
		p, ok := c.authenticate(r)
		switch {
		case !ok && c.cfg.Auth.Mode == AuthAppService:
			c.fail(w, r, nil, http.StatusUnauthorized, "App Service authentication did not name you ("+PrincipalNameHeader+" and "+PrincipalIDHeader+" are missing): sign in through the app's /.auth/login.")
			return
		case !ok && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			c.redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		case !ok:
			w.Header().Set("WWW-Authenticate", `Bearer realm="vendorflow console"`)
			c.fail(w, r, nil, http.StatusUnauthorized, "Sign in first: this action needs the admin token.")
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				c.fail(w, r, &p, http.StatusBadRequest, "The form could not be read: it is malformed or too large.")
				return
			}
			if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") || !c.validCSRF(p, r.PostForm.Get(csrfField)) {
				c.log.WarnContext(r.Context(), "console refused a POST without a valid CSRF token", "path", r.URL.Path, "principal", p.Name)
				c.fail(w, r, &p, http.StatusForbidden, "This form's CSRF token is missing, wrong or from another session, so nothing was done. Reload the page and try again.")
				return
			}
		}
		h(w, r, p)
	})
}

// isHTTPS reports whether r reached the app over https: the front end's
// X-Forwarded-Proto, or the URL the Functions host forwarded.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil || strings.EqualFold(r.URL.Scheme, "https") {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// sessionCookie is the cookie that carries value (or, with a zero
// expiry, clears it).
func (c *Console) sessionCookie(r *http.Request, value string, exp time.Time) *http.Cookie {
	ck := &http.Cookie{
		Name: CookieName, Value: value, Path: c.cfg.BasePath,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: isHTTPS(r),
	}
	if exp.IsZero() {
		ck.MaxAge = -1
		ck.Expires = time.Unix(0, 0)
	} else {
		ck.MaxAge = int(exp.Sub(c.cfg.Clock.Now()).Seconds())
		ck.Expires = exp
	}
	return ck
}

// safeNext is the console path a sign-in returns to: next when it is a
// path of the console itself, else the requests page.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") ||
		u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "/signin") {
		return "/requests"
	}
	// a clean path (no "..", no doubled slash) stays under the console
	// when the base path is put before it
	clean := path.Clean(u.Path)
	if clean != u.Path && clean+"/" != u.Path {
		return "/requests"
	}
	return next
}

// signInPage shows the sign-in form (token mode).
func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if msg := c.cfg.Auth.problem(); msg != "" {
		c.fail(w, r, nil, http.StatusServiceUnavailable, "The console is not set up: "+msg)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := c.authenticate(r); ok || c.cfg.Auth.Mode == AuthAppService {
		c.redirect(w, r, next)
		return
	}
	c.render(w, r, http.StatusOK, "signin", nil, page{Title: "Sign in", Data: signInData{Next: next, SignedOut: r.URL.Query().Get("done") == "signedout"}})
}

type signInData struct {
	Next      string
	Wrong     bool
	SignedOut bool
}

// signIn checks the token from the form and sets the session cookie; a
// wrong token answers 401 with the form again and no cookie.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	if msg := c.cfg.Auth.problem(); msg != "" {
		c.fail(w, r, nil, http.StatusServiceUnavailable, "The console is not set up: "+msg)
		return
	}
	if c.cfg.Auth.Mode == AuthAppService {
		c.fail(w, r, nil, http.StatusNotFound, "Sign-in is App Service's in this mode: use the app's /.auth/login.")
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, nil, http.StatusBadRequest, "The form could not be read: it is malformed or too large.")
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if !c.tokenMatches(r.PostForm.Get("token")) {
		c.log.WarnContext(r.Context(), "console sign-in refused: wrong admin token")
		c.render(w, r, http.StatusUnauthorized, "signin", nil, page{Title: "Sign in", Data: signInData{Next: next, Wrong: true}})
		return
	}
	v, exp, err := c.newSession(c.cfg.Clock.Now())
	if err != nil {
		c.internal(w, r, nil, err)
		return
	}
	http.SetCookie(w, c.sessionCookie(r, v, exp))
	c.log.InfoContext(r.Context(), "console sign-in", "until", exp)
	c.redirect(w, r, next)
}

// signOut clears the session cookie. A session cannot be revoked on the
// server (no state is kept): a copied cookie stays valid until it expires
// or the admin token changes.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, p principal) {
	if c.cfg.Auth.Mode == AuthAppService {
		http.Redirect(w, r, "/.auth/logout", http.StatusSeeOther)
		return
	}
	http.SetCookie(w, c.sessionCookie(r, "", time.Time{}))
	c.redirect(w, r, "/signin?done=signedout")
}
