package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vendorflow/vendorflow/pkg/barriers"
	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/engine"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/ops"
	"github.com/vendorflow/vendorflow/pkg/reach"
)

// Bounds of the lists the pages show.
const (
	// maxDeadLetters is how many dead letters a list shows; maxPurge how
	// many one confirmation purges.
	maxDeadLetters = 200
	maxPurge       = 1000
	// maxAccounts is how many accounts a list shows.
	maxAccounts = 500
	// maxExpiringDays bounds the accounts page's window.
	maxExpiringDays = 3650
	// refreshSeconds is the reload interval of a request still moving.
	refreshSeconds = 2
)

type option struct {
	Value, Label string
	Selected     bool
}

func options(values []string, selected string) []option {
	out := []option{{Value: "", Label: "any", Selected: selected == ""}}
	for _, v := range values {
		out = append(out, option{Value: v, Label: v, Selected: strings.EqualFold(v, selected)})
	}
	return out
}

func (c *Console) vendorKeys() []string {
	var out []string
	for _, v := range c.cfg.Tenant.Vendors {
		out = append(out, v.Key)
	}
	return out
}

func stringsOf[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

type requestsData struct {
	States, Vendors, Kinds []option
	Rows                   []ops.RequestRow
	Limit                  int
}

// requestsPage lists requests, newest first, filtered by state, vendor
// and kind.
func (c *Console) requestsPage(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query()
	f := ops.RequestFilter{Status: domain.RequestStatus(q.Get("state")), Vendor: q.Get("vendor"), Kind: q.Get("kind")}
	d := requestsData{
		States:  options(stringsOf(ops.RequestStates()), string(f.Status)),
		Vendors: options(c.vendorKeys(), f.Vendor),
		Kinds:   options(ops.RequestKinds(), f.Kind),
		Limit:   ops.DefaultLimit,
	}
	pg := page{Title: "Requests", Nav: "requests", Data: &d}
	rows, err := ops.Requests(r.Context(), c.cfg.Journal, f)
	if domain.ErrorCode(err) == domain.Invalid {
		pg.Error = domain.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "requests", &p, pg)
		return
	}
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	d.Rows = rows
	c.render(w, r, http.StatusOK, "requests", &p, pg)
}

type requestData struct {
	ops.RequestDetail
	DeadLetters []handler.DeadLetter
	// DeadLettersError says the store could not be read.
	DeadLettersError string
	// Watching is set after a replay: After is the run count then.
	Watching bool
	After    int
	Final    bool
}

// requestPage shows one request with its step timeline and the messages
// of it set aside. It reloads itself while the request is moving, and,
// after a replay (?after=N, the run count when it was replayed), until a
// later run has finished.
func (c *Console) requestPage(w http.ResponseWriter, r *http.Request, p principal) {
	id := r.PathValue("id")
	if !domain.ValidRequestID(id) {
		c.fail(w, r, &p, http.StatusNotFound, "There is no request with that id: a request id "+domain.RequestIDRule+".")
		return
	}
	det, err := ops.Request(r.Context(), c.cfg.Journal, id)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	d := requestData{RequestDetail: det, Final: final(det.Request.Status)}
	if items, err := c.cfg.DeadLetters.List(r.Context(), handler.Filter{RequestIDs: []string{id}}); err != nil {
		c.log.WarnContext(r.Context(), "console: dead letters of a request could not be listed", "requestId", id, "error", err)
		d.DeadLettersError = "The dead letters and parked messages could not be read just now; reload to try again."
	} else {
		d.DeadLetters = items
	}
	pg := page{Title: "Request " + id, Nav: "requests", Data: &d}
	if v := r.URL.Query().Get("after"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			d.Watching, d.After = true, n
		}
	}
	switch {
	case !d.Final:
		pg.Refresh = refreshSeconds
	case d.Watching && det.Request.Attempts <= d.After:
		pg.Refresh = refreshSeconds
		pg.Notice = fmt.Sprintf("Replayed. Waiting for run %d to start; this page reloads itself.", d.After+1)
	case d.Watching:
		pg.Notice = fmt.Sprintf("Run %d finished: %s.", det.Request.Attempts, det.Request.Status)
	}
	c.render(w, r, http.StatusOK, "request", &p, pg)
}

// deadLetterFilter reads the list filter (source, reason, request) from
// form or query values.
func deadLetterFilter(get func(string) string) (handler.Filter, error) {
	f := handler.Filter{Source: get("source"), Reason: strings.TrimSpace(get("reason"))}
	if id := strings.TrimSpace(get("request")); id != "" {
		f.RequestIDs = []string{id}
	}
	switch f.Source {
	case "", handler.SourceParked, handler.SourceDeadLetter:
		return f, nil
	}
	return f, domain.Errorf(domain.Invalid, "source %q is neither %q nor %q", f.Source, handler.SourceParked, handler.SourceDeadLetter)
}

type deadLettersData struct {
	Sources             []option
	Source, Reason, Req string
	Items               []handler.DeadLetter
	Total, Showing      int
	Filtered            bool
	// Upto is when the newest message listed was set aside (RFC 3339):
	// "replay all" replays what the operator saw, not what arrived since.
	Upto string
}

// deadLettersPage lists parked and dead-lettered messages, with
// checkboxes to replay or purge some, and buttons for all that match.
func (c *Console) deadLettersPage(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query()
	f, err := deadLetterFilter(q.Get)
	d := deadLettersData{Sources: options([]string{handler.SourceParked, handler.SourceDeadLetter}, f.Source),
		Source: f.Source, Reason: f.Reason, Req: strings.TrimSpace(q.Get("request")), Filtered: !f.IsZero()}
	pg := page{Title: "Dead letters and parked messages", Nav: "deadletters", Data: &d, Notice: doneNotice(q.Get("done"), q.Get("n"))}
	if err != nil {
		pg.Error = domain.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "deadletters", &p, pg)
		return
	}
	items, err := c.cfg.DeadLetters.List(r.Context(), f)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	// newest first, the most recent trouble at the top
	slices.Reverse(items)
	d.Total = len(items)
	d.Items = items[:min(len(items), maxDeadLetters)]
	d.Showing = len(d.Items)
	if len(items) > 0 {
		d.Upto = items[0].DeadLetteredAt.UTC().Format(time.RFC3339Nano)
	}
	c.render(w, r, http.StatusOK, "deadletters", &p, pg)
}

// doneNotice is the notice after a replay or purge (fixed texts: nothing
// from the query is shown as is).
func doneNotice(done, n string) string {
	count, err := strconv.Atoi(n)
	if err != nil || count < 0 {
		return ""
	}
	switch done {
	case "replayed":
		return fmt.Sprintf("Replayed %d message(s): each goes back to its queue, and its request resumes from its first unfinished step.", count)
	case "purged":
		return fmt.Sprintf("Purged %d message(s).", count)
	}
	return ""
}

type deadLetterView struct {
	handler.DeadLetter
	// Body is the message body, indented when it is JSON.
	Body string
}

// deadLetterPage inspects one message: every field and its body.
func (c *Console) deadLetterPage(w http.ResponseWriter, r *http.Request, p principal) {
	id := r.PathValue("id")
	items, err := c.cfg.DeadLetters.List(r.Context(), handler.Filter{MessageIDs: []string{id}})
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	if len(items) == 0 {
		c.fail(w, r, &p, http.StatusNotFound, "No dead letter or parked message has that message id: it may have been replayed or purged.")
		return
	}
	views := make([]deadLetterView, len(items))
	for i, d := range items {
		views[i] = deadLetterView{DeadLetter: d, Body: prettyBody(d.Body)}
	}
	c.render(w, r, http.StatusOK, "deadletter", &p, page{Title: "Message " + id, Nav: "deadletters", Data: views})
}

// prettyBody indents a JSON body; other bodies are shown as they are.
func prettyBody(b []byte) string {
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") == nil {
		return buf.String()
	}
	return string(b)
}

// actionFilter is what a replay or purge form selects: the ticked message
// ids (within the form's filter, if any), or with all=1 every message the
// filter matches. A form that selects nothing is Invalid.
func actionFilter(r *http.Request) (handler.Filter, error) {
	form := r.PostForm
	f, err := deadLetterFilter(form.Get)
	if err != nil {
		return f, err
	}
	ids := slices.DeleteFunc(slices.Clone(form["id"]), func(s string) bool { return strings.TrimSpace(s) == "" })
	if len(ids) == 0 && form.Get("all") != "1" {
		return f, domain.Errorf(domain.Invalid, "no message selected: tick at least one, or use the button for all that match")
	}
	if len(ids) > 0 {
		f.MessageIDs = ids
	}
	return f, nil
}

// replay sends the selected messages back to their queues, then shows
// the request it was for (when all were for one) progressing.
func (c *Console) replay(w http.ResponseWriter, r *http.Request, p principal) {
	f, err := actionFilter(r)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	ctx := r.Context()
	items, err := c.cfg.DeadLetters.List(ctx, f)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	if len(f.MessageIDs) == 0 {
		// "replay all N": the messages the page listed, by id, not what
		// the filter matches now (more may have been set aside since)
		if items, err = listedUpTo(items, r.PostForm.Get("upto")); err != nil {
			c.failErr(w, r, &p, err)
			return
		}
		if len(items) == 0 {
			c.redirect(w, r, "/deadletters?done=replayed&n=0")
			return
		}
		for _, d := range items {
			f.MessageIDs = append(f.MessageIDs, d.MessageID)
		}
	}
	// the request's runs are read before the replay: once replayed, its
	// next run may start at any moment and count itself
	id, runs := oneRequest(items), -1
	if id != "" {
		if det, err := ops.Request(ctx, c.cfg.Journal, id); err == nil {
			runs = det.Request.Attempts
		}
	}
	n, err := c.cfg.DeadLetters.Replay(ctx, f)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	c.log.InfoContext(ctx, "console: dead letters replayed", "count", n, "principal", p.Name)
	if n > 0 && runs >= 0 {
		c.redirect(w, r, "/requests/"+pathEscape(id)+"?after="+strconv.Itoa(runs))
		return
	}
	c.redirect(w, r, "/deadletters?done=replayed&n="+strconv.Itoa(n))
}

// listedUpTo keeps the items set aside at or before upto, the newest time
// a list page showed (RFC 3339; "" keeps all).
func listedUpTo(items []handler.DeadLetter, upto string) ([]handler.DeadLetter, error) {
	if upto == "" {
		return items, nil
	}
	t, err := time.Parse(time.RFC3339Nano, upto)
	if err != nil {
		return nil, domain.Errorf(domain.Invalid, "upto %q is not an RFC 3339 time; reload the list and try again", upto)
	}
	return slices.DeleteFunc(items, func(d handler.DeadLetter) bool { return d.DeadLetteredAt.After(t) }), nil
}

// oneRequest is the request id every item names, or "" when they name
// several or none.
func oneRequest(items []handler.DeadLetter) string {
	id := ""
	for _, d := range items {
		if d.RequestID == "" || (id != "" && d.RequestID != id) {
			return ""
		}
		id = d.RequestID
	}
	if !domain.ValidRequestID(id) {
		return ""
	}
	return id
}

type purgeData struct {
	Items   []handler.DeadLetter
	Filter  handler.Filter
	Request string
	Total   int
}

// purge deletes messages for good, in two steps: without confirm=yes it
// shows what would go and asks; the confirmation names those messages by
// id (and keeps the filter), so that nothing that arrived in between is
// purged.
func (c *Console) purge(w http.ResponseWriter, r *http.Request, p principal) {
	f, err := actionFilter(r)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	ctx := r.Context()
	if r.PostForm.Get("confirm") != "yes" {
		items, err := c.cfg.DeadLetters.List(ctx, f)
		if err != nil {
			c.failErr(w, r, &p, err)
			return
		}
		d := purgeData{Items: items[:min(len(items), maxPurge)], Filter: f, Total: len(items)}
		if len(f.RequestIDs) == 1 {
			d.Request = f.RequestIDs[0]
		}
		c.render(w, r, http.StatusOK, "purge", &p, page{Title: "Purge messages?", Nav: "deadletters", Data: &d})
		return
	}
	if len(f.MessageIDs) == 0 {
		c.fail(w, r, &p, http.StatusBadRequest, "A confirmed purge names the messages it deletes; start again from the dead-letter list.")
		return
	}
	n, err := c.cfg.DeadLetters.Purge(ctx, f)
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	c.log.InfoContext(ctx, "console: dead letters purged", "count", n, "principal", p.Name)
	c.redirect(w, r, "/deadletters?done=purged&n="+strconv.Itoa(n))
}

type accountsData struct {
	Vendors, States []option
	Expiring        string
	Rows            []ops.AccountRow
	Total           int
}

// accountsPage lists accounts by vendor, state and contracts ending
// within N days.
func (c *Console) accountsPage(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query()
	f := ops.AccountFilter{Vendor: q.Get("vendor"), State: domain.AccountState(q.Get("state")), Now: c.cfg.Clock.Now()}
	d := accountsData{Vendors: options(c.vendorKeys(), f.Vendor), States: options(stringsOf(ops.AccountStates()), string(f.State)), Expiring: q.Get("expiring")}
	pg := page{Title: "Accounts", Nav: "accounts", Data: &d}
	if d.Expiring != "" {
		days, err := strconv.Atoi(d.Expiring)
		if err != nil || days < 0 || days > maxExpiringDays {
			pg.Error = fmt.Sprintf("expiring within must be a whole number of days from 0 to %d", maxExpiringDays)
			c.render(w, r, http.StatusBadRequest, "accounts", &p, pg)
			return
		}
		f.ExpiringWithin = time.Duration(days) * 24 * time.Hour
	}
	rows, err := ops.Accounts(r.Context(), c.cfg.Journal, c.cfg.Tenant, f)
	if domain.ErrorCode(err) == domain.Invalid {
		pg.Error = domain.ErrorMessage(err)
		c.render(w, r, http.StatusBadRequest, "accounts", &p, pg)
		return
	}
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	d.Total = len(rows)
	d.Rows = rows[:min(len(rows), maxAccounts)]
	c.render(w, r, http.StatusOK, "accounts", &p, pg)
}

type expiryData struct {
	engine.SweepPreview
	Warning, Retention string
}

// expiryPage previews the next expiry sweep (engine.PreviewSweep: reads
// only).
func (c *Console) expiryPage(w http.ResponseWriter, r *http.Request, p principal) {
	pv, err := c.cfg.Sweep.PreviewSweep(r.Context(), c.cfg.Clock.Now())
	if err != nil {
		c.failErr(w, r, &p, err)
		return
	}
	d := expiryData{SweepPreview: pv, Warning: days(time.Duration(c.cfg.Tenant.ExpiryWarning)), Retention: days(time.Duration(c.cfg.Tenant.Retention))}
	c.render(w, r, http.StatusOK, "expiry", &p, page{Title: "Expiry preview", Nav: "expiry", Data: &d})
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

type reachData struct {
	A, B   string
	Answer *reach.Answer
	Notice string
}

// reachPage answers "can A reach B" (a GET form: it changes nothing).
func (c *Console) reachPage(w http.ResponseWriter, r *http.Request, p principal) {
	q := r.URL.Query()
	d := reachData{A: strings.TrimSpace(q.Get("a")), B: strings.TrimSpace(q.Get("b")), Notice: barriers.EffectiveNotice}
	pg := page{Title: "Can A reach B?", Nav: "reach", Data: &d}
	if d.A == "" || d.B == "" {
		if d.A != "" || d.B != "" {
			pg.Error = "Name both people: a UPN in the tenant or a vendor person's external email each."
			c.render(w, r, http.StatusBadRequest, "reach", &p, pg)
			return
		}
		c.render(w, r, http.StatusOK, "reach", &p, pg)
		return
	}
	a, err := c.cfg.Reach.Check(r.Context(), d.A, d.B)
	if err != nil {
		code := domain.ErrorCode(err)
		if code == domain.Internal {
			c.internal(w, r, &p, err)
			return
		}
		pg.Error = domain.ErrorMessage(err)
		c.render(w, r, domain.OutcomeOf(code).HTTPStatus, "reach", &p, pg)
		return
	}
	d.Answer = &a
	c.render(w, r, http.StatusOK, "reach", &p, pg)
}
