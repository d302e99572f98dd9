package console_test

import (
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
