package handler

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/funchost"
)

// stubConsole answers as the console does: a sign-in POST sets a cookie
// and redirects; a GET echoes what reached it.
type stubConsole struct{ got []*http.Request }

func (s *stubConsole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.got = append(s.got, r)
	w.Header().Set("Content-Security-Policy", "default-src 'self'")
	if r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		http.SetCookie(w, &http.Cookie{Name: "vendorflow_console", Value: "1.2.3.4", Path: "/api/console", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.Header().Set("X-Form", string(b))
		http.Redirect(w, r, "/api/console/requests", http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Add("Vary", "Cookie")
	w.Header().Add("Vary", "Accept")
	io.WriteString(w, "<p>"+r.URL.Path+" "+r.URL.RawQuery+" "+r.Header.Get("Cookie")+" "+r.Host+"</p>")
}

// The console function through the host's envelope: the request reaches
// the console as the browser sent it, and its answer (status, headers,
// the one cookie, the HTML body) is the http output.
func TestConsoleFunction(t *testing.T) {
	stub := &stubConsole{}
	r := newRig(t, func(c *Config) { c.Console = stub })
	tests := []struct {
		name    string
		req     funchost.HTTPRequest
		status  int
		headers map[string]string
		body    string
	}{
		{
			name: "sign-in POST sets the cookie",
			req: funchost.HTTPRequest{Method: "POST", URL: "https://app.example/api/console/signin",
				Headers: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte("token=abc&next=%2Frequests")},
			status: http.StatusSeeOther,
			headers: map[string]string{
				"Content-Security-Policy": "default-src 'self'",
				"Location":                "/api/console/requests",
				"Set-Cookie":              "vendorflow_console=1.2.3.4; Path=/api/console; HttpOnly; SameSite=Strict",
				"X-Form":                  "token=abc&next=%2Frequests",
			},
			body: "",
		},
		{
			name: "GET with the cookie and a query",
			req: funchost.HTTPRequest{Method: "GET", URL: "https://app.example/api/console/requests/po%2F1?state=parked",
				Headers: map[string][]string{"Cookie": {"vendorflow_console=1.2.3.4"}}, Query: map[string]string{"state": "parked"}},
			status: http.StatusOK,
			headers: map[string]string{
				"Content-Security-Policy": "default-src 'self'",
				"Content-Type":            "text/html; charset=utf-8",
				"Vary":                    "Cookie, Accept",
			},
			body: "<p>/api/console/requests/po/1 state=parked vendorflow_console=1.2.3.4 app.example</p>",
		},
		{
			name:    "the host's Query when the URL has none",
			req:     funchost.HTTPRequest{Method: "GET", URL: "http://127.0.0.1:7071/api/console/accounts", Query: map[string]string{"vendor": "Vendor1"}},
			status:  http.StatusOK,
			headers: map[string]string{"Content-Security-Policy": "default-src 'self'", "Content-Type": "text/html; charset=utf-8", "Vary": "Cookie, Accept"},
			body:    "<p>/api/console/accounts vendor=Vendor1  127.0.0.1:7071</p>",
		},
		{
			name:    "no URL",
			req:     funchost.HTTPRequest{Method: "GET"},
			status:  http.StatusBadRequest,
			headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			body:    "the invocation's Url \"\" is not a URL\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := funchost.EncodeHTTP("req", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			status, ctype, resp := r.invoke(t, "console", env)
			if status != http.StatusOK || ctype != "application/json" {
				t.Fatalf("invocation: %d %q, logs %v", status, ctype, resp.Logs)
			}
			out, err := funchost.ParseHTTPOutput(resp.Outputs["res"])
			if err != nil {
				t.Fatal(err)
			}
			if out.StatusCode != tt.status {
				t.Errorf("status %d, want %d", out.StatusCode, tt.status)
			}
			if diff := cmp.Diff(tt.headers, out.Headers); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if out.Body != tt.body {
				t.Errorf("body %q, want %q", out.Body, tt.body)
			}
		})
	}
	if !strings.Contains(r.logs.String(), `"msg":"console answered"`) || strings.Contains(r.logs.String(), "token=abc") {
		t.Errorf("the log should name each answer and never the form:\n%s", r.logs.String())
	}

	// without a console the function answers 404
	bare := newRig(t)
	env, _ := funchost.EncodeHTTP("req", funchost.HTTPRequest{Method: "GET", URL: "http://localhost/api/console/requests"})
	_, _, resp := bare.invoke(t, "console", env)
	if out, err := funchost.ParseHTTPOutput(resp.Outputs["res"]); err != nil || out.StatusCode != http.StatusNotFound {
		t.Errorf("without a console: %+v, %v; want 404", out, err)
	}
}
