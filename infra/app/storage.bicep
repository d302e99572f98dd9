// The one storage account: the Functions host's own state
// (AzureWebJobsStorage: leases, timer schedule status, Service Bus scale
// state), the container Flex deploys the package from, and vendorflow's
// journal tables. vendorflow creates its tables itself on first use, named
// with the journal's table prefix (default "vendorflow"):
// vendorflowRequests, vendorflowRequestIndex, vendorflowAccounts and
// vendorflowwritebudget (docs/production.md), so none is declared here.
//
// Shared keys are off: every client (host, Flex deployment, vendorflow)
// signs in with the user-assigned identity
// (learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent).
param name string
param location string
param tags object
param deploymentContainerName string

// Parameters verified in avm/res/storage/storage-account/0.33.0 main.bicep
// (blobServices.containers: blob-service/main.bicep containerType).
module account 'br/public:avm/res/storage/storage-account:0.33.0' = {
  name: 'storage-account'
  params: {
    name: name
    location: location
    tags: tags
    kind: 'StorageV2'
    skuName: 'Standard_LRS'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        {
          name: deploymentContainerName
          publicAccess: 'None'
        }
      ]
    }
  }
}

output name string = account.outputs.name
output resourceId string = account.outputs.resourceId
// https://NAME.blob.core.windows.net/ (with the trailing slash)
output blobEndpoint string = account.outputs.serviceEndpoints.blob
// https://NAME.table.core.windows.net, the form VENDORFLOW_JOURNAL_TABLE_ENDPOINT takes
output tableEndpoint string = 'https://${account.outputs.name}.table.${environment().suffixes.storage}'
