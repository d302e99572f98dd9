// Package config loads vendorflow's configuration: a YAML or JSON file,
// then environment overrides, then defaults and validation. The embedded
// sample is the demo tenant of DESIGN.md and is what `vendorflow dev`
// uses when no file is given.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/vendorflow/vendorflow/pkg/domain"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
	"github.com/vendorflow/vendorflow/pkg/secret"
)

//go:embed sample.yaml
var sample []byte

// Sample returns the sample configuration (the demo tenant) as YAML.
func Sample() []byte { return append([]byte(nil), sample...) }

// Config is the whole of vendorflow's configuration.
type Config struct {
	Tenant  domain.Tenant `json:"tenant"`
	Graph   Graph         `json:"graph"`
	Journal Journal       `json:"journal"`
	Queue   Queue         `json:"queue"`
	// Source says where the configuration came from: a file's path,
	// ContentSetting, or SampleSource (the embedded demo tenant).
	Source string `json:"-"`
}

// Where a configuration can come from.
const (
	// SampleSource is the Source of the embedded demo tenant, used when
	// no file or content is given (local runs only: `serve` in Azure
	// refuses it).
	SampleSource = "the embedded demo tenant"
	// ContentSetting is the app setting (environment variable) that may
	// hold the whole configuration, YAML or JSON, instead of a file.
	ContentSetting = "VENDORFLOW_CONFIG_CONTENT"
	// FileSetting names the configuration file (the commands' --config
	// default); in Azure, vendorflow.yaml at the app root.
	FileSetting = "VENDORFLOW_CONFIG"
)

// Environment settings that pkg/app and the deployment (infra/) refer to
// by name.
const (
	TenantIDSetting        = "AZURE_TENANT_ID"
	ClientIDSetting        = "AZURE_CLIENT_ID"
	ManagedIdentitySetting = "VENDORFLOW_MANAGED_IDENTITY"
	TableEndpointSetting   = "VENDORFLOW_JOURNAL_TABLE_ENDPOINT"
)

// Graph says where Microsoft Graph is and how to authenticate. With
// BaseURL on a loopback address (the emulator) no credential is needed.
type Graph struct {
	BaseURL  string `json:"baseUrl"`
	TenantID string `json:"tenantId"`
	ClientID string `json:"clientId"`
	// ClientSecret is read from the environment only (AZURE_CLIENT_SECRET),
	// never from the file.
	ClientSecret    secret.Value `json:"-"`
	CertificatePath string       `json:"certificatePath"`
	ManagedIdentity bool         `json:"managedIdentity"`
	// WriteQuota writes per WriteWindow is Graph's identity write limit
	// per app per tenant (defaults 3,000 per 150 s, REFERENCE §2);
	// vendorflow paces its writes to WriteShare of it (default 0.8), summed
	// over every instance when the journal is shared. Lower the share when
	// other apps write with the same app registration.
	WriteQuota  int             `json:"writeQuota"`
	WriteWindow domain.Duration `json:"writeWindow"`
	WriteShare  float64         `json:"writeShare"`
	// AttemptTimeout bounds one HTTP attempt to Graph (default 60s); a
	// timed-out idempotent request is retried.
	AttemptTimeout domain.Duration `json:"attemptTimeout"`
}

// Graph's per-app write limit and vendorflow's default share of it.
const (
	DefaultWriteQuota  = 3000
	DefaultWriteWindow = 150 * time.Second
	DefaultWriteShare  = 0.8
)

// WriteLimit is the writes per WriteWindow vendorflow allows itself.
func (g Graph) WriteLimit() int { return int(g.WriteShare * float64(g.WriteQuota)) }

// Journal locates the journal: the embedded SQLite file at Path, or Table
// Storage when a table endpoint or connection string is set (the shared
// journal that many instances need).
type Journal struct {
	Path string `json:"path"`
	// TableEndpoint (https://ACCOUNT.table.core.windows.net) selects the
	// Table Storage journal with the app's identity (Storage Table Data
	// Contributor).
	TableEndpoint string `json:"tableEndpoint"`
	// TableConnectionString selects the Table Storage journal with an
	// account key (Azurite locally). A secret: read from the environment
	// only (VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING), never the file.
	TableConnectionString secret.Value `json:"-"`
	// TablePrefix starts the journal's table names (default "vendorflow").
	TablePrefix string `json:"tablePrefix"`
	// LeaseTTL is how long a run holds an account unless it renews the
	// hold (e.g. "1m", the default; it must be shorter than the 2m run
	// budget). A crashed run's redelivery waits at most this long.
	LeaseTTL domain.Duration `json:"leaseTtl"`
}

func parseDuration(s string) (time.Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("duration %q: want a positive Go duration such as \"90s\" or \"1m\"", s)
	}
	return v, nil
}

// Shared reports whether the journal is Table Storage, which every
// instance shares (the SQLite file is one instance's own).
func (j Journal) Shared() bool { return j.TableEndpoint != "" || !j.TableConnectionString.IsZero() }

// Describe names the journal for messages, never with a secret.
func (j Journal) Describe() string {
	switch {
	case j.TableEndpoint != "":
		return "Table Storage " + j.TableEndpoint
	case j.Shared():
		return "Table Storage (connection string)"
	}
	return "SQLite " + j.Path
}

// Queue locates the embedded queue, or names Service Bus.
type Queue struct {
	// Path is the embedded queue's SQLite file.
	Path string `json:"path"`
	// ServiceBusNamespace (e.g. "contoso.servicebus.windows.net") selects
	// Azure Service Bus with an identity-based connection.
	ServiceBusNamespace string `json:"serviceBusNamespace"`
	OnboardQueue        string `json:"onboardQueue"`
	OffboardQueue       string `json:"offboardQueue"`
	ParkingQueue        string `json:"parkingQueue"`
	// RetryBase and RetryMax shape the delay before a retrying request is
	// rescheduled: RetryBase doubled per attempt, up to RetryMax, or the
	// server's Retry-After when longer (defaults 30s and 30m).
	RetryBase domain.Duration `json:"retryBase"`
	RetryMax  domain.Duration `json:"retryMax"`
}

type envVar struct{ name, what string }

// envVars lists the environment variables read by apply, with what they
// override.
func envVars() []envVar {
	return []envVar{
		{"VENDORFLOW_TENANT_DOMAIN", "tenant.domain"},
		{"VENDORFLOW_SENDER", "tenant.sender"},
		{"VENDORFLOW_USAGE_LOCATION", "tenant.usageLocation"},
		{"VENDORFLOW_GRAPH_BASE_URL", "graph.baseUrl"},
		{TenantIDSetting, "graph.tenantId"},
		{ClientIDSetting, "graph.clientId"},
		{"AZURE_CLIENT_SECRET", "graph client secret (environment only)"},
		{"AZURE_CLIENT_CERTIFICATE_PATH", "graph.certificatePath"},
		{ManagedIdentitySetting, "graph.managedIdentity (true/false)"},
		{"VENDORFLOW_GRAPH_WRITE_QUOTA", "graph.writeQuota (writes per window, default 3000)"},
		{"VENDORFLOW_GRAPH_WRITE_WINDOW", "graph.writeWindow (default 150s)"},
		{"VENDORFLOW_GRAPH_WRITE_SHARE", "graph.writeShare (0 to 1, default 0.8)"},
		{"VENDORFLOW_GRAPH_ATTEMPT_TIMEOUT", "graph.attemptTimeout (one HTTP attempt, default 60s)"},
		{"VENDORFLOW_JOURNAL_PATH", "journal.path"},
		{TableEndpointSetting, "journal.tableEndpoint"},
		{"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING", "journal Table Storage connection string (environment only)"},
		{"VENDORFLOW_JOURNAL_TABLE_PREFIX", "journal.tablePrefix"},
		{"VENDORFLOW_LEASE_TTL", "journal.leaseTtl (e.g. 1m)"},
		{"VENDORFLOW_QUEUE_PATH", "queue.path"},
		{"VENDORFLOW_RETRY_BASE", "queue.retryBase (first reschedule delay, default 30s)"},
		{"VENDORFLOW_RETRY_MAX", "queue.retryMax (longest reschedule delay, default 30m)"},
		{funcapp.SettingServiceBusNamespace, "queue.serviceBusNamespace"},
		{funcapp.SettingOnboardQueue, "queue.onboardQueue"},
		{funcapp.SettingOffboardQueue, "queue.offboardQueue"},
		{funcapp.SettingParkingQueue, "queue.parkingQueue"},
	}
}

// Setting names a configuration key with the environment variable that
// overrides it, the way an error should name a setting to fix:
// Setting("journal.path") is "journal.path (VENDORFLOW_JOURNAL_PATH)". A key
// no variable overrides is returned as it is. (A variable without a key,
// such as AZURE_CLIENT_SECRET, is described by words, not a dotted key.)
func Setting(key string) string {
	for _, e := range envVars() {
		if k, _, _ := strings.Cut(e.what, " "); k == key && strings.Contains(k, ".") {
			return key + " (" + e.name + ")"
		}
	}
	return key
}

// EnvHelp lists the environment overrides, one per line, for --help.
func EnvHelp() string {
	var b strings.Builder
	for _, e := range envVars() {
		fmt.Fprintf(&b, "  %-46s %s\n", e.name, e.what)
	}
	return b.String()
}

// Load reads path (YAML or JSON). With path "", it reads the content of
// the ContentSetting variable, else the embedded sample (the demo tenant).
// It then applies the environment (lookup, usually os.LookupEnv), sets
// defaults and validates. Config.Source says which was read.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	data, source := sample, SampleSource
	if path == "" && lookup != nil {
		if v, ok := lookup(ContentSetting); ok && strings.TrimSpace(v) != "" {
			data, source = []byte(v), ContentSetting
		}
	}
	if path != "" {
		source = path
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return Config{}, fmt.Errorf("config file %s does not exist (write one with `vendorflow config sample > %s`)", path, path)
		}
		if err != nil {
			return Config{}, fmt.Errorf("read config: %w", err)
		}
		data = b
	}
	c, err := Parse(data, lookup)
	if err != nil && source == ContentSetting {
		return Config{}, fmt.Errorf("%s: %w", ContentSetting, err)
	}
	c.Source = source
	return c, err
}

// Parse is Load for bytes already read.
func Parse(data []byte, lookup func(string) (string, bool)) (Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return Config{}, fmt.Errorf("parse config: %w", err)
	}
	if lookup != nil {
		if err := c.apply(lookup); err != nil {
			return Config{}, err
		}
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c *Config) apply(lookup func(string) (string, bool)) error {
	set := func(name string, dst *string) {
		if v, ok := lookup(name); ok && v != "" {
			*dst = v
		}
	}
	set("VENDORFLOW_TENANT_DOMAIN", &c.Tenant.Domain)
	set("VENDORFLOW_SENDER", &c.Tenant.Sender)
	set("VENDORFLOW_USAGE_LOCATION", &c.Tenant.UsageLocation)
	set("VENDORFLOW_GRAPH_BASE_URL", &c.Graph.BaseURL)
	set(TenantIDSetting, &c.Graph.TenantID)
	set(ClientIDSetting, &c.Graph.ClientID)
	set("AZURE_CLIENT_CERTIFICATE_PATH", &c.Graph.CertificatePath)
	set("VENDORFLOW_JOURNAL_PATH", &c.Journal.Path)
	set(TableEndpointSetting, &c.Journal.TableEndpoint)
	set("VENDORFLOW_JOURNAL_TABLE_PREFIX", &c.Journal.TablePrefix)
	if v, ok := lookup("VENDORFLOW_GRAPH_WRITE_QUOTA"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("VENDORFLOW_GRAPH_WRITE_QUOTA=%q: want a whole number of writes", v)
		}
		c.Graph.WriteQuota = n
	}
	if v, ok := lookup("VENDORFLOW_GRAPH_WRITE_WINDOW"); ok && v != "" {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("VENDORFLOW_GRAPH_WRITE_WINDOW: %w", err)
		}
		c.Graph.WriteWindow = domain.Duration(d)
	}
	if v, ok := lookup("VENDORFLOW_GRAPH_WRITE_SHARE"); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("VENDORFLOW_GRAPH_WRITE_SHARE=%q: want a number such as 0.8", v)
		}
		c.Graph.WriteShare = f
	}
	if v, ok := lookup("VENDORFLOW_LEASE_TTL"); ok && v != "" {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("VENDORFLOW_LEASE_TTL: %w", err)
		}
		c.Journal.LeaseTTL = domain.Duration(d)
	}
	for _, d := range []struct {
		name string
		dst  *domain.Duration
	}{{"VENDORFLOW_RETRY_BASE", &c.Queue.RetryBase}, {"VENDORFLOW_RETRY_MAX", &c.Queue.RetryMax}, {"VENDORFLOW_GRAPH_ATTEMPT_TIMEOUT", &c.Graph.AttemptTimeout}} {
		if v, ok := lookup(d.name); ok && v != "" {
			v, err := parseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
			*d.dst = domain.Duration(v)
		}
	}
	if v, ok := lookup("VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING"); ok && v != "" {
		c.Journal.TableConnectionString = secret.New(v)
	}
	set("VENDORFLOW_QUEUE_PATH", &c.Queue.Path)
	set(funcapp.SettingServiceBusNamespace, &c.Queue.ServiceBusNamespace)
	set(funcapp.SettingOnboardQueue, &c.Queue.OnboardQueue)
	set(funcapp.SettingOffboardQueue, &c.Queue.OffboardQueue)
	set(funcapp.SettingParkingQueue, &c.Queue.ParkingQueue)
	if v, ok := lookup("AZURE_CLIENT_SECRET"); ok && v != "" {
		c.Graph.ClientSecret = secret.New(v)
	}
	if v, ok := lookup(ManagedIdentitySetting); ok && v != "" {
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			c.Graph.ManagedIdentity = true
		case "false", "0", "no":
			c.Graph.ManagedIdentity = false
		default:
			return fmt.Errorf("VENDORFLOW_MANAGED_IDENTITY=%q: want true or false", v)
		}
	}
	return nil
}

// SetDefaults fills unset settings.
func (c *Config) SetDefaults() {
	c.Tenant.SetDefaults()
	if c.Graph.WriteQuota == 0 {
		c.Graph.WriteQuota = DefaultWriteQuota
	}
	if c.Graph.WriteWindow == 0 {
		c.Graph.WriteWindow = domain.Duration(DefaultWriteWindow)
	}
	if c.Graph.WriteShare == 0 {
		c.Graph.WriteShare = DefaultWriteShare
	}
	if c.Journal.Path == "" {
		c.Journal.Path = "var/journal.db"
	}
	if c.Queue.Path == "" {
		c.Queue.Path = "var/queue.db"
	}
	if c.Queue.OnboardQueue == "" {
		c.Queue.OnboardQueue = funcapp.DefaultOnboardQueue
	}
	if c.Queue.OffboardQueue == "" {
		c.Queue.OffboardQueue = funcapp.DefaultOffboardQueue
	}
	if c.Queue.ParkingQueue == "" {
		c.Queue.ParkingQueue = funcapp.DefaultParkingQueue
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if err := c.Tenant.Validate(); err != nil {
		return err
	}
	switch g := c.Graph; {
	case g.WriteQuota < 2 || g.WriteWindow <= 0:
		return domain.Errorf(domain.Invalid, "graph.writeQuota %d per graph.writeWindow %s: want at least 2 writes per positive window", g.WriteQuota, time.Duration(g.WriteWindow))
	case !(g.WriteShare > 0 && g.WriteShare <= 1):
		return domain.Errorf(domain.Invalid, "graph.writeShare %v: want a share of the quota above 0 and at most 1", g.WriteShare)
	case g.WriteLimit() < 2:
		return domain.Errorf(domain.Invalid, "graph.writeShare %v of graph.writeQuota %d leaves fewer than 2 writes per window", g.WriteShare, g.WriteQuota)
	}
	if c.Graph.AttemptTimeout < 0 {
		return domain.Errorf(domain.Invalid, "graph.attemptTimeout %s: want a positive duration such as \"60s\"", time.Duration(c.Graph.AttemptTimeout))
	}
	if c.Queue.RetryBase < 0 || c.Queue.RetryMax < 0 || (c.Queue.RetryBase > 0 && c.Queue.RetryMax > 0 && c.Queue.RetryBase > c.Queue.RetryMax) {
		return domain.Errorf(domain.Invalid, "queue.retryBase %s and queue.retryMax %s: want positive durations, the base not above the maximum", time.Duration(c.Queue.RetryBase), time.Duration(c.Queue.RetryMax))
	}
	if c.Journal.LeaseTTL < 0 {
		return domain.Errorf(domain.Invalid, "journal.leaseTtl %s: want a positive duration such as \"1m\"", time.Duration(c.Journal.LeaseTTL))
	}
	if c.Journal.TableEndpoint != "" && !c.Journal.TableConnectionString.IsZero() {
		return domain.Errorf(domain.Invalid, "journal: set journal.tableEndpoint or VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING, not both")
	}
	if strings.ContainsAny(c.Queue.ServiceBusNamespace, ";=") {
		// Not echoed: a connection string holds a key.
		return domain.Errorf(domain.Invalid, "%s looks like a connection string (not shown: it may hold a key); "+
			"give the fully qualified namespace, such as contoso.servicebus.windows.net, and use the app's identity", Setting("queue.serviceBusNamespace"))
	}
	g := c.Graph
	if g.BaseURL != "" && !strings.HasPrefix(g.BaseURL, "https://") && !loopback(g.BaseURL) {
		return domain.Errorf(domain.Invalid, "%s %q: plain http is allowed only for the local emulator (127.0.0.1, localhost, [::1]); use https", Setting("graph.baseUrl"), g.BaseURL)
	}
	return nil
}

// UsesEmulator reports whether Graph is the local emulator.
func (g Graph) UsesEmulator() bool { return g.BaseURL != "" && loopback(g.BaseURL) }

func loopback(u string) bool {
	for _, p := range []string{"http://127.0.0.1", "http://localhost", "http://[::1]"} {
		if strings.HasPrefix(u, p+":") || strings.HasPrefix(u, p+"/") || u == p {
			return true
		}
	}
	return false
}
