// The Flex Consumption plan and the Linux function app that runs
// `vendorflow serve` as a custom handler (host.json). The app settings come
// in ready-made from main.bicep, where the agreement test reads them.
param name string
param planName string
param location string
param tags object
@description('Resource id of the user-assigned identity the app runs as.')
param identityResourceId string
@description('https://ACCOUNT.blob.core.windows.net/CONTAINER: where Flex reads the package from.')
param deploymentContainerUrl string
param maximumInstanceCount int
param instanceMemoryMB int
@description('Every app setting, and only these (main.bicep appSettings).')
param appSettings object

// Parameters verified in avm/res/web/serverfarm/0.7.0 main.bicep: skuName
// 'FC1' makes the module set tier FlexConsumption; reserved true is Linux.
module plan 'br/public:avm/res/web/serverfarm:0.7.0' = {
  name: 'flex-plan'
  params: {
    name: planName
    location: location
    tags: tags
    skuName: 'FC1'
    kind: 'functionapp'
    reserved: true
    zoneRedundant: false
  }
}

// Parameters verified in avm/res/web/site/0.24.0 main.bicep, which passes
// functionAppConfig through to Microsoft.Web/sites@2025-03-01, so no plain
// resource is needed. Flex takes the runtime from functionAppConfig.runtime,
// never from FUNCTIONS_WORKER_RUNTIME (../shared/REFERENCE.md §4 "Hosting";
// learn.microsoft.com/azure/azure-functions/functions-app-settings, "Flex
// Consumption plan deprecations").
module site 'br/public:avm/res/web/site:0.24.0' = {
  name: 'function-app'
  params: {
    name: name
    location: location
    // azd finds the app to deploy `services.vendorflow` (azure.yaml) to by this tag.
    tags: union(tags, { 'azd-service-name': 'vendorflow' })
    kind: 'functionapp,linux'
    serverFarmResourceId: plan.outputs.resourceId
    managedIdentities: {
      userAssignedResourceIds: [identityResourceId]
    }
    httpsOnly: true
    clientAffinityEnabled: false
    // Replaces the module's default, whose alwaysOn Flex does not take.
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // A custom handler: the host starts host.json's defaultExecutablePath.
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
    // Only `properties`: the module's storageAccountResourceId and
    // applicationInsightResourceId would add settings of their own
    // (AzureWebJobsStorage__*ServiceUri, ApplicationInsightsAgent_EXTENSION_VERSION)
    // beyond AzureSettings(); retainCurrentAppSettings false drops settings
    // added by hand, so the app has exactly appSettings (config/main.bicep).
    configs: [
      {
        name: 'appsettings'
        properties: appSettings
        retainCurrentAppSettings: false
      }
    ]
  }
}

output name string = site.outputs.name
output defaultHostname string = site.outputs.defaultHostname
