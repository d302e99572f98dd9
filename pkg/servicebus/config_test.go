package servicebus

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vendorflow/vendorflow/pkg/clock"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// fakeCredential never hands out a token; nothing in these tests connects.
type fakeCredential struct{}

func (fakeCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("fake credential: no token")
}

func TestConfigValidate(t *testing.T) {
	const key = "c2VjcmV0LWtleS12YWx1ZQ=="
	valid := func(edit func(*Config)) Config {
		c := Config{Namespace: "contoso.servicebus.windows.net", Credential: fakeCredential{}}
		c.SetDefaults()
		if edit != nil {
			edit(&c)
		}
		return c
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // "" = valid
	}{
		{"valid", valid(nil), ""},
		{"sovereign cloud", valid(func(c *Config) { c.Namespace = "contoso.servicebus.usgovcloudapi.net" }), ""},
		{"no namespace", valid(func(c *Config) { c.Namespace = "" }), "fully qualified namespace is required"},
		{"connection string", valid(func(c *Config) {
			c.Namespace = "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=" + key
		}), "looks like a connection string"},
		{"scheme", valid(func(c *Config) { c.Namespace = "sb://contoso.servicebus.windows.net" }), "without scheme"},
		{"port", valid(func(c *Config) { c.Namespace = "contoso.servicebus.windows.net:5671" }), "without scheme, port"},
		{"bare name", valid(func(c *Config) { c.Namespace = "contoso" }), "not fully qualified"},
		{"empty label", valid(func(c *Config) { c.Namespace = "contoso..windows.net" }), "malformed label"},
		{"bad character", valid(func(c *Config) { c.Namespace = "con toso.servicebus.windows.net" }), "not allowed"},
		{"no credential", valid(func(c *Config) { c.Credential = nil }), "credential is required"},
		{"clashing queues", valid(func(c *Config) { c.Queues.Parked = c.Queues.Onboard }), "must differ"},
		{"MaxReplay", valid(func(c *Config) { c.MaxReplay = -1 }), "MaxReplay"},
		{"MaxList", valid(func(c *Config) { c.MaxList = -1 }), "MaxList"},
		{"PageSize too big", valid(func(c *Config) { c.PageSize = 5001 }), "PageSize"},
		{"ReceiveWait", valid(func(c *Config) { c.ReceiveWait = -time.Second }), "ReceiveWait"},
		{"BatchSize negative", valid(func(c *Config) { c.BatchSize = -1 }), "BatchSize"},
		{"BatchSize too big", valid(func(c *Config) { c.BatchSize = 5001 }), "BatchSize"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("the error echoes the shared access key: %v", err)
			}
		})
	}
}

func TestConfigSetDefaults(t *testing.T) {
	var c Config
	c.SetDefaults()
	want := Config{
		Queues:      funcapp.QueuesFrom(nil),
		MaxReplay:   1000,
		BatchSize:   50,
		MaxList:     5000,
		PageSize:    100,
		ReceiveWait: 5 * time.Second,
		Clock:       clock.Real{},
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreFields(Config{}, "Logger")); diff != "" {
		t.Errorf("SetDefaults (-want +got):\n%s", diff)
	}
	if c.Logger == nil {
		t.Error("SetDefaults left Logger nil")
	}
	kept := Config{Queues: funcapp.Queues{Onboard: "a"}, MaxReplay: 7, Logger: slog.Default()}
	kept.SetDefaults()
	if kept.Queues.Onboard != "a" || kept.MaxReplay != 7 || kept.Logger != slog.Default() {
		t.Errorf("SetDefaults overwrote set fields: %+v", kept)
	}
}

// TestNewOffline builds a Bus on the real SDK client: New must not touch the
// network (the SDK attaches links on first use), and Close must release it.
func TestNewOffline(t *testing.T) {
	ctx := context.Background()
	if _, err := New(ctx, Config{Namespace: "contoso", Credential: fakeCredential{}}); err == nil {
		t.Fatal("New accepted an invalid namespace")
	}
	b, err := New(ctx, Config{Namespace: "contoso.servicebus.windows.net", Credential: fakeCredential{}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if diff := cmp.Diff(testQueues, b.Queues()); diff != "" {
		t.Errorf("Queues (-want +got):\n%s", diff)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := b.Close(cctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}
