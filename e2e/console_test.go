package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// The ops console in a real browser: headless Chromium (Debian's package,
// which .ci/run installs) driven over the DevTools protocol. An operator
// signs in, finds on the requests page the onboarding parked for want of a
// seat, opens it, goes to its parked message, replays it once a seat has
// been bought, and watches the request page until it says done. Each step
// leaves a screenshot in the artefact directory (newShooter), and no page
// shows a secret.
func TestConsoleReplayInBrowser(t *testing.T) {
	browser := chromiumPath(t)
	// one seat of Remote Assist and of the barrier licence: the second
	// onboarding parks for want of a seat
	s := startStack(t, stackOptions{simArgs: []string{"--seats", "1"}})
	shots := newShooter(t)

	first, second := person{vendor: "Vendor1", local: "console_one"}, person{vendor: "Vendor2", local: "console_two"}
	const doneID, parkedID = "e2e-console-first", "e2e-console-second"
	// one after the other, so that which of them gets the seat is decided
	s.enqueue(domain.KindOnboard, doneID, onboardRequest(doneID, first, inQuarter()))
	s.waitStatus(doneID, domain.RequestDone, 30*time.Second)
	s.enqueue(domain.KindOnboard, parkedID, onboardRequest(parkedID, second, inQuarter()))
	st := s.waitStatus(parkedID, domain.RequestParked, 30*time.Second)
	if st.Request.ReasonCode != domain.Business {
		t.Fatalf("the second onboarding parked with %q (%s), want business: no free seat", st.Request.ReasonCode, st.Request.Reason)
	}
	msgID := s.parkedMessageOf(parkedID)

	ctx := newBrowser(t, browser)
	console := s.frontDoor + "/api/console"

	// Sign in through the form.
	step(t, ctx, "open the sign-in page", chromedp.Navigate(console+"/signin"), chromedp.WaitVisible(chromedp.CSS("#token")))
	shots.take(ctx, "signin")
	step(t, ctx, "sign in with the admin token",
		chromedp.SetValue(chromedp.CSS("#token"), adminToken),
		chromedp.Click(chromedp.CSS("#signin")))
	waitLocation(t, ctx, console+"/requests")
	session := sessionCookie(t, ctx, s.frontDoor+"/api/console/requests")

	// The dead letters list the parked message.
	step(t, ctx, "load the dead letters", chromedp.Navigate(console+"/deadletters"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`main a[href$="/deadletters/%s"]`, url.PathEscape(msgID)))))
	shots.take(ctx, "deadletters")

	// The requests page lists both; open the parked one by its link.
	step(t, ctx, "load the requests page", chromedp.Navigate(console+"/requests"))
	parkedLink := chromedp.CSS(fmt.Sprintf(`a[data-request=%q]`, parkedID))
	step(t, ctx, "see both requests",
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[data-request=%q]`, doneID))),
		chromedp.WaitVisible(parkedLink))
	shots.take(ctx, "requests")
	step(t, ctx, "open the parked request", chromedp.Click(parkedLink))
	requestPage := console + "/requests/" + parkedID
	waitLocation(t, ctx, requestPage)
	if got := statusOnPage(t, ctx); got != string(domain.RequestParked) {
		t.Fatalf("the request page shows status %q, want parked", got)
	}
	shots.take(ctx, "request-parked")

	// Buy a seat of each licence the account takes.
	s.simDo(http.MethodPut, "seats", map[string]int{tenantsim.PartRemoteAssist: 2, tenantsim.PartMicrosoft365E5Compliance: 2}, nil)

	// From the request page to its parked message, and replay it.
	step(t, ctx, "open the parked message from the request page",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[data-deadletter=%q]`, msgID))))
	waitLocation(t, ctx, console+"/deadletters/"+url.PathEscape(msgID))
	step(t, ctx, "see the replay button", chromedp.WaitVisible(chromedp.CSS("#replay")))
	shots.take(ctx, "deadletter")
	step(t, ctx, "replay", chromedp.Click(chromedp.CSS("#replay")))
	waitLocation(t, ctx, requestPage)
	shots.take(ctx, "replayed")

	// The request page, reloaded, reaches done.
	deadline := time.Now().Add(60 * time.Second)
	var seen []string
	for {
		got := statusOnPage(t, ctx)
		if len(seen) == 0 || seen[len(seen)-1] != got {
			seen = append(seen, got)
		}
		if got == string(domain.RequestDone) {
			break
		}
		// the replay's run ended otherwise: the page will not reach done
		if _, j, err := s.status(parkedID); err == nil && j.Request.Attempts >= 2 && j.Request.Status != domain.RequestDone && terminal(j.Request.Status) {
			shots.take(ctx, "request-not-done")
			t.Fatalf("the replayed request ended %s (%s) in run %d; the page showed %s",
				j.Request.Status, j.Request.Reason, j.Request.Attempts, strings.Join(seen, " → "))
		}
		if time.Now().After(deadline) {
			shots.take(ctx, "request-not-done")
			t.Fatalf("the request page did not reach done within 60s after the replay; it showed %s", strings.Join(seen, " → "))
		}
		time.Sleep(500 * time.Millisecond)
		step(t, ctx, "reload the request page", chromedp.Reload())
	}
	shots.take(ctx, "request-done")
	t.Logf("the request page showed %s after the replay", strings.Join(seen, " → "))

	// The accounts page lists the account.
	step(t, ctx, "open the accounts page", chromedp.Navigate(console+"/accounts"), chromedp.WaitVisible(chromedp.CSS("main table")))
	shots.take(ctx, "accounts")
	if !strings.Contains(shots.pages["accounts"], second.upn()) {
		t.Errorf("the accounts page does not list %s", second.upn())
	}

	// The expiry preview and "can A reach B": two vendors' people are
	// kept apart by the vendor-isolation preset.
	step(t, ctx, "open the expiry preview", chromedp.Navigate(console+"/expiry"), chromedp.WaitVisible(chromedp.CSS("main h2")))
	shots.take(ctx, "expiry")
	step(t, ctx, "ask whether the two can reach each other",
		chromedp.Navigate(console+"/reach?a="+url.QueryEscape(first.upn())+"&b="+url.QueryEscape(second.email())),
		chromedp.WaitVisible(chromedp.CSS("main .verdict")))
	shots.take(ctx, "reach")
	if verdict, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main .verdict strong"))); err != nil || verdict != "blocked" {
		t.Errorf("reach %s → %s: %q (%v), want blocked (Vendor1 and Vendor2 are kept apart)", first.upn(), second.email(), verdict, err)
	}

	// No page showed a secret: not the admin token, not the session, not
	// a Temporary Access Pass the emulator mailed.
	passes := append(s.mailedPasses(first), s.mailedPasses(second)...)
	if len(passes) < 2 {
		t.Fatalf("the emulator mailed %d passes to the two people, want one each", len(passes))
	}
	secrets := append([]string{adminToken, session}, passes...)
	for name, html := range shots.pages {
		for _, secret := range secrets {
			if strings.Contains(html, secret) {
				t.Errorf("the %s page shows a secret (%d characters)", name, len(secret))
			}
		}
	}
	if js, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.cookie")); err != nil || js != "" {
		t.Errorf("the page's script sees the cookies %q (%v); the session cookie must be HttpOnly", js, err)
	}

	// The journal agrees: a second run finished it, and nothing is set aside.
	st = s.waitRun(parkedID, domain.RequestDone, 2, 20*time.Second)
	if st.Request.Attempts != 2 {
		t.Errorf("the replayed request has %d runs, want 2 (the parked run and the replay)", st.Request.Attempts)
	}
	if left := s.deadLettersOf(parkedID); len(left) != 0 {
		t.Errorf("after the replay %d message(s) of %s are still set aside: %+v", len(left), parkedID, left)
	}
	if u := s.mustUser(second.upn()); !u.AccountEnabled || !hasLicense(u, tenantsim.SKURemoteAssist) {
		t.Errorf("the replayed account: %s", describeUser(u))
	}
}

// chromiumPath is Debian's Chromium. Without it the test is skipped,
// unless CI=true, where it fails: .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "Chromium is not installed (apt-get install chromium; .ci/run installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browserTimeout bounds the whole browser session; stepTimeout one step.
const (
	browserTimeout = 3 * time.Minute
	stepTimeout    = 20 * time.Second
)

// newBrowser starts headless Chromium on a fresh profile and returns a tab's
// context; t.Cleanup stops the browser. Name resolution is pinned to the
// loopback address and background services are off, so that the browser
// talks to nothing but the stack.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true), // a container's small /dev/shm crashes tabs
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelBrowser)
	// the first action starts the browser, on the context without a step's
	// timeout (which would stop the browser with the step)
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return bctx
}

// step runs actions with the step timeout; a failure ends the test with
// what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

// waitLocation waits until the tab's address, without its query, is want:
// after a click, the next page has loaded.
func waitLocation(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	var last string
	waitFor(t, stepTimeout, "the browser to be at "+want, func() (bool, string) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		loc, err := chromedp.Run(sctx, chromedp.Location())
		if err != nil {
			return false, err.Error()
		}
		last = loc
		base, _, _ := strings.Cut(loc, "?")
		return base == want, "at " + last
	})
	// and its content is there
	step(t, ctx, "wait for "+want+" to load", chromedp.WaitVisible(chromedp.CSS("main h1")))
}

// statusOnPage reads the request's status on its page (#request-status).
func statusOnPage(t *testing.T, ctx context.Context) string {
	t.Helper()
	var text string
	waitFor(t, stepTimeout, "the request page's status", func() (bool, string) {
		sctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		got, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("#request-status")))
		if err != nil {
			// the page reloads itself while the request moves
			return false, err.Error()
		}
		text = strings.TrimSpace(got)
		return text != "", "no status shown"
	})
	return text
}

// deadLetter is one item of GET /api/deadletters.
type deadLetter struct {
	Source    string `json:"source"`
	MessageID string `json:"messageId"`
	RequestID string `json:"requestId"`
}

// deadLettersOf lists the set-aside messages of a request through the
// front door's deadletters route.
func (s *stack) deadLettersOf(requestID string) []deadLetter {
	s.t.Helper()
	resp, err := s.client.Get(s.frontDoor + "/api/deadletters?requestId=" + url.QueryEscape(requestID))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET /api/deadletters: HTTP %d %s %v", resp.StatusCode, b, err)
	}
	var list struct {
		Items []deadLetter `json:"items"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		s.t.Fatalf("GET /api/deadletters: %v: %s", err, b)
	}
	return list.Items
}

// parkedMessageOf is the message id of the request's one parked message.
func (s *stack) parkedMessageOf(requestID string) string {
	s.t.Helper()
	var items []deadLetter
	waitFor(s.t, 10*time.Second, "the parked message of "+requestID, func() (bool, string) {
		items = s.deadLettersOf(requestID)
		return len(items) == 1 && items[0].Source == "parked", fmt.Sprintf("%+v", items)
	})
	return items[0].MessageID
}

// sessionCookie is the value of the console's session cookie for url,
// which must be HttpOnly, SameSite=Strict and for /api/console only.
func sessionCookie(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		t.Fatalf("read the browser's cookies: %v", err)
	}
	if len(res.Cookies) != 1 {
		t.Fatalf("after sign-in the browser holds %d cookies for %s, want the session's", len(res.Cookies), url)
	}
	c := res.Cookies[0]
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Path != "/api/console" || c.Value == "" {
		t.Errorf("session cookie %s: HttpOnly %t, SameSite %q, Path %q; want HttpOnly, Strict, /api/console", c.Name, c.HTTPOnly, c.SameSite, c.Path)
	}
	return c.Value
}

// shooter saves numbered full-page screenshots into the artefact directory,
// and keeps each page's HTML.
type shooter struct {
	t     *testing.T
	dir   string
	n     int
	pages map[string]string
}

// newShooter makes the artefact directory: $VENDORFLOW_ARTIFACTS, else
// artifacts/console/ at the module root (ignored by git), emptied first.
func newShooter(t *testing.T) *shooter {
	t.Helper()
	dir := os.Getenv("VENDORFLOW_ARTIFACTS")
	if dir == "" {
		ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
		defer cancel()
		root, err := moduleRoot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "artifacts", "console")
		// the default directory is this test's own: no screenshot of an
		// earlier run is left to be mistaken for this one's
		if err := os.RemoveAll(dir); err != nil {
			t.Fatalf("artefact directory: %v", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artefact directory: %v", err)
	}
	return &shooter{t: t, dir: dir, pages: map[string]string{}}
}

// take saves the page as NN-name.png, logs its path and keeps its HTML.
func (s *shooter) take(ctx context.Context, name string) {
	s.t.Helper()
	s.n++
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	html, err := chromedp.Run(sctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		s.t.Errorf("the HTML of %s: %v", name, err)
	}
	s.pages[name] = html
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		s.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	s.t.Logf("screenshot %s", path)
}
