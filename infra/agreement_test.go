// Package infra_test keeps infra/ (Bicep) in agreement with the code, which
// is the source of truth for names: the app settings vendorflow and the
// host read in Azure (pkg/app/azuresettings.go), the queue names and
// schedules (pkg/funcapp/settings.go), the settings and connections the
// function.json bindings use, and the Graph permissions of
// docs/permissions.md. The Bicep compiler cannot run where this was
// written, so this test and a reviewer's eyes are the checks infra/ gets.
package infra_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vendorflow/vendorflow/pkg/app"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// Service Bus limits (learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas;
// duplicate-detection): a peek lock lasts at most 5 min; the duplicate
// detection window is 20 s to 7 days.
const (
	maxLockDuration = 5 * time.Minute
	minWindow       = 20 * time.Second
	// The daily expiry sweep re-sends an offboard for an account still
	// enabled under the same id: a window of a day or more would drop it
	// (infra/app/servicebus.bicep explains the choice).
	maxWindow = 24 * time.Hour
)

// problems compares the two sides; each problem names the file to fix.
func problems(in infraSide, code codeSide) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }

	// App settings, both directions, and nothing forbidden.
	for _, s := range code.Settings {
		if !slices.Contains(in.Settings, s) {
			add("%s: app setting %s is missing from appSettings (%s AzureSettings() lists it)", mainFile, s, azureSettingsGo)
		}
	}
	for _, s := range in.Settings {
		if why, bad := code.Forbidden[s]; bad {
			add("%s: app setting %s must not be set: %s (%s ForbiddenSettings())", mainFile, s, why, azureSettingsGo)
			continue
		}
		if !slices.Contains(code.Settings, s) {
			add("%s: appSettings sets %s, which %s AzureSettings() does not list: add it there or remove it here", mainFile, s, azureSettingsGo)
		}
	}

	// Queue names and schedules: wired from main.bicep parameters whose
	// defaults are funcapp's.
	for _, setting := range slices.Sorted(maps.Keys(code.Defaults)) {
		want := code.Defaults[setting]
		param := in.Values[setting]
		def, isParam := in.Defaults[param]
		switch {
		case !slices.Contains(in.Settings, setting):
			// reported above
		case !isParam:
			add("%s: appSettings %s is %s, want a string parameter of main.bicep defaulting to %q (%s)", mainFile, setting, param, want, funcappGo)
		case def != want:
			add("%s: param %s (app setting %s) defaults to %q, but %s has %q", mainFile, param, setting, def, funcappGo, want)
		}
	}
	for _, setting := range code.QueueSettings {
		if param, ok := in.Values[setting]; ok && !slices.Contains(in.Queues, param) {
			add("%s: no queue is created from parameter %s (app setting %s): pass it to the serviceBus module and name a queue after it", serviceBusFile, param, setting)
		}
	}
	for _, param := range in.Queues {
		named := false
		for _, setting := range code.QueueSettings {
			named = named || in.Values[setting] == param
		}
		if !named {
			add("%s: a queue is created from parameter %s (default %q), which no queue setting of %s (%s) names", serviceBusFile, param, in.Defaults[param], funcappGo, strings.Join(code.QueueSettings, ", "))
		}
	}

	// What the bindings resolve and connect with.
	for _, r := range code.References {
		if !slices.Contains(in.Settings, r.Setting) {
			add("%s references %%%s%%, which %s appSettings does not set", r.File, r.Setting, mainFile)
		}
	}
	for _, c := range code.Connections {
		need := []string{c.Prefix + app.SuffixCredential, c.Prefix + app.SuffixClientID}
		for _, s := range need {
			if !slices.Contains(in.Settings, s) {
				add("%s: connection %s needs %s in %s appSettings", c.Source, c.Prefix, s, mainFile)
			}
		}
		if v, ok := in.Values[c.Prefix+app.SuffixCredential]; ok && v != "'managedidentity'" {
			add("%s: %s is %s, want 'managedidentity'", mainFile, c.Prefix+app.SuffixCredential, v)
		}
		locators := []string{c.Prefix + "__accountName", c.Prefix + "__blobServiceUri"}
		if c.ServiceBus {
			locators = []string{c.Prefix + "__fullyQualifiedNamespace"}
		}
		if !slices.ContainsFunc(locators, func(s string) bool { return slices.Contains(in.Settings, s) }) {
			add("%s: connection %s needs %s in %s appSettings", c.Source, c.Prefix, strings.Join(locators, " or "), mainFile)
		}
	}

	// Graph permissions, both directions.
	for _, p := range code.Permissions {
		if !slices.Contains(in.Permissions, p) {
			add("%s: \"What to grant\" lists %s, which %s graphPermissions does not grant", permissionsDoc, p, graphFile)
		}
	}
	for _, p := range in.Permissions {
		if !slices.Contains(code.Permissions, p) {
			add("%s: graphPermissions grants %s, which %s \"What to grant\" does not list", graphFile, p, permissionsDoc)
		}
	}

	// The queues' settings.
	if in.Queue.DuplicateDetection != "true" {
		add("%s: queueSettings.requiresDuplicateDetection is %q, want true (replays and the sweep's ids rely on it; it can only be set at creation)", serviceBusFile, in.Queue.DuplicateDetection)
	}
	if d, err := isoDuration(in.Queue.LockDuration); err != nil {
		add("%s: queueSettings.lockDuration: %v", serviceBusFile, err)
	} else if d <= 0 || d > maxLockDuration {
		add("%s: queueSettings.lockDuration is %s, want at most PT5M (Service Bus's maximum)", serviceBusFile, in.Queue.LockDuration)
	}
	if d, err := isoDuration(in.Queue.Window); err != nil {
		add("%s: queueSettings.duplicateDetectionHistoryTimeWindow: %v", serviceBusFile, err)
	} else if d < minWindow || d >= maxWindow {
		add("%s: queueSettings.duplicateDetectionHistoryTimeWindow is %s, want at least PT20S and under P1D", serviceBusFile, in.Queue.Window)
	}
	return out
}

var isoPattern = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// isoDuration parses the ISO 8601 durations Service Bus takes (PnDTnHnMnS).
func isoDuration(s string) (time.Duration, error) {
	m := isoPattern.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, fmt.Errorf("%q is not an ISO 8601 duration such as PT5M", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, fmt.Errorf("duration %q: %w", s, err)
			}
			d += time.Duration(n) * unit
		}
	}
	return d, nil
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func realSides(t *testing.T) (infraSide, codeSide) {
	t.Helper()
	root := repoRoot(t)
	in, err := readInfra(root)
	if err != nil {
		t.Fatal(err)
	}
	code, err := readCode(root)
	if err != nil {
		t.Fatal(err)
	}
	return in, code
}

func TestInfraAgreesWithCode(t *testing.T) {
	in, code := realSides(t)
	// The parser must have found something, or agreement is vacuous.
	if len(in.Settings) == 0 || len(in.Queues) != 3 || len(in.Permissions) == 0 || len(code.References) == 0 || len(code.Connections) == 0 {
		t.Fatalf("parsed too little: %d settings, queues %q, %d permissions, %d references, %d connections",
			len(in.Settings), in.Queues, len(in.Permissions), len(code.References), len(code.Connections))
	}
	for _, p := range problems(in, code) {
		t.Error(p)
	}
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}

func (s infraSide) clone() infraSide {
	s.Settings = slices.Clone(s.Settings)
	s.Values = maps.Clone(s.Values)
	s.Defaults = maps.Clone(s.Defaults)
	s.Queues = slices.Clone(s.Queues)
	s.Permissions = slices.Clone(s.Permissions)
	return s
}

func (c codeSide) clone() codeSide {
	c.Settings = slices.Clone(c.Settings)
	c.Forbidden = maps.Clone(c.Forbidden)
	c.Defaults = maps.Clone(c.Defaults)
	c.QueueSettings = slices.Clone(c.QueueSettings)
	c.References = slices.Clone(c.References)
	c.Connections = slices.Clone(c.Connections)
	c.Permissions = slices.Clone(c.Permissions)
	return c
}

// Removing a setting, a queue name or a permission from either side, or
// breaking a queue setting, yields the specific problem.
func TestProblemsFindEachDisagreement(t *testing.T) {
	realIn, realCode := realSides(t)
	tests := []struct {
		name   string
		change func(*infraSide, *codeSide)
		want   string
	}{
		{"setting missing from infra", func(in *infraSide, _ *codeSide) {
			in.Settings = without(in.Settings, "VENDORFLOW_JOURNAL_TABLE_ENDPOINT")
		}, "infra/main.bicep: app setting VENDORFLOW_JOURNAL_TABLE_ENDPOINT is missing from appSettings"},
		{"setting missing from code", func(_ *infraSide, c *codeSide) {
			c.Settings = without(c.Settings, "AZURE_TENANT_ID")
		}, "infra/main.bicep: appSettings sets AZURE_TENANT_ID, which pkg/app/azuresettings.go AzureSettings() does not list"},
		{"forbidden setting in infra", func(in *infraSide, _ *codeSide) {
			in.Settings = append(in.Settings, "FUNCTIONS_WORKER_RUNTIME")
		}, "infra/main.bicep: app setting FUNCTIONS_WORKER_RUNTIME must not be set"},
		{"connection string in infra", func(in *infraSide, _ *codeSide) {
			in.Settings = append(in.Settings, app.StorageConnection)
		}, "infra/main.bicep: app setting AzureWebJobsStorage must not be set"},
		{"queue not created in infra", func(in *infraSide, _ *codeSide) {
			in.Queues = without(in.Queues, "offboardQueueName")
		}, "infra/app/servicebus.bicep: no queue is created from parameter offboardQueueName (app setting OffboardQueue)"},
		{"queue name not wired to a parameter in infra", func(in *infraSide, _ *codeSide) {
			in.Values[funcapp.SettingParkingQueue] = "'parked'"
		}, "infra/main.bicep: appSettings ParkingQueue is 'parked', want a string parameter of main.bicep defaulting to \"vendorflow-parked\""},
		{"queue default differs in infra", func(in *infraSide, _ *codeSide) {
			in.Defaults["onboardQueueName"] = "onboard"
		}, "infra/main.bicep: param onboardQueueName (app setting OnboardQueue) defaults to \"onboard\", but pkg/funcapp/settings.go has \"vendorflow-onboard\""},
		{"queue name removed from code", func(_ *infraSide, c *codeSide) {
			c.QueueSettings = without(c.QueueSettings, funcapp.SettingParkingQueue)
			delete(c.Defaults, funcapp.SettingParkingQueue)
		}, "infra/app/servicebus.bicep: a queue is created from parameter parkingQueueName (default \"vendorflow-parked\"), which no queue setting of pkg/funcapp/settings.go"},
		{"queue default differs in code", func(_ *infraSide, c *codeSide) {
			c.Defaults[funcapp.SettingOffboardQueue] = "offboard"
		}, "infra/main.bicep: param offboardQueueName (app setting OffboardQueue) defaults to \"vendorflow-offboard\", but pkg/funcapp/settings.go has \"offboard\""},
		{"binding setting not set", func(in *infraSide, _ *codeSide) {
			in.Settings = without(in.Settings, funcapp.SettingSweepSchedule)
		}, "functions/expiry-sweep/function.json references %ExpirySweepSchedule%, which infra/main.bicep appSettings does not set"},
		{"connection without clientId", func(in *infraSide, _ *codeSide) {
			in.Settings = without(in.Settings, "ServiceBusConnection__clientId")
		}, "functions/onboard/function.json: connection ServiceBusConnection needs ServiceBusConnection__clientId"},
		{"connection without locator", func(in *infraSide, _ *codeSide) {
			in.Settings = without(in.Settings, "AzureWebJobsStorage__accountName")
		}, "pkg/app/azuresettings.go ConnectionPrefixes(): connection AzureWebJobsStorage needs AzureWebJobsStorage__accountName or AzureWebJobsStorage__blobServiceUri"},
		{"credential not an identity", func(in *infraSide, _ *codeSide) {
			in.Values["ServiceBusConnection__credential"] = "'connectionstring'"
		}, "infra/main.bicep: ServiceBusConnection__credential is 'connectionstring', want 'managedidentity'"},
		{"permission missing from infra", func(in *infraSide, _ *codeSide) {
			in.Permissions = without(in.Permissions, "Mail.Send")
		}, "docs/permissions.md: \"What to grant\" lists Mail.Send, which infra/app/graph-permissions.bicep graphPermissions does not grant"},
		{"permission missing from the doc", func(_ *infraSide, c *codeSide) {
			c.Permissions = without(c.Permissions, "User.RevokeSessions.All")
		}, "infra/app/graph-permissions.bicep: graphPermissions grants User.RevokeSessions.All, which docs/permissions.md \"What to grant\" does not list"},
		{"duplicate detection off", func(in *infraSide, _ *codeSide) {
			in.Queue.DuplicateDetection = "false"
		}, "infra/app/servicebus.bicep: queueSettings.requiresDuplicateDetection is \"false\", want true"},
		{"lock longer than Service Bus allows", func(in *infraSide, _ *codeSide) {
			in.Queue.LockDuration = "PT6M"
		}, "infra/app/servicebus.bicep: queueSettings.lockDuration is PT6M, want at most PT5M"},
		{"window of a day", func(in *infraSide, _ *codeSide) {
			in.Queue.Window = "P1D"
		}, "infra/app/servicebus.bicep: queueSettings.duplicateDetectionHistoryTimeWindow is P1D, want at least PT20S and under P1D"},
	}
	if got := problems(realIn, realCode); len(got) != 0 {
		t.Fatalf("the real sides disagree:\n%s", strings.Join(got, "\n"))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, code := realIn.clone(), realCode.clone()
			tc.change(&in, &code)
			got := problems(in, code)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, tc.want) }) {
				t.Errorf("want a problem starting with\n  %s\ngot:\n  %s", tc.want, strings.Join(got, "\n  "))
			}
		})
	}
}

func TestISODuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"PT1M": time.Minute, "PT2H": 2 * time.Hour, "PT20S": 20 * time.Second, "P14D": 14 * 24 * time.Hour, "P1DT1H": 25 * time.Hour} {
		if got, err := isoDuration(in); err != nil || got != want {
			t.Errorf("isoDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "5m", "PT1.5M"} {
		if _, err := isoDuration(bad); err == nil {
			t.Errorf("isoDuration(%q) accepted", bad)
		}
	}
}

// The grant table parser reads exactly the table's first column, so a row
// the docs gain (say, a policy read permission) must be granted too.
func TestGrantTable(t *testing.T) {
	doc := strings.Split(`intro
## What to grant

Application permissions:

| Permission | Why |
|---|---|
| User.Read.All | read |
| `+"`Policy.Read.All`"+` | the TAP policy |

Directory role: none.
| Not | this |
## Next`, "\n")
	got, err := grantTable(doc)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"User.Read.All", "Policy.Read.All"}; !slices.Equal(got, want) {
		t.Errorf("grantTable = %q, want %q", got, want)
	}
}
