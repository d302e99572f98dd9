package app

import (
	"fmt"
	"strings"

	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// RuntimeSetting overrides where `serve` believes it runs: "azure" or
// "local". Unset, the Functions host's environment decides (InAzure).
const RuntimeSetting = "VENDORFLOW_RUNTIME"

// instanceSetting is set by App Service, and so by Azure Functions, on
// every instance (learn.microsoft.com/azure/app-service/reference-app-settings,
// "WEBSITE_INSTANCE_ID"); neither Core Tools nor `vendorflow dev` sets it.
const instanceSetting = "WEBSITE_INSTANCE_ID"

// InAzure reports whether the process runs under the Functions host in
// Azure: RuntimeSetting when set, else whether WEBSITE_INSTANCE_ID is.
func InAzure(lookup func(string) (string, bool)) (bool, error) {
	if v, ok := lookup(RuntimeSetting); ok && v != "" {
		switch strings.ToLower(v) {
		case "azure":
			return true, nil
		case "local":
			return false, nil
		}
		return false, fmt.Errorf("%s=%q: want azure or local", RuntimeSetting, v)
	}
	v, ok := lookup(instanceSetting)
	return ok && v != "", nil
}

// CheckAzure refuses a configuration that cannot run safely on many
// instances in Azure, naming every setting to add. Azure needs:
//   - an explicit tenant configuration, never the embedded demo tenant;
//   - the shared journal (Table Storage): the SQLite file would be each
//     instance's own, under a read-only app root (run-from-package);
//   - a Service Bus namespace: the embedded queue is a local file too;
//   - Graph at a real endpoint, not a loopback emulator.
func CheckAzure(cfg config.Config) error {
	var missing []string
	if cfg.Source == config.SampleSource {
		missing = append(missing, "an explicit tenant configuration: set VENDORFLOW_CONFIG to a file in the package "+
			"(scripts/package.sh --config FILE ships it as vendorflow.yaml) or put the whole configuration in the app setting "+
			config.ContentSetting+"; the embedded demo tenant is never used in Azure")
	}
	if !cfg.Journal.Shared() {
		missing = append(missing, "a shared journal: set VENDORFLOW_JOURNAL_TABLE_ENDPOINT=https://ACCOUNT.table.core.windows.net "+
			"(the app's identity needs Storage Table Data Contributor); "+cfg.Journal.Describe()+" would be one instance's own, "+
			"and the app root is read-only when run from a package")
	}
	if cfg.Queue.ServiceBusNamespace == "" {
		missing = append(missing, "a Service Bus namespace: set "+funcapp.SettingServiceBusNamespace+"=NAMESPACE.servicebus.windows.net "+
			"(the embedded queue "+cfg.Queue.Path+" is a local file)")
	}
	if cfg.Graph.BaseURL != "" && cfg.Graph.UsesEmulator() {
		missing = append(missing, "Microsoft Graph: graph.baseUrl ("+cfg.Graph.BaseURL+") is the local emulator; unset VENDORFLOW_GRAPH_BASE_URL")
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("refusing to start in Azure (%s is set; %s=local overrides) without:\n  - %s",
		instanceSetting, RuntimeSetting, strings.Join(missing, "\n  - "))
}
