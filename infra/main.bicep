// vendorflow in Azure: a Flex Consumption function app running the Go custom
// handler, its storage, Service Bus queues, monitoring, one user-assigned
// identity and that identity's Azure RBAC roles and Microsoft Graph
// application permissions. Deployed by `azd provision` (azure.yaml) or
// scripts/deploy.sh. infra/README.md says what each file holds.
//
// The names here (app settings, queue names, Graph permissions) are checked
// against the Go code and docs/permissions.md by infra/agreement_test.go.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; it seeds the resource names and tags every resource.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption (learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#view-currently-supported-regions).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create; default rg-<environmentName>.')
param resourceGroupName string = ''

// The throughput ceiling is Graph's write quota, shared by every instance
// through the Table-backed write budget (docs/production.md), not the
// instance count: more instances only wait for the same tokens. Flex takes
// maximumInstanceCount from 1 (../shared/REFERENCE.md §4 "Hosting").
@minValue(1)
@maxValue(1000)
@description('Flex Consumption scale-out cap (functionAppConfig.scaleAndConcurrency.maximumInstanceCount).')
param maximumInstanceCount int = 4

@allowed([512, 2048, 4096])
@description('Memory of each Flex instance in MB (learn.microsoft.com/azure/azure-functions/flex-consumption-plan#instance-memory).')
param instanceMemoryMB int = 2048

// Queue names: the defaults are pkg/funcapp/settings.go's DefaultOnboardQueue,
// DefaultOffboardQueue and DefaultParkingQueue. Each is passed both to the
// Service Bus module (the queue) and into appSettings (the setting).
@description('Queue the onboard function is triggered from (app setting OnboardQueue).')
param onboardQueueName string = 'vendorflow-onboard'

@description('Queue the offboard function is triggered from (app setting OffboardQueue).')
param offboardQueueName string = 'vendorflow-offboard'

@description('Queue vendorflow parks messages on (app setting ParkingQueue).')
param parkingQueueName string = 'vendorflow-parked'

@description('Six-field NCRONTAB (UTC) of the expiry sweep; pkg/funcapp DefaultSweepSchedule.')
param expirySweepSchedule string = '0 0 2 * * *'

@description('Six-field NCRONTAB (UTC) of the drift repair; pkg/funcapp DefaultReconcileSchedule.')
param reconcileSchedule string = '0 30 3 * * *'

var token = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, application: 'vendorflow' }
// Flex reads the package from this container (functionAppConfig.deployment).
var deploymentContainerName = 'app-package'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

// The one identity: the host's connections (storage, Service Bus, telemetry),
// vendorflow's own clients (Graph, Service Bus, Table Storage) and the
// deployment container all use it. Parameters verified in
// avm/res/managed-identity/user-assigned-identity/0.6.0 main.bicep.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.6.0' = {
  scope: rg
  name: 'identity'
  params: {
    name: 'id-vendorflow-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    workspaceName: 'log-vendorflow-${token}'
    insightsName: 'appi-vendorflow-${token}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  scope: rg
  name: 'storage'
  params: {
    name: 'stvf${token}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module serviceBus 'app/servicebus.bicep' = {
  scope: rg
  name: 'servicebus'
  params: {
    name: 'sb-vendorflow-${token}'
    location: location
    tags: tags
    onboardQueueName: onboardQueueName
    offboardQueueName: offboardQueueName
    parkingQueueName: parkingQueueName
  }
}

module rbac 'app/rbac.bicep' = {
  scope: rg
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    // From the parameters, not the module's output: a for loop over
    // resources needs an array known when the deployment starts.
    queueNames: [onboardQueueName, offboardQueueName, parkingQueueName]
    insightsName: monitoring.outputs.insightsName
  }
}

module graphPermissions 'app/graph-permissions.bicep' = {
  scope: rg
  name: 'graph-permissions'
  params: {
    principalId: identity.outputs.principalId
  }
}

// Every app setting the deployed app reads, and no other: exactly the names
// of pkg/app/azuresettings.go AzureSettings(), none of ForbiddenSettings()
// (no connection string, no key, nothing Flex does not take). Identity-based
// connections: learn.microsoft.com/azure/azure-functions/functions-reference#configure-an-identity-based-connection.
// Keep this one object literal, one key per line: infra/agreement_test.go
// parses it.
var appSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  ServiceBusConnection__fullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identity.outputs.clientId
  OnboardQueue: onboardQueueName
  OffboardQueue: offboardQueueName
  ParkingQueue: parkingQueueName
  ExpirySweepSchedule: expirySweepSchedule
  ReconcileSchedule: reconcileSchedule
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identity.outputs.clientId}'
  VENDORFLOW_CONFIG: 'vendorflow.yaml'
  VENDORFLOW_JOURNAL_TABLE_ENDPOINT: storage.outputs.tableEndpoint
  VENDORFLOW_MANAGED_IDENTITY: 'true'
  AZURE_CLIENT_ID: identity.outputs.clientId
  AZURE_TENANT_ID: tenant().tenantId
}

module functionApp 'app/function.bicep' = {
  scope: rg
  name: 'function'
  params: {
    name: 'func-vendorflow-${token}'
    planName: 'plan-vendorflow-${token}'
    location: location
    tags: tags
    identityResourceId: identity.outputs.resourceId
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: appSettings
  }
}

// Outputs azd stores in the environment (azd env get-value NAME); the
// AZURE_* names are azd's conventions, scripts/deploy.sh reads them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostname}'
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_SERVICEBUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output VENDORFLOW_JOURNAL_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output VENDORFLOW_GRAPH_PERMISSIONS array = graphPermissions.outputs.granted
