package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestConfigSetDefaults(t *testing.T) {
	c := Config{Path: "x.db"}
	c.SetDefaults()
	want := Config{
		Path:                     "x.db",
		LockDuration:             60 * time.Second,
		MaxDeliveryCount:         10,
		DuplicateDetectionWindow: 10 * time.Minute,
		DefaultTTL:               14 * 24 * time.Hour,
		MaxMessageSize:           256 * 1024,
		BusyTimeout:              5 * time.Second,
	}
	if diff := cmp.Diff(want, c, cmpopts.IgnoreFields(Config{}, "Clock", "Logger")); diff != "" {
		t.Errorf("SetDefaults (-want +got):\n%s", diff)
	}
	if c.Clock == nil || c.Logger == nil {
		t.Errorf("SetDefaults left Clock or Logger nil")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate after SetDefaults: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"empty path", func(c *Config) { c.Path = "" }},
		{"question mark in path", func(c *Config) { c.Path = "a.db?mode=ro" }},
		{"negative lock duration", func(c *Config) { c.LockDuration = -time.Second }},
		{"lock duration above 5 min", func(c *Config) { c.LockDuration = 5*time.Minute + time.Second }},
		{"negative max delivery count", func(c *Config) { c.MaxDeliveryCount = -1 }},
		{"negative duplicate window", func(c *Config) { c.DuplicateDetectionWindow = -time.Minute }},
		{"negative ttl", func(c *Config) { c.DefaultTTL = -time.Minute }},
		{"negative max message size", func(c *Config) { c.MaxMessageSize = -1 }},
		{"busy timeout below 1ms", func(c *Config) { c.BusyTimeout = time.Microsecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Path: "x.db"}
			tt.mod(&c)
			c.SetDefaults()
			if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Validate = %v, want ErrInvalidConfig", err)
			}
			if _, err := Open(context.Background(), c); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Open = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestOpenMemory(t *testing.T) {
	q := openCfg(t, Config{Path: ":memory:", Clock: newFakeClock()})
	mustSend(t, q, "onboard", Message{MessageID: "a", Body: []byte("x")})
	if got := mustReceiveOne(t, q, "onboard"); got.MessageID != "a" {
		t.Errorf("MessageID = %q, want a", got.MessageID)
	}
}

func TestOpenCreatesMissingDirectory(t *testing.T) {
	q, err := Open(context.Background(), Config{Path: t.TempDir() + "/no/such/dir/q.db"})
	if err != nil {
		t.Fatalf("Open in a missing directory: %v", err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}
