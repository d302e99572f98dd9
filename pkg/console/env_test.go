package console_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/console"
)

func TestAuthFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		mode    console.AuthMode
		token   string
		enabled bool
	}{
		{"nothing set", nil, "", "", false},
		{"token", map[string]string{console.EnvAdminToken: token}, "", token, false},
		{"appservice, any case", map[string]string{console.EnvAuth: " AppService ", console.EnvAppServiceAuth: "True"}, console.AuthAppService, "", true},
		{"App Service authentication off", map[string]string{console.EnvAuth: "appservice", console.EnvAppServiceAuth: "False"}, console.AuthAppService, "", false},
		{"a mode kept as given, for the 503 to name", map[string]string{console.EnvAuth: "magic"}, "magic", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := console.AuthFromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if a.Mode != tt.mode || a.Token.Reveal() != tt.token || a.AppServiceAuthEnabled != tt.enabled {
				t.Errorf("AuthFromEnv = mode %q, token %t, enabled %v; want %q, %t, %v", a.Mode, !a.Token.IsZero(), a.AppServiceAuthEnabled, tt.mode, tt.token != "", tt.enabled)
			}
		})
	}
}

func TestNewNeedsItsDependencies(t *testing.T) {
	_, err := console.New(console.Config{BasePath: "/"})
	for _, want := range []string{"Journal is required", "DeadLetters is required", "Sweep is required", "Reach is required", "BasePath must not be the root"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New without dependencies: %v; want it to say %q", err, want)
		}
	}
}

// A store that cannot be read: the list answers 500 without the error's
// detail (it is logged), and the request page still shows the request,
// saying the messages could not be read.
func TestStoreDown(t *testing.T) {
	f := newFixture(t, console.Auth{})
	ck := f.signIn()
	f.store.err = errors.New("queue: database is locked at /var/secret/path")
	r := f.get(ck, "/api/console/deadletters")
	if r.code != http.StatusInternalServerError || strings.Contains(r.body, "/var/secret/path") || !strings.Contains(r.body, "console: request failed") {
		t.Errorf("list with the store down: %d:\n%s", r.code, r.body)
	}
	r = f.get(ck, "/api/console/requests/"+parkedID)
	if r.code != http.StatusOK || !strings.Contains(r.body, "could not be read just now") || !strings.Contains(r.body, "no free seat") {
		t.Errorf("request page with the store down: %d:\n%s", r.code, r.body)
	}
}
