package console

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// page is what every template gets: the layout's fields and the page's
// own Data.
type page struct {
	Title string
	// Nav is the navigation entry to mark current.
	Nav string
	// Refresh, when positive, reloads the page after that many seconds
	// (<meta http-equiv="refresh">, which works without JavaScript).
	Refresh int
	// Notice and Error are shown above the content.
	Notice, Error string
	Data          any

	// set by render
	Base      string
	Principal *principal
	CSRF      string
}

// nav are the console's pages in the header, in order.
var nav = []struct{ Key, Path, Label string }{
	{"requests", "/requests", "Requests"},
	{"deadletters", "/deadletters", "Dead letters"},
	{"accounts", "/accounts", "Accounts"},
	{"expiry", "/expiry", "Expiry preview"},
	{"reach", "/reach", "Reach"},
}

var funcs = template.FuncMap{
	// path escapes one path segment (an id) for a link.
	"path": url.PathEscape,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// minute is a contract end: a date-only end is stored as the next
	// midnight, so the time is shown too (2027-03-09 00:00 is the end of
	// 2027-03-08), never a date alone that reads a day late
	"minute": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04")
	},
	"took": func(from, to time.Time) string {
		if from.IsZero() || to.IsZero() || to.Before(from) {
			return ""
		}
		d := to.Sub(from)
		switch {
		case d < time.Second:
			return fmt.Sprintf("%d ms", d.Milliseconds())
		case d < time.Minute:
			return fmt.Sprintf("%.1f s", d.Seconds())
		}
		return d.Round(time.Second).String()
	},
	"status":  statusClass,
	"join":    func(s []string) string { return strings.Join(s, ", ") },
	"nav":     func() any { return nav },
	"isFinal": final,
}

// pathEscape escapes one path segment (an id) for a redirect.
func pathEscape(s string) string { return url.PathEscape(s) }

// statusClass is the CSS class that colours a request's, step's or
// account's status.
func statusClass(s any) string {
	switch fmt.Sprint(s) {
	case "done", "active", "allowed":
		return "st-ok"
	case "parked", "failed", "deadletter", "blocked", "deleted":
		return "st-bad"
	case "received", "running", "retrying", "pending":
		return "st-warn"
	default:
		return "st-muted"
	}
}

// final reports whether a request's status waits for no further run.
func final(s domain.RequestStatus) bool {
	return s == domain.RequestDone || s == domain.RequestParked || s == domain.RequestSuperseded
}

// parseTemplates parses each page with the layout.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := templateFS.ReadDir("templates")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, e := range names {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", path.Join("templates", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// render writes the page named name with status. The page is rendered into
// a buffer first, so that a template error is a clean 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *principal, pg page) {
	pg.Base, pg.Principal = c.cfg.BasePath, p
	if p != nil {
		pg.CSRF = c.csrf(*p)
	}
	t, ok := c.pages[name]
	if !ok {
		c.log.ErrorContext(r.Context(), "console: no template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		c.log.ErrorContext(r.Context(), "console: rendering failed", "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// fail renders an error page with status and a message for the operator.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, p *principal, status int, msg string) {
	c.render(w, r, status, "error", p, page{Title: http.StatusText(status), Error: msg, Data: status})
}

// internal logs err and renders a 500 that says no more than that.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, p *principal, err error) {
	c.log.ErrorContext(r.Context(), "console: request failed", "path", r.URL.Path, "error", err)
	c.fail(w, r, p, http.StatusInternalServerError, "Something went wrong on the server; the log says what (look for \"console: request failed\").")
}

// failErr renders err: a classified error with its status and message,
// anything else as internal.
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, p *principal, err error) {
	code := domain.ErrorCode(err)
	if code == domain.Internal {
		c.internal(w, r, p, err)
		return
	}
	c.fail(w, r, p, domain.OutcomeOf(code).HTTPStatus, domain.ErrorMessage(err))
}
