// Package console is the ops console: server-rendered pages (html/template,
// no JavaScript needed to read) for the on-call operator. It lists requests
// with their step timelines, accounts, dead letters and parked messages
// (inspect, replay, purge after confirmation), previews the next expiry
// sweep and answers "can A reach B" from the barrier policy.
//
// Console is an http.Handler serving its pages under Config.BasePath
// (/api/console: the console HTTP function's route in Azure, and the same
// path on the front door of `vendorflow dev`). It authenticates every
// request itself (docs/console.md: the function is anonymous to the host
// because a browser cannot send a function key with every request):
//
//   - AuthToken: the admin token, signed in once through a form that sets
//     a session cookie (an expiry and a nonce under an HMAC keyed from the
//     token), or sent by scripts as x-functions-key or a bearer token;
//   - AuthAppService: App Service authentication in front, whose principal
//     headers name the operator.
//
// Every POST needs a CSRF token as well: an HMAC of the session under a key
// derived from the admin token. No secret is rendered: not the token, the
// session or the keys, and the journal and dead letters hold none.
package console

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/ops"
	"github.com/vendorflow/vendorflow/pkg/reach"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

// Journal is what the console reads of the journal, through the read
// models of pkg/ops; the SQLite and Table Storage journals implement it.
type Journal interface {
	ops.Journal
}

// DeadLetterStore lists, replays and purges parked and dead-lettered
// messages (handler.DeadLetterStore: the embedded queue, or Service Bus).
type DeadLetterStore interface {
	List(ctx context.Context, f handler.Filter) ([]handler.DeadLetter, error)
	Replay(ctx context.Context, f handler.Filter) (int, error)
	Purge(ctx context.Context, f handler.Filter) (int, error)
}

// SweepPreviewer tells what the next expiry sweep would do, without doing
// it; *engine.Engine implements it.
type SweepPreviewer interface {
	PreviewSweep(ctx context.Context, now time.Time) (engine.SweepPreview, error)
}

// ReachChecker answers "can A reach B"; reach.Checker implements it.
type ReachChecker interface {
	Check(ctx context.Context, a, b string) (reach.Answer, error)
}

// AuthMode is how the console knows who is asking.
type AuthMode string

// Authentication modes (EnvAuth).
const (
	// AuthToken: the admin token, through the sign-in form (a session
	// cookie) or a header.
	AuthToken AuthMode = "token"
	// AuthAppService: App Service authentication (Easy Auth) in front of
	// the app; the console trusts its principal headers.
	AuthAppService AuthMode = "appservice"
)

// Settings the console reads from the environment (FromEnv).
const (
	// EnvAdminToken is the admin token: the operators' credential in
	// AuthToken mode and the key the sessions and CSRF tokens derive from
	// in both modes.
	EnvAdminToken = "VENDORFLOW_ADMIN_TOKEN"
	// EnvAuth selects the mode: "token" (default) or "appservice".
	EnvAuth = "VENDORFLOW_CONSOLE_AUTH"
	// EnvAppServiceAuth is set to "True" by App Service when its
	// authentication is enabled for the app (Microsoft.Identity.Web
	// reads it so); AuthAppService requires it.
	EnvAppServiceAuth = "WEBSITE_AUTH_ENABLED"
)

// MinTokenLength is the shortest admin token the console accepts.
const MinTokenLength = 16

// DefaultBasePath is where the console lives: the console function's route
// under the host's /api prefix.
const DefaultBasePath = "/api/console"

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 8 * time.Hour

// Auth is the console's authentication settings.
type Auth struct {
	// Mode defaults to AuthToken.
	Mode AuthMode
	// Token is the admin token (EnvAdminToken).
	Token secret.Value
	// AppServiceAuthEnabled reports that App Service authentication is on
	// (EnvAppServiceAuth); AuthAppService answers 503 without it.
	AppServiceAuthEnabled bool
}

// AuthFromEnv reads the authentication settings from the environment
// through lookup (os.LookupEnv). A value the console cannot use is kept as
// given: the console then answers every page 503, naming the setting,
// while the rest of the app runs on.
func AuthFromEnv(lookup func(string) (string, bool)) Auth {
	var a Auth
	if v, ok := lookup(EnvAdminToken); ok {
		a.Token = secret.New(v)
	}
	if v, ok := lookup(EnvAuth); ok {
		a.Mode = AuthMode(strings.ToLower(strings.TrimSpace(v)))
	}
	if v, ok := lookup(EnvAppServiceAuth); ok {
		a.AppServiceAuthEnabled = strings.EqualFold(strings.TrimSpace(v), "true")
	}
	return a
}

// problem says why the console cannot authenticate anyone with a, naming
// the setting to fix; "" when it can.
func (a Auth) problem() string {
	switch {
	case a.Mode != AuthToken && a.Mode != AuthAppService:
		return fmt.Sprintf("%s is %q; set it to %q (the admin token, the default) or %q (App Service authentication).", EnvAuth, string(a.Mode), AuthToken, AuthAppService)
	case a.Token.IsZero():
		return fmt.Sprintf("%s is not set. The console needs the admin token: to sign operators in (token mode) and to sign its sessions and CSRF tokens (both modes). `vendorflow dev` passes its own; in Azure set the app setting, preferably as a Key Vault reference.", EnvAdminToken)
	case len(a.Token.Reveal()) < MinTokenLength:
		return fmt.Sprintf("%s must be at least %d characters long.", EnvAdminToken, MinTokenLength)
	case a.Mode == AuthAppService && !a.AppServiceAuthEnabled:
		return fmt.Sprintf("%s is %q, but App Service authentication is not enabled for this app (%s is not True): without it anyone could send the principal headers the console would trust. Turn it on, or use %s=%s.", EnvAuth, AuthAppService, EnvAppServiceAuth, EnvAuth, AuthToken)
	}
	return ""
}

// Config configures a Console.
type Config struct {
	// BasePath is the path the pages live under (DefaultBasePath).
	BasePath    string
	Journal     Journal
	DeadLetters DeadLetterStore
	Sweep       SweepPreviewer
	Reach       ReachChecker
	// Tenant is the tenant settings: the vendor registry for filters and
	// the accounts' segments and licences.
	Tenant domain.Tenant
	Auth   Auth
	// Clock defaults to clock.Real{}; Logger to one that discards.
	Clock  clock.Clock
	Logger *slog.Logger
	// Rand is the source of session nonces (crypto/rand by default).
	Rand io.Reader
}

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.BasePath == "" {
		c.BasePath = DefaultBasePath
	}
	c.BasePath = "/" + strings.Trim(c.BasePath, "/")
	if c.Auth.Mode == "" {
		c.Auth.Mode = AuthToken
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
}

// Validate reports a configuration that cannot work. Authentication
// settings are not checked here: the console reports them on its pages.
func (c Config) Validate() error {
	var errs []error
	if c.Journal == nil {
		errs = append(errs, errors.New("console: Journal is required"))
	}
	if c.DeadLetters == nil {
		errs = append(errs, errors.New("console: DeadLetters is required"))
	}
	if c.Sweep == nil {
		errs = append(errs, errors.New("console: Sweep is required"))
	}
	if c.Reach == nil {
		errs = append(errs, errors.New("console: Reach is required"))
	}
	if c.BasePath == "/" {
		errs = append(errs, errors.New("console: BasePath must not be the root"))
	}
	return errors.Join(errs...)
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Console serves the ops console. It is safe for concurrent use.
type Console struct {
	cfg    Config
	pages  map[string]*template.Template
	static http.Handler
	mux    *http.ServeMux
	keys   keys
	log    *slog.Logger
}

// New applies defaults to cfg, validates it and returns a Console.
func New(cfg Config) (*Console, error) {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console: static files: %w", err)
	}
	c := &Console{cfg: cfg, pages: pages, static: http.FileServerFS(sub), log: cfg.Logger, keys: deriveKeys(cfg.Auth.Token)}
	c.mux = c.routes()
	return c, nil
}

// routes are the console's pages, relative to the base path.
func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		c.redirect(w, r, "/requests")
	})
	m.HandleFunc("GET /static/{file}", c.serveStatic)
	m.HandleFunc("GET /signin", c.signInPage)
	m.HandleFunc("POST /signin", c.signIn)
	m.Handle("POST /signout", c.authed(c.signOut))
	m.Handle("GET /requests", c.authed(c.requestsPage))
	m.Handle("GET /requests/{id}", c.authed(c.requestPage))
	m.Handle("GET /deadletters", c.authed(c.deadLettersPage))
	m.Handle("GET /deadletters/{id}", c.authed(c.deadLetterPage))
	m.Handle("POST /deadletters/replay", c.authed(c.replay))
	m.Handle("POST /deadletters/purge", c.authed(c.purge))
	m.Handle("GET /accounts", c.authed(c.accountsPage))
	m.Handle("GET /expiry", c.authed(c.expiryPage))
	m.Handle("GET /reach", c.authed(c.reachPage))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// every action is a POST route above; pages are read with GET
			w.Header().Set("Allow", "GET, HEAD")
			c.fail(w, r, nil, http.StatusMethodNotAllowed, "Pages are read with GET; the actions are the forms' POSTs.")
			return
		}
		c.fail(w, r, nil, http.StatusNotFound, "There is no such page.")
	})
	return m
}

// maxForm bounds a POST body: a form of message ids and filters.
const maxForm = 256 << 10

// ServeHTTP serves the pages under the base path; anything else is 404.
// Every answer carries the security headers (securityHeaders).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header(), isHTTPS(r))
	base := c.cfg.BasePath
	rest, ok := strings.CutPrefix(r.URL.Path, base)
	if !ok || (rest != "" && rest[0] != '/') {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		// /api/console: the pages' relative links need the slash
		http.Redirect(w, r, base+"/", http.StatusSeeOther)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = rest
	r2.URL.RawPath = ""
	if raw, ok := strings.CutPrefix(r.URL.EscapedPath(), base); ok && raw != rest {
		r2.URL.RawPath = raw
	}
	if r2.Body != nil {
		r2.Body = http.MaxBytesReader(w, r2.Body, maxForm)
	}
	c.mux.ServeHTTP(w, r2)
}

// securityHeaders go on every answer: scripts only from the console's own
// files (no inline script, no CDN), no framing, no referrer (the URLs
// carry request and message ids), no sniffing, no caching (pages show
// live state, and a shared cache must not keep an operator's page); over
// https, browsers are told to keep to https (the session cookie is Secure
// there).
func securityHeaders(h http.Header, https bool) {
	if https {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// serveStatic serves the embedded CSS and JavaScript.
func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	if file != "console.css" && file != "console.js" {
		http.NotFound(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + file
	r2.URL.RawPath = ""
	c.static.ServeHTTP(w, r2)
}

// redirect answers 303 See Other to a console path (base path prepended).
func (c *Console) redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, c.cfg.BasePath+path, http.StatusSeeOther)
}
