package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/connect"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/queue"
	"github.com/vendorflow/vendorflow/pkg/servicebus"
	"github.com/vendorflow/vendorflow/pkg/tenantsim"
)

// validOnboard is an onboarding of the sample tenant's Vendor1.
const validOnboard = `{"schemaVersion":1,"requestId":"cli-test-1","vendor":"Vendor1",
"person":{"givenName":"Alex","surname":"Anders","email":"alex@vendor1.com"},
"contract":{"start":"2026-01-01","end":"2026-06-30"},"sponsor":"expert@abc.com"}`

// testEnv is a LookupEnv over a fixed map: no process environment leaks in.
func testEnv(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// run runs the CLI as a user would and returns stdout, stderr and the error.
func run(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := NewMain(&out, &errOut, testEnv(env)).Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEnqueueThenDeadlettersList(t *testing.T) {
	qpath := filepath.Join(t.TempDir(), "sub", "queue.db")
	env := map[string]string{"VENDORFLOW_QUEUE_PATH": qpath}
	req := writeFile(t, "req.json", validOnboard)

	out, _, err := run(t, env, "enqueue", "onboard", req)
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	if !strings.Contains(out, "cli-test-1") || !strings.Contains(out, "vendorflow-onboard") {
		t.Errorf("enqueue output %q does not name the request and the queue", out)
	}
	// Sending the same request again is a duplicate the queue drops.
	if _, _, err := run(t, env, "enqueue", "onboard", req); err != nil {
		t.Fatalf("second enqueue: %v", err)
	}

	q, err := queue.Open(context.Background(), queue.Config{Path: qpath})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := q.Peek(context.Background(), "vendorflow-onboard", 10)
	q.Close()
	if err != nil {
		t.Fatal(err)
	}
	type sent struct{ MessageID, CorrelationID, Body string }
	var got []sent
	for _, m := range msgs {
		got = append(got, sent{m.MessageID, m.CorrelationID, string(m.Body)})
	}
	want := []sent{{"cli-test-1", "cli-test-1", validOnboard}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queued messages (-want +got):\n%s", diff)
	}

	out, _, err = run(t, env, "deadletters", "list")
	if err != nil {
		t.Fatalf("deadletters list: %v", err)
	}
	if diff := cmp.Diff("no parked or dead-lettered messages\n", out); diff != "" {
		t.Errorf("deadletters list (-want +got):\n%s", diff)
	}
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"VENDORFLOW_QUEUE_PATH": filepath.Join(dir, "queue.db")}
	// sbEnv names a Service Bus namespace but no identity: every command on
	// it must fail before any network I/O, naming the missing identity.
	sbEnv := map[string]string{
		"VENDORFLOW_QUEUE_PATH":                         filepath.Join(dir, "queue.db"),
		"ServiceBusConnection__fullyQualifiedNamespace": "contoso.servicebus.windows.net",
	}
	noID := writeFile(t, "noid.json", `{"schemaVersion":1,"vendor":"Vendor1"}`)
	badHost := writeFile(t, "host.json", `{"version":"2.0","extensions":{"serviceBus":{"maxConcurrentCalls":0}}}`)
	req := writeFile(t, "req.json", validOnboard)
	const noIdentity = "service bus contoso.servicebus.windows.net, from queue.serviceBusNamespace (ServiceBusConnection__fullyQualifiedNamespace), needs the app's identity: no identity is configured"
	tests := []struct {
		name    string
		env     map[string]string // nil = env
		args    []string
		wantErr string
	}{
		{"enqueue without requestId", nil, []string{"enqueue", "onboard", noID}, "no requestId"},
		{"enqueue of an unknown kind", nil, []string{"enqueue", "rehire", noID}, "onboard or offboard"},
		{"purge without --yes", nil, []string{"deadletters", "purge", "--all"}, "--yes"},
		{"purge of nothing", nil, []string{"deadletters", "purge", "--yes"}, "--all"},
		{"replay of nothing", nil, []string{"deadletters", "replay"}, "--request-id"},
		{"replay of two selections", nil, []string{"deadletters", "replay", "x", "--all"}, "only one"},
		{"dev without graph", nil, []string{"dev"}, "vendorflow tenantsim"},
		{"dev with a demo flag", nil, []string{"dev", "--json"}, "--demo only"},
		{"dev with a bad host.json", nil, []string{"dev", "--host-json", badHost}, "maxConcurrentCalls is 0"},
		{"dev with a bad --concurrency", nil, []string{"dev", "--concurrency", "-1"}, "between 1 and 256"},
		{"tenantsim strict and lenient", nil, []string{"tenantsim", "--strict", "--lenient", "--addr", "127.0.0.1:0"}, "contradict"},
		{"dev on Service Bus", map[string]string{
			"ServiceBusConnection__fullyQualifiedNamespace": "contoso.servicebus.windows.net",
			"VENDORFLOW_GRAPH_BASE_URL":                     "http://127.0.0.1:8089/v1.0",
		}, []string{"dev"}, "feeds the handler from the embedded queue"},
		{"serve on Service Bus without an identity", sbEnv, []string{"serve", "--addr", "127.0.0.1:0"}, noIdentity},
		{"enqueue on Service Bus without an identity", sbEnv, []string{"enqueue", "onboard", req}, noIdentity},
		{"deadletters on Service Bus without an identity", sbEnv, []string{"deadletters", "list"}, noIdentity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := env
			if tc.env != nil {
				e = tc.env
			}
			_, _, err := run(t, e, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "queue.db")); !os.IsNotExist(err) {
		t.Errorf("a refused command created the queue file (stat: %v)", err)
	}
}

// TestOpenBusChoosesServiceBus checks the wiring without a network: with a
// namespace and an identity, connect.OpenBus returns the Service Bus adapter (the
// SDK connects only on first use, so nothing is sent here).
func TestOpenBusChoosesServiceBus(t *testing.T) {
	cfg, err := config.Parse(config.Sample(), testEnv(map[string]string{
		"ServiceBusConnection__fullyQualifiedNamespace": "contoso.servicebus.windows.net",
		"AZURE_TENANT_ID":     "00000000-0000-0000-0000-000000000001",
		"AZURE_CLIENT_ID":     "00000000-0000-0000-0000-000000000002",
		"AZURE_CLIENT_SECRET": "not-a-real-secret",
		"ParkingQueue":        "ops-parked",
	}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := connect.OpenBus(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("OpenBus: %v", err)
	}
	defer func() {
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	sb, ok := b.Bus.(*servicebus.Bus)
	if !ok {
		t.Fatalf("Bus is %T, want *servicebus.Bus", b.Bus)
	}
	want := funcapp.Queues{Onboard: funcapp.DefaultOnboardQueue, Offboard: funcapp.DefaultOffboardQueue, Parked: "ops-parked"}
	if diff := cmp.Diff(want, sb.Queues()); diff != "" {
		t.Errorf("queues (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff("Service Bus namespace contoso.servicebus.windows.net", b.Where); diff != "" {
		t.Errorf("where (-want +got):\n%s", diff)
	}
}

func TestConfigCheck(t *testing.T) {
	out, _, err := run(t, nil, "config", "check")
	if err != nil {
		t.Fatalf("config check: %v", err)
	}
	if !strings.HasPrefix(out, "configuration is valid") {
		t.Errorf("config check printed %q", out)
	}
}

func TestHelpNamesPurpose(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"enqueue", "--help"}, "sends one onboard or offboard request"},
		{[]string{"deadletters", "--help"}, "inspects the messages set aside"},
		{[]string{"deadletters", "purge", "--help"}, "purge deletes the selected messages for good"},
		{[]string{"deadletters", "replay", "--help"}, "back to their queue"},
		{[]string{"serve", "--help"}, "custom handler"},
		{[]string{"dev", "--help"}, "local Functions host"},
		{[]string{"doctor", "--help"}, "doctor checks, without changing anything"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, _, err := run(t, nil, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("help does not contain %q:\n%s", tc.want, out)
			}
		})
	}
}

// emulator serves the demo tenant over HTTP for the duration of the test and
// returns the environment that points the CLI at it, with a fresh journal.
func emulator(t *testing.T) (*tenantsim.Server, *httptest.Server, map[string]string) {
	t.Helper()
	sim, err := tenantsim.New(tenantsim.Config{Domain: "ABC.com", RequireAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Load(tenantsim.DemoSeed("ABC.com")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv, map[string]string{
		"VENDORFLOW_GRAPH_BASE_URL": srv.URL + "/v1.0",
		"VENDORFLOW_JOURNAL_PATH":   filepath.Join(t.TempDir(), "journal.db"),
	}
}

// status and accounts read the journal and never make one: on a wrong
// path they say "no journal at PATH" (exit code 4, not found) and leave
// nothing behind. They used to create and migrate an empty journal there.
func TestReadingCommandsDoNotCreateAJournal(t *testing.T) {
	for _, args := range [][]string{{"status", "req-1"}, {"accounts", "history", "ada_SA@ABC.com"}} {
		t.Run(args[0], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "typo", "journal.db")
			_, _, err := run(t, map[string]string{"VENDORFLOW_JOURNAL_PATH": path}, args...)
			if err == nil || !strings.Contains(err.Error(), "no journal at "+path) {
				t.Fatalf("err = %v, want \"no journal at %s\"", err, path)
			}
			if code := exitCode(err); code != 4 {
				t.Errorf("exit code %d, want 4 (not found)", code)
			}
			if _, serr := os.Stat(filepath.Dir(path)); !os.IsNotExist(serr) {
				t.Errorf("%s was created (stat: %v)", filepath.Dir(path), serr)
			}
		})
	}
}
