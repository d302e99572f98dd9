package funcapp

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hostJSON is the part of host.json that vendorflow depends on.
type hostJSON struct {
	Version         string
	FunctionTimeout string
	CustomHandler   struct {
		Description struct {
			DefaultExecutablePath string
			Arguments             []string
		}
		EnableForwardingHttpRequest *bool
	}
	ExtensionBundle struct{ ID, Version string }
	Extensions      struct {
		ServiceBus struct {
			MaxConcurrentCalls         *int
			PrefetchCount              *int
			MaxAutoLockRenewalDuration string
			AutoCompleteMessages       *bool
		}
	}
	Logging *struct {
		LogLevel map[string]string
	}
}

func TestHostJSON(t *testing.T) {
	var h hostJSON
	raw := readJSON(t, "host.json", &h)
	check := func(what string, got, want any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("host.json %s (-want +got):\n%s", what, diff)
		}
	}
	check("version", h.Version, "2.0")
	check("customHandler.description.defaultExecutablePath", h.CustomHandler.Description.DefaultExecutablePath, "vendorflow")
	check("customHandler.description.arguments", h.CustomHandler.Description.Arguments, []string{"serve"})
	check("customHandler.enableForwardingHttpRequest", h.CustomHandler.EnableForwardingHttpRequest, ptr(false))
	check("extensionBundle.id", h.ExtensionBundle.ID, "Microsoft.Azure.Functions.ExtensionBundle")
	check("extensionBundle.version", h.ExtensionBundle.Version, "[4.*, 5.0.0)")
	check("functionTimeout", h.FunctionTimeout, "00:10:00")
	sb := h.Extensions.ServiceBus
	check("extensions.serviceBus.maxConcurrentCalls", sb.MaxConcurrentCalls, ptr(8))
	check("extensions.serviceBus.prefetchCount", sb.PrefetchCount, ptr(0))
	check("extensions.serviceBus.maxAutoLockRenewalDuration", sb.MaxAutoLockRenewalDuration, "00:05:00")
	// A custom handler cannot settle messages itself (REFERENCE §1).
	check("extensions.serviceBus.autoCompleteMessages", sb.AutoCompleteMessages, ptr(true))
	if h.Logging == nil || len(h.Logging.LogLevel) == 0 {
		t.Error("host.json: logging.logLevel missing")
	}

	// Consumption allows at most 10 minutes; the lock renewal must not
	// outlast it (longer work means duplicate delivery anyway).
	timeout := timeSpan(t, h.FunctionTimeout)
	if timeout <= 0 || timeout > 10*time.Minute {
		t.Errorf("functionTimeout %s outside (0, 10m]", timeout)
	}
	if lock := timeSpan(t, sb.MaxAutoLockRenewalDuration); lock <= 0 || lock > timeout {
		t.Errorf("maxAutoLockRenewalDuration %s outside (0, functionTimeout]", lock)
	}
	// arguments may use %SETTING%: each must exist.
	values := localValues(t)
	for _, m := range settingRef.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := values[m[1]]; !ok {
			t.Errorf("host.json references %%%s%%, which local.settings.sample.json lacks", m[1])
		}
	}
}

// functionJSON is a function.json; bindings stay generic so that every key
// can be checked.
type functionJSON struct {
	Bindings []map[string]any
}

// functionName is the host's rule for function names.
var functionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_\-]{0,127}$`)

func TestFunctionJSON(t *testing.T) {
	root := repoRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	var names []string
	for _, f := range Functions() {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff(names, dirs); diff != "" {
		t.Fatalf("functions/ folders differ from Functions() (-want +got):\n%s", diff)
	}
	values := localValues(t)
	for _, fn := range Functions() {
		t.Run(fn.Name, func(t *testing.T) {
			if !functionName.MatchString(fn.Name) {
				t.Errorf("%q is not a valid function name", fn.Name)
			}
			var fj functionJSON
			raw := readJSON(t, filepath.Join("functions", fn.Name, "function.json"), &fj)
			checkBindings(t, fn, fj.Bindings)
			for _, m := range settingRef.FindAllStringSubmatch(string(raw), -1) {
				if _, ok := values[m[1]]; !ok {
					t.Errorf("references %%%s%%, which local.settings.sample.json lacks", m[1])
				}
			}
		})
	}
}

// checkBindings compares a function.json's bindings with its description.
func checkBindings(t *testing.T, fn Function, bindings []map[string]any) {
	t.Helper()
	for i, b := range bindings {
		for _, k := range []string{"type", "direction", "name"} {
			if s, _ := b[k].(string); s == "" {
				t.Errorf("binding %d lacks %q", i, k)
			}
		}
	}
	var want []map[string]any
	switch fn.Trigger {
	case TriggerServiceBus:
		want = []map[string]any{{
			"type": string(fn.Trigger), "direction": "in", "name": fn.Binding,
			"queueName": "%" + fn.Setting + "%", "connection": ServiceBusConnection, "dataType": "binary",
		}}
	case TriggerTimer:
		want = []map[string]any{{
			"type": string(fn.Trigger), "direction": "in", "name": fn.Binding,
			"schedule": "%" + fn.Setting + "%", "runOnStartup": false, "useMonitor": true,
		}}
	case TriggerHTTP:
		methods := make([]any, len(fn.Methods))
		for i, m := range fn.Methods {
			methods[i] = m
		}
		want = []map[string]any{
			{
				"type": string(fn.Trigger), "direction": "in", "name": fn.Binding,
				"authLevel": fn.AuthLevel, "methods": methods, "route": fn.Route,
			},
			{"type": "http", "direction": "out", "name": fn.HTTPOutput},
		}
	default:
		t.Fatalf("unknown trigger %q", fn.Trigger)
	}
	if diff := cmp.Diff(want, bindings); diff != "" {
		t.Errorf("bindings mismatch (-want +got):\n%s", diff)
	}
}

func TestFunctionDescription(t *testing.T) {
	byAuth := map[string]string{}
	for _, f := range Functions() {
		if f.Trigger == TriggerHTTP {
			byAuth[f.Name] = f.AuthLevel
		}
	}
	// Dead-letter replay and purge are operator powers: the master key only.
	// The console authenticates its requests itself (docs/console.md).
	want := map[string]string{DeadLetters: "admin", Status: "function", Console: "anonymous"}
	if diff := cmp.Diff(want, byAuth); diff != "" {
		t.Errorf("auth levels (-want +got):\n%s", diff)
	}
	if f, ok := Lookup(ExpirySweep); !ok || f.Binding != "timer" {
		t.Errorf("Lookup(%q) = %+v, %v", ExpirySweep, f, ok)
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found a function that does not exist")
	}
	a, b := Functions(), Functions()
	a[0].Name = "changed"
	if b[0].Name == "changed" {
		t.Error("Functions() shares its slice between calls")
	}
}

func TestLocalSettingsSample(t *testing.T) {
	values := localValues(t)
	want := map[string]string{
		"FUNCTIONS_WORKER_RUNTIME": "custom",
		"AzureWebJobsStorage":      "UseDevelopmentStorage=true",
		SettingServiceBusNamespace: "<namespace>.servicebus.windows.net",
		// Identity-based connections (docs/permissions.md; DOCS
		// functions-identity-based-connections-configuration).
		ServiceBusConnection + "__credential": "managedidentity",
		ServiceBusConnection + "__clientId":   "<user-assigned-identity-client-id>",
		"AzureWebJobsStorage__accountName":    "<storage-account-name>",
		"AzureWebJobsStorage__credential":     "managedidentity",
		"AzureWebJobsStorage__clientId":       "<user-assigned-identity-client-id>",
		// The queue names and the schedule: DefaultSettings.
		SettingOnboardQueue:           DefaultOnboardQueue,
		SettingOffboardQueue:          DefaultOffboardQueue,
		SettingParkingQueue:           DefaultParkingQueue,
		SettingSweepSchedule:          DefaultSweepSchedule,
		SettingReconcileSchedule:      DefaultReconcileSchedule,
		"VENDORFLOW_CONFIG":           "vendorflow.yaml",
		"VENDORFLOW_MANAGED_IDENTITY": "true",
		"AZURE_TENANT_ID":             "<tenant-id>",
		"AZURE_CLIENT_ID":             "<client-id>",
	}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("Values mismatch (-want +got):\n%s", diff)
	}
	// Six-field NCRONTAB (REFERENCE §1), not five-field cron.
	if f := strings.Fields(values[SettingSweepSchedule]); len(f) != 6 {
		t.Errorf("%s has %d fields, want 6", SettingSweepSchedule, len(f))
	}
	// A sample holds no secrets.
	secret := regexp.MustCompile(`(?i)SharedAccessKey|AccountKey=|Endpoint=sb://|password|secret`)
	for k, v := range values {
		if secret.MatchString(k + "=" + v) {
			t.Errorf("%s looks like a secret", k)
		}
	}
}

// timeSpan parses a .NET TimeSpan "hh:mm:ss".
func timeSpan(t *testing.T, s string) time.Duration {
	t.Helper()
	var h, m, sec int
	if _, err := fmtSscanf(s, &h, &m, &sec); err != nil {
		t.Fatalf("%q is not hh:mm:ss: %v", s, err)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
}

func ptr[T any](v T) *T { return &v }
