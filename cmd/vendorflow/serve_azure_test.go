package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/config"
)

// In an Azure-like environment (the Functions host sets WEBSITE_INSTANCE_ID)
// serve refuses what is unsafe on many instances before it opens anything,
// naming each setting to add; the embedded demo tenant is never used.
func TestServeRefusesUnsafeAzureStart(t *testing.T) {
	dir := t.TempDir()
	journalPath := filepath.Join(dir, "var", "journal.db")
	queuePath := filepath.Join(dir, "var", "queue.db")
	base := map[string]string{
		"WEBSITE_INSTANCE_ID":          "5f0e1d2c3b4a",
		"FUNCTIONS_CUSTOMHANDLER_PORT": "0",
		"VENDORFLOW_JOURNAL_PATH":      journalPath,
		"VENDORFLOW_QUEUE_PATH":        queuePath,
	}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"no configuration", base, []string{"embedded demo tenant", "VENDORFLOW_JOURNAL_TABLE_ENDPOINT", "ServiceBusConnection__fullyQualifiedNamespace"}},
		{"explicit configuration, SQLite journal", with(map[string]string{
			config.ContentSetting:                           string(config.Sample()),
			"ServiceBusConnection__fullyQualifiedNamespace": "contoso.servicebus.windows.net",
		}), []string{"shared journal", "VENDORFLOW_JOURNAL_TABLE_ENDPOINT", "SQLite " + journalPath}},
		{"explicit runtime setting", with(map[string]string{"WEBSITE_INSTANCE_ID": "", "VENDORFLOW_RUNTIME": "azure"}),
			[]string{"embedded demo tenant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := run(t, tt.env, "serve")
			if err == nil {
				t.Fatal("serve started")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %q:\n%v", w, err)
				}
			}
			for _, p := range []string{journalPath, queuePath} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("a refused serve created %s", p)
				}
			}
		})
	}
}
