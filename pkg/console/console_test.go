package console_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/console"
	"github.com/vendorflow/vendorflow/pkg/handler"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

func TestSignIn(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		headers    []string
		target     string
		wantCode   int
		wantCookie bool
		secure     bool
		location   string
	}{
		{"right token", token, nil, "/api/console/signin", http.StatusSeeOther, true, false, "/api/console/requests/po-4711-ada"},
		{"right token over https (front end)", token, []string{"X-Forwarded-Proto", "https"}, "/api/console/signin", http.StatusSeeOther, true, true, "/api/console/requests/po-4711-ada"},
		{"right token, https URL", token, nil, "https://app.example/api/console/signin", http.StatusSeeOther, true, true, "/api/console/requests/po-4711-ada"},
		{"wrong token", token + "x", nil, "/api/console/signin", http.StatusUnauthorized, false, false, ""},
		{"no token", "", nil, "/api/console/signin", http.StatusUnauthorized, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, console.Auth{})
			r := f.do(http.MethodPost, tt.target, url.Values{"token": {tt.token}, "next": {"/requests/po-4711-ada"}}, tt.headers...)
			if r.code != tt.wantCode {
				t.Fatalf("status %d, want %d:\n%s", r.code, tt.wantCode, r.body)
			}
			ck := sessionCookie(r)
			if (ck != nil) != tt.wantCookie {
				t.Fatalf("cookie %v, want one: %v", ck, tt.wantCookie)
			}
			if !tt.wantCookie {
				if !strings.Contains(r.body, "That is not the admin token") || !strings.Contains(r.body, `name="token"`) {
					t.Errorf("the refusal does not say why or offer the form again:\n%s", r.body)
				}
				return
			}
			if got := r.header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			want := http.Cookie{Name: console.CookieName, Path: "/api/console", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: tt.secure, MaxAge: int(console.SessionTTL.Seconds())}
			got := http.Cookie{Name: ck.Name, Path: ck.Path, HttpOnly: ck.HttpOnly, SameSite: ck.SameSite, Secure: ck.Secure, MaxAge: ck.MaxAge}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("cookie (-want +got):\n%s", diff)
			}
			if strings.Contains(ck.Value, token) {
				t.Error("the cookie holds the token")
			}
			// the session opens the pages
			if p := f.get(ck.Name+"="+ck.Value, "/api/console/requests"); p.code != http.StatusOK {
				t.Errorf("requests page with the session: %d", p.code)
			}
		})
	}
}

// A page without a session sends a browser to the sign-in form, which
// brings it back after signing in; next cannot point elsewhere.
func TestSignInRedirects(t *testing.T) {
	f := newFixture(t, console.Auth{})
	r := f.do(http.MethodGet, "/api/console/requests/"+parkedID+"?after=1", nil)
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/api/console/signin?next="+url.QueryEscape("/requests/"+parkedID+"?after=1") {
		t.Fatalf("without a session: %d to %q", r.code, r.header.Get("Location"))
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/signin?next=/x", "", "/../../x", "/..//evil.example", "/requests/../../../x"} {
		r := f.do(http.MethodPost, "/api/console/signin", url.Values{"token": {token}, "next": {next}})
		if got := r.header.Get("Location"); got != "/api/console/requests" {
			t.Errorf("next %q: sent to %q, want /api/console/requests", next, got)
		}
	}
	if r := f.do(http.MethodPost, "/api/console/requests", nil); r.code != http.StatusMethodNotAllowed {
		t.Errorf("POST to a page: %d, want 405", r.code)
	}
	if r := f.do(http.MethodPost, "/api/console/deadletters/replay", url.Values{"id": {parkedID}}); r.code != http.StatusUnauthorized || len(f.store.replayed) != 0 {
		t.Errorf("a replay without a session: %d and %d replays, want 401 and none", r.code, len(f.store.replayed))
	}
	// sign out clears the cookie
	ck := f.signIn()
	page := f.get(ck, "/api/console/requests")
	r = f.do(http.MethodPost, "/api/console/signout", url.Values{"csrf": {csrfOf(t, page.body)}}, "Cookie", ck)
	if out := sessionCookie(r); r.code != http.StatusSeeOther || out == nil || out.MaxAge >= 0 || out.Value != "" {
		t.Fatalf("sign out: %d, cookie %+v; want a cleared cookie", r.code, out)
	}
}

// A session lasts SessionTTL on the console's clock, and ends at once for
// every instance when the admin token changes.
func TestSessionExpiry(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	tests := []struct {
		after time.Duration
		want  int
	}{
		{0, http.StatusOK},
		{console.SessionTTL - time.Second, http.StatusOK},
		{console.SessionTTL, http.StatusSeeOther},
		{console.SessionTTL + time.Hour, http.StatusSeeOther},
	}
	for _, tt := range tests {
		f.clk.Set(t0.Add(tt.after))
		if r := f.get(ck, "/api/console/requests"); r.code != tt.want {
			t.Errorf("%s after sign-in: %d, want %d", tt.after, r.code, tt.want)
		}
	}
	f.clk.Set(t0)
	other := newFixture(t, console.Auth{Token: secret.New(token + "-rotated")})
	if r := other.get(ck, "/api/console/requests"); r.code != http.StatusSeeOther {
		t.Errorf("a session under another token: %d, want the sign-in redirect", r.code)
	}
	tampered := strings.Replace(ck, ".", ".9", 1) // a later expiry
	if r := f.get(tampered, "/api/console/requests"); r.code != http.StatusSeeOther {
		t.Errorf("a tampered session: %d, want the sign-in redirect", r.code)
	}
}

// Scripts send the token as a header instead of signing in.
func TestHeaderToken(t *testing.T) {
	f := newFixture(t, console.Auth{})
	tests := []struct {
		name    string
		headers []string
		want    int
	}{
		{"x-functions-key", []string{"x-functions-key", token}, http.StatusOK},
		{"bearer", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"wrong key", []string{"x-functions-key", token[:len(token)-1]}, http.StatusSeeOther},
		{"basic is not bearer", []string{"Authorization", "Basic " + token}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		if r := f.do(http.MethodGet, "/api/console/requests", nil, tt.headers...); r.code != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, r.code, tt.want)
		}
	}
}

// Every page renders with the fixture's data.
func TestPagesRender(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	tests := []struct {
		path string
		want []string
	}{
		{"/api/console/requests", []string{doneID, parkedID, runID, "no free seat of MICROSOFT_REMOTE_ASSIST", "ada@vendor1.com", "bob_SA@ABC.com", "Vendor2", `href="/api/console/requests/` + parkedID + `" data-request="` + parkedID + `"`, "3 request(s)"}},
		{"/api/console/requests/" + parkedID, []string{`id="request-status">parked<`, `data-deadletter="` + parkedID + `"`, "no free seat", "ensure-licenses", "Last error", "validate", `href="/api/console/deadletters/` + parkedID + `"`, "bob@vendor2.com"}},
		{"/api/console/requests/" + doneID, []string{"ensure-user", "took 2.0 s", "None: no message of this request is set aside"}},
		{"/api/console/deadletters", []string{parkedID, runID + "-retry-1-abc", "MaxDeliveryCountExceeded", `href="/api/console/deadletters/weird%2Fid%3Fx=1%20%232"`, "Replay selected", "Purge all 3…", "3 message(s)"}},
		{"/api/console/deadletters/" + url.PathEscape(oddMsgID), []string{"not json &lt;b&gt;at all&lt;/b&gt;", "field schemaVersion must be a whole number", `id="replay"`, `value="weird/id?x=1 #2"`}},
		{"/api/console/deadletters/" + parkedID, []string{"&#34;requestId&#34;: &#34;" + parkedID + "&#34;", "\n  &#34;vendor&#34;: &#34;Vendor2&#34;", "Reschedules"}},
		{"/api/console/deadletters/" + runID + "-retry-1-abc", []string{"Deliveries", "10 <span", "MaxDeliveryCountExceeded", `href="/api/console/requests/` + runID + `"`}},
		{"/api/console/accounts", []string{"ada_SA@ABC.com", "cy_SA@ABC.com", "2027-03-25 09:00", "MICROSOFT_REMOTE_ASSIST", "pat.sponsor@ABC.com", "offboarded", "3 account(s)"}},
		{"/api/console/expiry", []string{"old_SA@ABC.com", "expiry-0123abcd", "pat.sponsor@ABC.com", "no sponsor known", "gone_SA@ABC.com", "14 days", "30 days"}},
		{"/api/console/reach", []string{`name="a"`, `name="b"`}},
		{"/api/console/reach?a=ada%40vendor1.com&b=expert1%40ABC.com", []string{"allowed", "Vendor1-allow", "Experts"}},
		{"/api/console/reach?a=ada%40vendor1.com&b=bob%40vendor2.com", []string{"blocked", "does not list Vendor2"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := f.get(ck, tt.path)
			if r.code != http.StatusOK {
				t.Fatalf("status %d:\n%s", r.code, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the page lacks %q:\n%s", w, r.body)
				}
			}
			for _, nav := range []string{"Requests", "Dead letters", "Accounts", "Expiry preview", "Reach", "Sign out"} {
				if !strings.Contains(r.body, nav) {
					t.Errorf("the page has no %q in its navigation", nav)
				}
			}
		})
	}
}

// Pages that do not exist, and inputs they refuse, answer with a status
// that says so.
func TestPageErrors(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/api/console/requests/nope", http.StatusNotFound, "no request nope"},
		{"/api/console/requests/bad%20id", http.StatusNotFound, "There is no request with that id"},
		{"/api/console/deadletters/nope", http.StatusNotFound, "may have been replayed or purged"},
		{"/api/console/requests?state=lost", http.StatusBadRequest, `state &#34;lost&#34; is not a request state`},
		{"/api/console/requests?kind=lunch", http.StatusBadRequest, "is not a request kind"},
		{"/api/console/deadletters?source=inbox", http.StatusBadRequest, "is neither"},
		{"/api/console/accounts?expiring=soon", http.StatusBadRequest, "whole number of days"},
		{"/api/console/accounts?state=asleep", http.StatusBadRequest, "is not an account state"},
		{"/api/console/reach?a=x%40y.com&b=", http.StatusBadRequest, "Name both people"},
		{"/api/console/reach?a=eve%40nowhere.org&b=expert1%40ABC.com", http.StatusNotFound, "no service account of eve@nowhere.org"},
		{"/api/console/nowhere", http.StatusNotFound, "There is no such page"},
		{"/api/consolex", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		r := f.get(ck, tt.path)
		if r.code != tt.code || !strings.Contains(r.body, tt.want) {
			t.Errorf("GET %s: %d, want %d with %q:\n%s", tt.path, r.code, tt.code, tt.want, r.body)
		}
	}
	if r := f.get(ck, "/api/console"); r.code != http.StatusSeeOther || r.header.Get("Location") != "/api/console/" {
		t.Errorf("GET /api/console: %d to %q", r.code, r.header.Get("Location"))
	}
	if r := f.get(ck, "/api/console/"); r.code != http.StatusSeeOther || r.header.Get("Location") != "/api/console/requests" {
		t.Errorf("GET /api/console/: %d to %q", r.code, r.header.Get("Location"))
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	tests := []struct {
		path       string
		want, lack []string
	}{
		{"/api/console/requests?state=parked", []string{parkedID}, []string{doneID, runID}},
		{"/api/console/requests?vendor=vendor1", []string{doneID}, []string{parkedID, runID}},
		{"/api/console/requests?kind=offboard", []string{runID}, []string{doneID, parkedID}},
		{"/api/console/requests?state=done&vendor=Vendor2", []string{"No request matches"}, []string{doneID, parkedID}},
		{"/api/console/deadletters?source=deadletter", []string{runID + "-retry-1-abc"}, []string{"/deadletters/" + parkedID}},
		{"/api/console/deadletters?reason=SEAT", []string{"/deadletters/" + parkedID, "Replay all 1 matching"}, []string{runID + "-retry"}},
		{"/api/console/deadletters?request=" + runID, []string{runID + "-retry-1-abc"}, []string{"/deadletters/" + parkedID}},
		{"/api/console/accounts?vendor=Vendor2", []string{"cy_SA@ABC.com", "dee_SA@ABC.com"}, []string{"ada_SA@ABC.com"}},
		{"/api/console/accounts?state=offboarded", []string{"cy_SA@ABC.com"}, []string{"ada_SA@ABC.com", "dee_SA@ABC.com"}},
		{"/api/console/accounts?expiring=14", []string{"ada_SA@ABC.com"}, []string{"cy_SA@ABC.com", "dee_SA@ABC.com"}},
	}
	for _, tt := range tests {
		r := f.get(ck, tt.path)
		if r.code != http.StatusOK {
			t.Errorf("GET %s: %d", tt.path, r.code)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
		for _, l := range tt.lack {
			if strings.Contains(r.body, l) {
				t.Errorf("GET %s shows %q, which the filter excludes", tt.path, l)
			}
		}
	}
}

// A POST without the session's CSRF token is refused before anything is
// done.
func TestCSRF(t *testing.T) {
	f := newFixture(t, console.Auth{})
	a, b := f.signIn(), f.signIn()
	if a == b {
		t.Fatal("two sign-ins share a session")
	}
	csrfA := csrfOf(t, f.get(a, "/api/console/deadletters").body)
	csrfB := csrfOf(t, f.get(b, "/api/console/deadletters").body)
	headerCSRF := csrfOf(t, f.do(http.MethodGet, "/api/console/deadletters", nil, "x-functions-key", token).body)
	tests := []struct {
		name    string
		csrf    string
		headers []string
		want    int
	}{
		{"missing", "", []string{"Cookie", a}, http.StatusForbidden},
		{"wrong", "not-the-token", []string{"Cookie", a}, http.StatusForbidden},
		{"another session's", csrfB, []string{"Cookie", a}, http.StatusForbidden},
		{"the header token's, with a session", headerCSRF, []string{"Cookie", a}, http.StatusForbidden},
		{"from another site", csrfA, []string{"Cookie", a, "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"its own", csrfA, []string{"Cookie", a, "Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther},
		{"a script's, with the header token", headerCSRF, []string{"x-functions-key", token}, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.store.replayed)
			r := f.do(http.MethodPost, "/api/console/deadletters/replay", url.Values{"csrf": {tt.csrf}, "id": {"no-such-message"}}, tt.headers...)
			if r.code != tt.want {
				t.Fatalf("status %d, want %d:\n%s", r.code, tt.want, r.body)
			}
			done := len(f.store.replayed) - before
			if tt.want == http.StatusForbidden && (done != 0 || !strings.Contains(r.body, "nothing was done")) {
				t.Errorf("refused, but %d replays were made (page: %s)", done, r.body)
			}
			if tt.want != http.StatusForbidden && done != 1 {
				t.Errorf("accepted, but %d replays were made", done)
			}
		})
	}
	// sign-out is a POST too
	if r := f.do(http.MethodPost, "/api/console/signout", url.Values{}, "Cookie", a); r.code != http.StatusForbidden || sessionCookie(r) != nil {
		t.Errorf("sign-out without CSRF: %d, cookie %v", r.code, sessionCookie(r))
	}
}

func TestReplay(t *testing.T) {
	tests := []struct {
		name     string
		form     url.Values
		want     handler.Filter
		location string
	}{
		{"one message", url.Values{"id": {parkedID}}, handler.Filter{MessageIDs: []string{parkedID}},
			"/api/console/requests/" + parkedID + "?after=1"},
		{"selected, of two requests", url.Values{"id": {parkedID, runID + "-retry-1-abc"}}, handler.Filter{MessageIDs: []string{parkedID, runID + "-retry-1-abc"}},
			"/api/console/deadletters?done=replayed&n=2"},
		{"all matching a filter", url.Values{"all": {"1"}, "source": {"deadletter"}, "reason": {"delivered"}, "request": {runID}},
			handler.Filter{MessageIDs: []string{runID + "-retry-1-abc"}, Source: handler.SourceDeadLetter, Reason: "delivered", RequestIDs: []string{runID}}, "/api/console/requests/" + runID + "?after=2"},
		// "replay all" replays what the list showed: a message set aside after it is left
		{"all listed up to a time", url.Values{"all": {"1"}, "upto": {"2027-03-20T08:00:00Z"}},
			handler.Filter{MessageIDs: []string{parkedID, runID + "-retry-1-abc"}}, "/api/console/deadletters?done=replayed&n=2"},
		{"an id with odd characters", url.Values{"id": {oddMsgID}}, handler.Filter{MessageIDs: []string{oddMsgID}}, "/api/console/deadletters?done=replayed&n=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, console.Auth{})
			ck := f.signIn()
			tt.form.Set("csrf", csrfOf(t, f.get(ck, "/api/console/deadletters").body))
			r := f.do(http.MethodPost, "/api/console/deadletters/replay", tt.form, "Cookie", ck)
			if r.code != http.StatusSeeOther || r.header.Get("Location") != tt.location {
				t.Fatalf("replay: %d to %q, want 303 to %q:\n%s", r.code, r.header.Get("Location"), tt.location, r.body)
			}
			if diff := cmp.Diff([]handler.Filter{tt.want}, f.store.replayed); diff != "" {
				t.Errorf("replays (-want +got):\n%s", diff)
			}
		})
	}
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	csrf := csrfOf(t, f.get(ck, "/api/console/deadletters").body)
	if r := f.do(http.MethodPost, "/api/console/deadletters/replay", url.Values{"csrf": {csrf}}, "Cookie", ck); r.code != http.StatusBadRequest || len(f.store.replayed) != 0 {
		t.Errorf("a replay selecting nothing: %d and %d replays, want 400 and none", r.code, len(f.store.replayed))
	}
	// after the replay the request page watches for the next run
	if r := f.get(ck, "/api/console/requests/"+parkedID+"?after=1"); !strings.Contains(r.body, `http-equiv="refresh"`) || !strings.Contains(r.body, "Waiting for run 2") {
		t.Errorf("the request page after a replay neither reloads nor says so:\n%s", r.body)
	}
}

// A purge shows what it would delete and asks; only the confirmation
// purges, and only the messages it showed.
func TestPurgeNeedsConfirmation(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	csrf := csrfOf(t, f.get(ck, "/api/console/deadletters").body)
	ask := f.do(http.MethodPost, "/api/console/deadletters/purge", url.Values{"csrf": {csrf}, "all": {"1"}, "source": {"parked"}}, "Cookie", ck)
	if ask.code != http.StatusOK || !strings.Contains(ask.body, "deleted for good") || !strings.Contains(ask.body, "Yes, purge 2 message(s)") {
		t.Fatalf("the first purge POST: %d:\n%s", ask.code, ask.body)
	}
	if len(f.store.purged) != 0 {
		t.Fatalf("purged before the confirmation: %+v", f.store.purged)
	}
	// a message arriving between the question and the answer is kept
	f.store.items = append(f.store.items, handler.DeadLetter{Source: handler.SourceParked, Queue: "parked", MessageID: "late", RequestID: "late"})
	confirm := url.Values{"csrf": {csrf}, "confirm": {"yes"}, "id": {parkedID, oddMsgID}, "source": {"parked"}}
	r := f.do(http.MethodPost, "/api/console/deadletters/purge", confirm, "Cookie", ck)
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/api/console/deadletters?done=purged&n=2" {
		t.Fatalf("the confirmation: %d to %q:\n%s", r.code, r.header.Get("Location"), r.body)
	}
	want := []handler.Filter{{MessageIDs: []string{parkedID, oddMsgID}, Source: handler.SourceParked}}
	if diff := cmp.Diff(want, f.store.purged); diff != "" {
		t.Errorf("purges (-want +got):\n%s", diff)
	}
	if left, _ := f.store.List(t.Context(), handler.Filter{}); len(left) != 2 {
		t.Errorf("%d messages left, want the dead letter and the late one: %+v", len(left), left)
	}
	if r := f.get(ck, r.header.Get("Location")); !strings.Contains(r.body, "Purged 2 message(s).") {
		t.Errorf("the list after the purge does not say what was done:\n%s", r.body)
	}
	// a confirmation that names no message purges nothing
	r = f.do(http.MethodPost, "/api/console/deadletters/purge", url.Values{"csrf": {csrf}, "confirm": {"yes"}, "all": {"1"}}, "Cookie", ck)
	if r.code != http.StatusBadRequest || len(f.store.purged) != 1 {
		t.Errorf("a confirmation without ids: %d, %d purges; want 400 and no new purge", r.code, len(f.store.purged))
	}
}

// The request page reloads itself while the request moves, and after a
// replay until a later run has finished.
func TestRequestPageRefresh(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	tests := []struct {
		path    string
		refresh bool
		notice  string
	}{
		{"/api/console/requests/" + runID, true, ""},
		{"/api/console/requests/" + doneID, false, ""},
		{"/api/console/requests/" + parkedID, false, ""},
		{"/api/console/requests/" + parkedID + "?after=1", true, "Waiting for run 2"},
		{"/api/console/requests/" + doneID + "?after=0", false, "Run 1 finished: done."},
	}
	for _, tt := range tests {
		r := f.get(ck, tt.path)
		if got := strings.Contains(r.body, `<meta http-equiv="refresh" content="2">`); got != tt.refresh {
			t.Errorf("%s: refresh %v, want %v", tt.path, got, tt.refresh)
		}
		if tt.notice != "" && !strings.Contains(r.body, tt.notice) {
			t.Errorf("%s lacks %q", tt.path, tt.notice)
		}
	}
}

func TestNotSetUp(t *testing.T) {
	tests := []struct {
		name string
		auth console.Auth
		want string
	}{
		{"no token", console.Auth{Mode: console.AuthToken}, "VENDORFLOW_ADMIN_TOKEN is not set"},
		{"short token", console.Auth{Token: secret.New("short")}, "VENDORFLOW_ADMIN_TOKEN must be at least 16 characters"},
		{"unknown mode", console.Auth{Mode: "magic", Token: secret.New(token)}, `VENDORFLOW_CONSOLE_AUTH is &#34;magic&#34;`},
		{"appservice without App Service authentication", console.Auth{Mode: console.AuthAppService, Token: secret.New(token)}, "WEBSITE_AUTH_ENABLED is not True"},
		{"appservice without a token", console.Auth{Mode: console.AuthAppService, AppServiceAuthEnabled: true}, "VENDORFLOW_ADMIN_TOKEN is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.auth)
			for _, path := range []string{"/api/console/requests", "/api/console/signin"} {
				r := f.do(http.MethodGet, path, nil, append([]string{"x-functions-key", token}, PrincipalHeaders...)...)
				if r.code != http.StatusServiceUnavailable || !strings.Contains(r.body, tt.want) {
					t.Errorf("GET %s: %d, want 503 naming the setting (%q):\n%s", path, r.code, tt.want, r.body)
				}
			}
			r := f.do(http.MethodPost, "/api/console/signin", url.Values{"token": {token}})
			if r.code != http.StatusServiceUnavailable || sessionCookie(r) != nil {
				t.Errorf("sign-in: %d, cookie %v; want 503 and none", r.code, sessionCookie(r))
			}
		})
	}
}

// PrincipalHeaders are what App Service authentication sets for a
// signed-in operator.
var PrincipalHeaders = []string{console.PrincipalNameHeader, "oncall@ABC.com", console.PrincipalIDHeader, "00000000-0000-0000-0000-0000000000aa"}

func TestAppServiceMode(t *testing.T) {
	f := newFixture(t, console.Auth{Mode: console.AuthAppService, Token: secret.New(token), AppServiceAuthEnabled: true})
	r := f.do(http.MethodGet, "/api/console/requests", nil, PrincipalHeaders...)
	if r.code != http.StatusOK || !strings.Contains(r.body, "oncall@ABC.com") {
		t.Fatalf("with the principal headers: %d:\n%s", r.code, r.body)
	}
	for _, h := range [][]string{nil, PrincipalHeaders[:2], {"x-functions-key", token}} {
		if r := f.do(http.MethodGet, "/api/console/requests", nil, h...); r.code != http.StatusUnauthorized {
			t.Errorf("headers %v: %d, want 401", h, r.code)
		}
	}
	if r := f.do(http.MethodPost, "/api/console/signin", url.Values{"token": {token}}); sessionCookie(r) != nil {
		t.Error("the token signs in in App Service mode")
	}
	csrf := csrfOf(t, f.do(http.MethodGet, "/api/console/deadletters", nil, PrincipalHeaders...).body)
	other := []string{console.PrincipalNameHeader, "mallory@ABC.com", console.PrincipalIDHeader, "00000000-0000-0000-0000-0000000000bb"}
	if r := f.do(http.MethodPost, "/api/console/deadletters/replay", url.Values{"csrf": {csrf}, "id": {parkedID}}, other...); r.code != http.StatusForbidden {
		t.Errorf("another principal with this one's CSRF token: %d, want 403", r.code)
	}
	if r := f.do(http.MethodPost, "/api/console/deadletters/replay", url.Values{"csrf": {csrf}, "id": {parkedID}}, PrincipalHeaders...); r.code != http.StatusSeeOther {
		t.Errorf("the principal's own replay: %d, want 303", r.code)
	}
	if r := f.do(http.MethodPost, "/api/console/signout", url.Values{"csrf": {csrf}}, PrincipalHeaders...); r.header.Get("Location") != "/.auth/logout" {
		t.Errorf("sign out in App Service mode goes to %q, want /.auth/logout", r.header.Get("Location"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
	}
	for _, tt := range []struct {
		method, path string
		cookie       bool
	}{
		{"GET", "/api/console/requests", true},
		{"GET", "/api/console/requests", false},
		{"GET", "/api/console/signin", false},
		{"GET", "/api/console/static/console.css", false},
		{"GET", "/api/console/static/console.js", false},
		{"GET", "/api/console/nowhere", true},
		{"GET", "/api/elsewhere", true},
		{"POST", "/api/console/deadletters/replay", true},
		{"POST", "/api/console/signin", false},
	} {
		var h []string
		if tt.cookie {
			h = []string{"Cookie", ck}
		}
		r := f.do(tt.method, tt.path, url.Values{}, h...)
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", tt.method, tt.path, k, got, v)
			}
		}
	}
	for file, ctype := range map[string]string{"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"} {
		r := f.do(http.MethodGet, "/api/console/static/"+file, nil)
		if r.code != http.StatusOK || r.header.Get("Content-Type") != ctype || len(r.body) < 100 {
			t.Errorf("%s: %d %q, %d bytes", file, r.code, r.header.Get("Content-Type"), len(r.body))
		}
	}
	if r := f.do(http.MethodGet, "/api/console/static/../console.go", nil); r.code == http.StatusOK {
		t.Errorf("a path outside the static files: %d", r.code)
	}
	// HSTS over https only (plain http on loopback must stay usable)
	if r := f.do(http.MethodGet, "/api/console/signin", nil); r.header.Get("Strict-Transport-Security") != "" {
		t.Errorf("over http: Strict-Transport-Security %q", r.header.Get("Strict-Transport-Security"))
	}
	if r := f.do(http.MethodGet, "/api/console/signin", nil, "X-Forwarded-Proto", "https"); r.header.Get("Strict-Transport-Security") != "max-age=31536000" {
		t.Errorf("over https: Strict-Transport-Security %q", r.header.Get("Strict-Transport-Security"))
	}
}

// No page shows the admin token, the session, or the keys derived from
// the token; the CSRF token is the only value from them a page holds.
func TestNoSecretInPages(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	session := strings.TrimPrefix(ck, console.CookieName+"=")
	var secrets []string
	for _, purpose := range []string{"session", "csrf"} {
		m := hmac.New(sha256.New, []byte(token))
		m.Write([]byte("vendorflow console " + purpose + " v1"))
		key := m.Sum(nil)
		secrets = append(secrets, hex.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key), base64.StdEncoding.EncodeToString(key))
	}
	secrets = append(secrets, token, session, "cred-id-77")
	csrf := csrfOf(t, f.get(ck, "/api/console/requests").body)
	var pages []response
	for _, p := range []string{"/api/console/requests", "/api/console/requests/" + parkedID, "/api/console/requests/" + doneID,
		"/api/console/deadletters", "/api/console/deadletters/" + parkedID, "/api/console/accounts", "/api/console/expiry",
		"/api/console/reach?a=ada%40vendor1.com&b=expert1%40ABC.com", "/api/console/nowhere"} {
		pages = append(pages, f.get(ck, p))
	}
	pages = append(pages,
		f.do(http.MethodPost, "/api/console/signin", url.Values{"token": {token + "x"}}),
		f.do(http.MethodGet, "/api/console/signin", nil),
		f.do(http.MethodPost, "/api/console/deadletters/purge", url.Values{"csrf": {csrf}, "all": {"1"}}, "Cookie", ck),
		f.do(http.MethodPost, "/api/console/deadletters/replay", url.Values{"csrf": {"wrong"}, "id": {parkedID}}, "Cookie", ck))
	for i, p := range pages {
		for _, s := range secrets {
			if strings.Contains(p.body, s) {
				t.Errorf("page %d (HTTP %d) contains a secret (%.6s…)", i, p.code, s)
			}
		}
	}
}
