package app

import (
	"github.com/vendorflow/vendorflow/pkg/config"
	"github.com/vendorflow/vendorflow/pkg/funcapp"
)

// Reader says who reads an app setting in Azure.
type Reader string

// The readers of app settings.
const (
	// ReadByHost: the Functions host (bindings, its own storage, telemetry).
	ReadByHost Reader = "host"
	// ReadByVendorflow: the vendorflow executable (pkg/config, pkg/app).
	ReadByVendorflow Reader = "vendorflow"
	// ReadByBoth: the host resolves it in a binding and vendorflow reads it too.
	ReadByBoth Reader = "host and vendorflow"
)

// AppSetting is one app setting the deployed Functions app needs.
type AppSetting struct {
	Name   string
	Reader Reader
	// What says what the setting holds in Azure.
	What string
}

// Connection prefixes of the identity-based connections the host opens.
const (
	// StorageConnection is the host's own storage (AzureWebJobsStorage).
	StorageConnection = "AzureWebJobsStorage"
	// InsightsAuthentication makes the host send telemetry to Application
	// Insights with Entra ID ("Authorization=AAD;ClientId=..."), so the
	// resource can refuse local (key) authentication.
	InsightsAuthentication = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
	// InsightsConnection locates Application Insights. It holds the
	// resource's ingestion endpoint and instrumentation key, an identifier
	// rather than a secret once local authentication is off.
	InsightsConnection = "APPLICATIONINSIGHTS_CONNECTION_STRING"
)

// Identity-based connection suffixes (learn.microsoft.com/azure/azure-functions/
// functions-reference#common-properties-for-identity-based-connections).
const (
	SuffixCredential = "__credential"
	SuffixClientID   = "__clientId"
)

// ConnectionPrefixes are the connection names the host resolves with an
// identity: each needs <prefix>__credential=managedidentity and
// <prefix>__clientId, plus its service's locator (AzureSettings lists them).
func ConnectionPrefixes() []string {
	return []string{funcapp.ServiceBusConnection, StorageConnection}
}

// AzureSettings lists every app setting the deployed app reads in Azure on
// Flex Consumption, with identities only: no connection string with a key,
// no shared key. infra/ sets exactly these (infra/agreement_test.go) and
// docs/deploy.md explains each. FUNCTIONS_WORKER_RUNTIME is not among them:
// Flex takes the runtime from functionAppConfig.runtime (REFERENCE §4).
func AzureSettings() []AppSetting {
	return []AppSetting{
		{StorageConnection + "__accountName", ReadByHost, "the storage account holding the host's state and the journal's tables"},
		{StorageConnection + SuffixCredential, ReadByHost, "managedidentity"},
		{StorageConnection + SuffixClientID, ReadByHost, "the client id of the user-assigned identity"},
		{funcapp.SettingServiceBusNamespace, ReadByBoth, "NAMESPACE.servicebus.windows.net: the triggers' connection, and vendorflow's Service Bus client"},
		{funcapp.ServiceBusConnection + SuffixCredential, ReadByHost, "managedidentity"},
		{funcapp.ServiceBusConnection + SuffixClientID, ReadByHost, "the client id of the user-assigned identity"},
		{funcapp.SettingOnboardQueue, ReadByBoth, "the onboard queue's name"},
		{funcapp.SettingOffboardQueue, ReadByBoth, "the offboard queue's name"},
		{funcapp.SettingParkingQueue, ReadByVendorflow, "the parking queue's name"},
		{funcapp.SettingSweepSchedule, ReadByHost, "the expiry sweep's six-field NCRONTAB (UTC)"},
		{funcapp.SettingReconcileSchedule, ReadByHost, "the drift repair's six-field NCRONTAB (UTC)"},
		{InsightsConnection, ReadByHost, "the Application Insights resource"},
		{InsightsAuthentication, ReadByHost, "Authorization=AAD;ClientId=<identity client id>"},
		{config.FileSetting, ReadByVendorflow, "vendorflow.yaml: the configuration shipped in the package (scripts/package.sh --config)"},
		{config.TableEndpointSetting, ReadByVendorflow, "https://ACCOUNT.table.core.windows.net: the shared journal"},
		{config.ManagedIdentitySetting, ReadByVendorflow, "true: vendorflow signs in to Graph, Service Bus and Table Storage as the managed identity"},
		{config.ClientIDSetting, ReadByVendorflow, "the client id of the user-assigned identity"},
		{config.TenantIDSetting, ReadByVendorflow, "the tenant id: the key of the shared Graph write budget"},
	}
}

// ForbiddenSettings are app settings infra/ must not set, with why:
// settings Flex Consumption does not take (learn.microsoft.com/azure/
// azure-functions/functions-app-settings, "Flex Consumption plan
// deprecations"), and connection strings that would carry a key.
func ForbiddenSettings() map[string]string {
	flex := "not taken on Flex Consumption (its functionAppConfig holds this)"
	key := "a connection string with a key; use the identity-based settings"
	return map[string]string{
		"FUNCTIONS_WORKER_RUNTIME":                   flex,
		"FUNCTIONS_EXTENSION_VERSION":                flex,
		"WEBSITE_RUN_FROM_PACKAGE":                   flex,
		"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING":   flex,
		"WEBSITE_CONTENTSHARE":                       flex,
		StorageConnection:                            key,
		funcapp.ServiceBusConnection:                 key,
		"VENDORFLOW_JOURNAL_TABLE_CONNECTION_STRING": key,
		"AZURE_CLIENT_SECRET":                        "a secret; the managed identity needs none",
	}
}
