package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noIdentityFix is what every command says when something needs the app's
// identity and none is configured.
const noIdentityFix = "no identity is configured: set graph.managedIdentity (VENDORFLOW_MANAGED_IDENTITY) to true for the managed identity, " +
	"or graph.tenantId (AZURE_TENANT_ID) and graph.clientId (AZURE_CLIENT_ID) with AZURE_CLIENT_SECRET (environment only) " +
	"or graph.certificatePath (AZURE_CLIENT_CERTIFICATE_PATH)"

// TestMissingSettingsAreNamed: on every path an operator command takes to
// the journal, the bus, Graph and the configuration, a missing or wrong
// setting is refused before any network I/O, naming the setting (its key
// and environment variable) and what to set; never echoing a secret.
func TestMissingSettingsAreNamed(t *testing.T) {
	dir := t.TempDir()
	journalPath := filepath.Join(dir, "journal.db")
	// local is the environment of a local run that creates nothing the
	// test does not expect.
	local := func(more map[string]string) map[string]string {
		env := map[string]string{"VENDORFLOW_JOURNAL_PATH": journalPath, "VENDORFLOW_QUEUE_PATH": filepath.Join(dir, "queue.db")}
		for k, v := range more {
			env[k] = v
		}
		return env
	}
	const (
		endpoint  = "https://contosovf.table.core.windows.net"
		namespace = "contoso.servicebus.windows.net"
		secret    = "s3cr3t-value"
		azurite   = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + secret + ";TableEndpoint=http://127.0.0.1:10102/devstoreaccount1;"
	)
	missingConfig := filepath.Join(dir, "nope.yaml")
	request := writeFile(t, "req.json", validOnboard)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		exit int
		want string
	}{
		// the Table journal (requests, accounts, status read it)
		{"a Table journal without an identity", local(map[string]string{"VENDORFLOW_JOURNAL_TABLE_ENDPOINT": endpoint}),
			[]string{"requests", "list"}, 2,
			"the journal on Table Storage " + endpoint + ", from journal.tableEndpoint (VENDORFLOW_JOURNAL_TABLE_ENDPOINT), needs the app's identity: " + noIdentityFix},
		{"a Table journal with two identities", local(map[string]string{"VENDORFLOW_JOURNAL_TABLE_ENDPOINT": endpoint,
			"VENDORFLOW_MANAGED_IDENTITY": "true", "AZURE_CLIENT_SECRET": secret}),
			[]string{"accounts", "list"}, 2,
			"more than one identity is configured (graph.managedIdentity (VENDORFLOW_MANAGED_IDENTITY), AZURE_CLIENT_SECRET (environment only)): keep exactly one"},
		{"a Table journal over plain http", local(map[string]string{"VENDORFLOW_JOURNAL_TABLE_ENDPOINT": "http://contosovf.table.core.windows.net",
			"VENDORFLOW_MANAGED_IDENTITY": "true"}),
			[]string{"status", "req-1"}, 2,
			`the journal's settings (journal.tableEndpoint (VENDORFLOW_JOURNAL_TABLE_ENDPOINT)="http://contosovf.table.core.windows.net"): tables: endpoint "http://contosovf.table.core.windows.net" must be an https URL`},
		{"a Table journal with a bad prefix", local(map[string]string{"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING": azurite,
			"VENDORFLOW_JOURNAL_TABLE_PREFIX": "1-bad"}),
			[]string{"requests", "list"}, 2,
			`the journal's settings (VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING (environment only), journal.tablePrefix (VENDORFLOW_JOURNAL_TABLE_PREFIX)="1-bad"): tables: prefix "1-bad" must be 1 to 40 letters and digits`},
		{"an unusable Table connection string", local(map[string]string{"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING": "AccountKey=" + secret}),
			[]string{"accounts", "history", "x_SA@ABC.com"}, 2,
			"the journal's settings (VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING (environment only)): tables: the connection string is not usable"},
		{"a Table endpoint and a connection string", local(map[string]string{"VENDORFLOW_JOURNAL_TABLE_ENDPOINT": endpoint,
			"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING": azurite}),
			[]string{"requests", "list"}, 2,
			"journal: set journal.tableEndpoint or VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING, not both"},
		// the SQLite journal
		{"no journal file", local(nil), []string{"requests", "list"}, 4,
			"no journal at " + journalPath + ": set journal.path (VENDORFLOW_JOURNAL_PATH) to the journal that vendorflow dev or process writes, " +
				"or journal.tableEndpoint (VENDORFLOW_JOURNAL_TABLE_ENDPOINT) to the shared journal in Azure"},
		// Service Bus (deadletters, enqueue, serve)
		{"Service Bus without an identity", local(map[string]string{"ServiceBusConnection__fullyQualifiedNamespace": namespace}),
			[]string{"deadletters", "list"}, 2,
			"service bus " + namespace + ", from queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace), needs the app's identity: " + noIdentityFix},
		{"Service Bus with a secret but no tenant", local(map[string]string{"ServiceBusConnection__fullyQualifiedNamespace": namespace,
			"AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000002", "AZURE_CLIENT_SECRET": secret}),
			[]string{"deadletters", "replay", "--all"}, 2,
			"needs the app's identity: AZURE_CLIENT_SECRET (environment only) needs the app registration's ids: set graph.tenantId (AZURE_TENANT_ID)"},
		{"a Service Bus namespace that is no host", local(map[string]string{"ServiceBusConnection__fullyQualifiedNamespace": "contoso",
			"VENDORFLOW_MANAGED_IDENTITY": "true"}),
			[]string{"deadletters", "list"}, 2,
			`the Service Bus settings (queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace); queues queue.onboardQueue (OnboardQueue), queue.offboardQueue (OffboardQueue), queue.parkingQueue (ParkingQueue)): servicebus: namespace "contoso"`},
		{"a connection string for a namespace", local(map[string]string{
			"ServiceBusConnection__fullyQualifiedNamespace": "Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=" + secret}),
			[]string{"deadletters", "list"}, 2,
			"queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace) looks like a connection string (not shown: it may hold a key)"},
		// the embedded queue: inspecting it never creates it; sending does
		{"no queue file", local(nil), []string{"deadletters", "list"}, 4,
			"no queue at " + filepath.Join(dir, "queue.db") + ": set queue.path (VENDORFLOW_QUEUE_PATH) to the queue that vendorflow dev and enqueue use, " +
				"or queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace) to the Service Bus namespace in Azure"},
		{"a queue path under a file", map[string]string{"VENDORFLOW_QUEUE_PATH": "/dev/null/queue.db"},
			[]string{"deadletters", "show", "m-1"}, 2,
			"the queue at /dev/null/queue.db (queue.path (VENDORFLOW_QUEUE_PATH)): stat /dev/null/queue.db: not a directory"},
		{"a queue path that cannot be made", map[string]string{"VENDORFLOW_QUEUE_PATH": "/dev/null/queue.db"},
			[]string{"enqueue", "onboard", request}, 2,
			"the queue's directory (queue.path (VENDORFLOW_QUEUE_PATH)): mkdir /dev/null: not a directory"},
		// Graph (process, reconcile, barriers check)
		{"Microsoft Graph without an identity", local(nil), []string{"reconcile", "--dry-run"}, 2,
			"Microsoft Graph (https://graph.microsoft.com/v1.0) needs the app's identity: " + noIdentityFix +
				"; or, for a dry run, set graph.baseUrl (VENDORFLOW_GRAPH_BASE_URL) to the emulator's address"},
		{"Graph with a certificate that is not there", local(map[string]string{"VENDORFLOW_GRAPH_BASE_URL": "https://graph.contoso.test/v1.0",
			"AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000001", "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000002",
			"AZURE_CLIENT_CERTIFICATE_PATH": filepath.Join(dir, "cert.pem")}),
			[]string{"barriers", "check", "a_SA@ABC.com", "b_SA@ABC.com"}, 2,
			"Graph at https://graph.contoso.test/v1.0, from graph.baseUrl (VENDORFLOW_GRAPH_BASE_URL), needs the app's identity: " +
				"graph.certificatePath (AZURE_CLIENT_CERTIFICATE_PATH): open " + filepath.Join(dir, "cert.pem") + ": no such file or directory"},
		{"Graph over plain http", local(map[string]string{"VENDORFLOW_GRAPH_BASE_URL": "http://graph.contoso.test/v1.0"}),
			[]string{"reconcile"}, 2,
			`graph.baseUrl (VENDORFLOW_GRAPH_BASE_URL) "http://graph.contoso.test/v1.0": plain http is allowed only for the local emulator (127.0.0.1, localhost, [::1]); use https`},
		// the configuration itself
		{"a --config that is not there", local(nil), []string{"config", "check", "--config", missingConfig}, 2,
			"--config: config file " + missingConfig + " does not exist (write one with `vendorflow config sample > " + missingConfig + "`)"},
		{"a VENDORFLOW_CONFIG that is not there", local(map[string]string{"VENDORFLOW_CONFIG": missingConfig}), []string{"requests", "list"}, 2,
			"VENDORFLOW_CONFIG: config file " + missingConfig + " does not exist"},
		{"a VENDORFLOW_MANAGED_IDENTITY that is no boolean", local(map[string]string{"VENDORFLOW_MANAGED_IDENTITY": "maybe"}), []string{"config", "check"}, 2,
			`VENDORFLOW_MANAGED_IDENTITY="maybe": want true or false`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := run(t, tc.env, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || exitCode(err) != tc.exit {
				t.Fatalf("err = %v (exit %d)\nwant exit %d and %q", err, exitCode(err), tc.exit, tc.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(out, secret) {
				t.Errorf("the secret is in the output: %v\n%s", err, out)
			}
		})
	}
	// Refused before anything was opened: no journal and no queue file.
	for _, p := range []string{journalPath, filepath.Join(dir, "queue.db")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a refused command created %s (stat: %v)", p, err)
		}
	}
}
