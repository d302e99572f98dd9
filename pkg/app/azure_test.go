package app

import (
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/config"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestInAzure(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    bool
		wantErr bool
	}{
		{"local", nil, false, false},
		{"functions host in azure", map[string]string{"WEBSITE_INSTANCE_ID": "0a1b2c"}, true, false},
		{"explicit local wins", map[string]string{"WEBSITE_INSTANCE_ID": "0a1b2c", RuntimeSetting: "local"}, false, false},
		{"explicit azure", map[string]string{RuntimeSetting: "Azure"}, true, false},
		{"bad value", map[string]string{RuntimeSetting: "cloud"}, false, true},
	}
	for _, tt := range tests {
		got, err := InAzure(env(tt.env))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: InAzure = %v, %v; want %v (error %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCheckAzure(t *testing.T) {
	file := string(config.Sample()) // explicit, even if it names the demo tenant
	ready := map[string]string{
		config.ContentSetting:                           file,
		"VENDORFLOW_JOURNAL_TABLE_ENDPOINT":             "https://contosovf.table.core.windows.net",
		"ServiceBusConnection__fullyQualifiedNamespace": "contoso.servicebus.windows.net",
	}
	without := func(keys ...string) map[string]string {
		m := map[string]string{}
		for k, v := range ready {
			m[k] = v
		}
		for _, k := range keys {
			delete(m, k)
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string // phrases the error must contain; none = accepted
	}{
		{"ready", ready, nil},
		{"nothing", map[string]string{}, []string{"embedded demo tenant", "VENDORFLOW_JOURNAL_TABLE_ENDPOINT", "ServiceBusConnection__fullyQualifiedNamespace"}},
		{"demo tenant", without(config.ContentSetting), []string{"VENDORFLOW_CONFIG", config.ContentSetting}},
		{"sqlite journal", without("VENDORFLOW_JOURNAL_TABLE_ENDPOINT"), []string{"shared journal", "SQLite var/journal.db"}},
		{"no namespace", without("ServiceBusConnection__fullyQualifiedNamespace"), []string{"ServiceBusConnection__fullyQualifiedNamespace"}},
		{"emulator", func() map[string]string {
			m := without()
			m["VENDORFLOW_GRAPH_BASE_URL"] = "http://127.0.0.1:8089/v1.0"
			return m
		}(), []string{"emulator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load("", env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			err = CheckAzure(cfg)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %q:\n%v", w, err)
				}
			}
		})
	}
}
