package devhost

import (
	"testing"

	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

func TestConfigValidate(t *testing.T) {
	q := openQueue(t, newFakeClock(t0), 0)
	tests := []struct {
		name   string
		mutate func(*Config)
		ok     bool
	}{
		{"defaults", func(*Config) {}, true},
		{"no queue", func(c *Config) { c.Queue = nil }, false},
		{"no handler", func(c *Config) { c.HandlerURL, c.Handlers = "", nil }, false},
		{"an instance without URL", func(c *Config) { c.Handlers = append(c.Handlers, Handler{}) }, false},
		{"three instances", func(c *Config) {
			c.Handlers = []Handler{{URL: "http://127.0.0.1:1"}, {URL: "http://127.0.0.1:2"}, {URL: "http://127.0.0.1:3"}}
		}, true},
		{"bad schedule", func(c *Config) { c.TimerSchedule = "0 0 2 * *" }, false},
		{"empty queue setting", func(c *Config) { c.Settings[funcapp.SettingOnboardQueue] = "" }, false},
		{"negative concurrency", func(c *Config) { c.Concurrency = -1 }, false},
		{"unknown trigger", func(c *Config) { c.Functions = []funcapp.Function{{Name: "x", Trigger: "blobTrigger"}} }, false},
	}
	for _, tt := range tests {
		c := Config{Queue: q, HandlerURL: "http://127.0.0.1:1"}
		c.SetDefaults()
		tt.mutate(&c)
		if err := c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if _, err := NewQueueBus(q, funcapp.Queues{Onboard: "a", Offboard: "a", Parked: "p"}); err == nil {
		t.Error("NewQueueBus accepted clashing queue names")
	}
}
