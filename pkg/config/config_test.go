package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestSampleIsTheDemoTenant(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tenant.Domain != "ABC.com" || len(c.Tenant.Vendors) != 3 || c.Tenant.Sender != "vendorflow@ABC.com" {
		t.Fatalf("sample tenant = %+v", c.Tenant)
	}
	if got := time.Duration(c.Tenant.Credentials.TAPLifetime); got != 8*time.Hour {
		t.Fatalf("tapLifetime = %v", got)
	}
	if c, _ := c.Tenant.Vendor("Contractor"); c.Kind != domain.VendorContractor {
		t.Fatalf("contractor kind = %q", c.Kind)
	}
}

func TestEnvOverrides(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"VENDORFLOW_TENANT_DOMAIN":         "contoso.com",
		"VENDORFLOW_SENDER":                "robot@contoso.com",
		"VENDORFLOW_GRAPH_BASE_URL":        "http://127.0.0.1:9999/v1.0",
		"AZURE_CLIENT_SECRET":              "s3cr3t-value",
		"VENDORFLOW_JOURNAL_PATH":          "/tmp/j.db",
		"VENDORFLOW_LEASE_TTL":             "5s",
		"VENDORFLOW_GRAPH_WRITE_QUOTA":     "300",
		"VENDORFLOW_GRAPH_WRITE_WINDOW":    "15s",
		"VENDORFLOW_GRAPH_WRITE_SHARE":     "0.95",
		"VENDORFLOW_RETRY_BASE":            "2s",
		"VENDORFLOW_RETRY_MAX":             "10s",
		"VENDORFLOW_GRAPH_ATTEMPT_TIMEOUT": "3s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tenant.Domain != "contoso.com" || c.Journal.Path != "/tmp/j.db" || !c.Graph.UsesEmulator() || time.Duration(c.Journal.LeaseTTL) != 5*time.Second {
		t.Fatalf("overrides not applied: %+v", c)
	}
	if g := c.Graph; g.WriteLimit() != 285 || time.Duration(g.WriteWindow) != 15*time.Second {
		t.Fatalf("write budget %d per %v, want 285 per 15s", g.WriteLimit(), time.Duration(g.WriteWindow))
	}
	if q := c.Queue; time.Duration(q.RetryBase) != 2*time.Second || time.Duration(q.RetryMax) != 10*time.Second {
		t.Fatalf("reschedule delays %v to %v, want 2s to 10s", time.Duration(q.RetryBase), time.Duration(q.RetryMax))
	}
	if time.Duration(c.Graph.AttemptTimeout) != 3*time.Second {
		t.Fatalf("graph attempt timeout %v, want 3s", time.Duration(c.Graph.AttemptTimeout))
	}
	if c.Graph.ClientSecret.Reveal() != "s3cr3t-value" {
		t.Fatal("client secret not read from the environment")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		path string
		env  map[string]string
		want string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), nil, "does not exist"},
		{"unknown key", write("u.yaml", "tenant:\n  domian: x.com\n"), nil, `unknown field "domian"`},
		{"invalid tenant", write("i.yaml", "tenant:\n  domain: not a domain\n"), nil, "domain: must be a DNS domain"},
		{"plain http to a real host", "", map[string]string{"VENDORFLOW_GRAPH_BASE_URL": "http://graph.example.com/v1.0"}, "graph.baseUrl (VENDORFLOW_GRAPH_BASE_URL) \"http://graph.example.com/v1.0\": plain http is allowed only"},
		{"a connection string for a namespace", "", map[string]string{"ServiceBusConnection__fullyQualifiedNamespace": "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s3cr3t"},
			"queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace) looks like a connection string (not shown: it may hold a key)"},
		{"bad bool", "", map[string]string{"VENDORFLOW_MANAGED_IDENTITY": "maybe"}, "want true or false"},
		{"bad lease env", "", map[string]string{"VENDORFLOW_LEASE_TTL": "soon"}, `VENDORFLOW_LEASE_TTL: duration "soon"`},
		{"zero lease env", "", map[string]string{"VENDORFLOW_LEASE_TTL": "0s"}, "want a positive Go duration"},
		{"bad retry env", "", map[string]string{"VENDORFLOW_RETRY_BASE": "later"}, `VENDORFLOW_RETRY_BASE: duration "later"`},
		{"retry base above max", "", map[string]string{"VENDORFLOW_RETRY_BASE": "1m", "VENDORFLOW_RETRY_MAX": "10s"}, "the base not above the maximum"},
		{"negative lease in the file", write("l.yaml", strings.Replace(string(Sample()), "journal:\n", "journal:\n  leaseTtl: -5s\n", 1)), nil, "journal.leaseTtl -5s: want a positive duration"},
		{"bad quota env", "", map[string]string{"VENDORFLOW_GRAPH_WRITE_QUOTA": "lots"}, "want a whole number of writes"},
		{"bad share env", "", map[string]string{"VENDORFLOW_GRAPH_WRITE_SHARE": "1.5"}, "graph.writeShare 1.5: want a share"},
		{"share leaves nothing", "", map[string]string{"VENDORFLOW_GRAPH_WRITE_QUOTA": "3", "VENDORFLOW_GRAPH_WRITE_SHARE": "0.5"}, "fewer than 2 writes per window"},
		{"bad window env", "", map[string]string{"VENDORFLOW_GRAPH_WRITE_WINDOW": "-1s"}, "VENDORFLOW_GRAPH_WRITE_WINDOW"},
		{"json works too", write("c.json", `{"tenant":{"domain":"x.com"}}`), nil, "sender: must be a mailbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestEnvHelpListsEveryOverride(t *testing.T) {
	h := EnvHelp()
	for _, e := range envVars() {
		if !strings.Contains(h, e.name) {
			t.Fatalf("EnvHelp lacks %s", e.name)
		}
	}
}

func TestSetting(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"journal.path", "journal.path (VENDORFLOW_JOURNAL_PATH)"},
		{"journal.tableEndpoint", "journal.tableEndpoint (VENDORFLOW_JOURNAL_TABLE_ENDPOINT)"},
		{"graph.managedIdentity", "graph.managedIdentity (VENDORFLOW_MANAGED_IDENTITY)"},
		{"queue.serviceBusNamespace", "queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace)"},
		// "graph client secret (environment only)" names no key
		{"graph", "graph"},
		{"tenant.vendors", "tenant.vendors"},
	} {
		if got := Setting(tc.key); got != tc.want {
			t.Errorf("Setting(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

// YAML 1.1 reads unquoted on/off as booleans; both spellings work.
func TestInformationBarriersOnOff(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"off", domain.BarriersOff}, {`"off"`, domain.BarriersOff}, {"on", domain.BarriersOn}, {"false", domain.BarriersOff},
	} {
		data := strings.Replace(string(Sample()), `informationBarriers: "on"`, "informationBarriers: "+tc.yaml, 1)
		c, err := Parse([]byte(data), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.yaml, err)
		}
		if c.Tenant.InformationBarriers != tc.want {
			t.Errorf("informationBarriers: %s = %q, want %q", tc.yaml, c.Tenant.InformationBarriers, tc.want)
		}
	}
}
