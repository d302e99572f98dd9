// Azure RBAC roles of the user-assigned identity, each scoped to the
// resource it needs (docs/permissions.md "Azure RBAC roles on the
// resources"). Plain role assignments: AVM's resource modules take
// roleAssignments too, but keeping every grant in this one file lets a
// reviewer see all of them at once.
//
// Built-in role definition ids, from learn.microsoft.com/azure/role-based-access-control/built-in-roles
// (…/built-in-roles/integration, …/storage, …/monitor), cross-checked against
// the builtInRoleNames maps of the pinned AVM modules (service-bus/namespace
// 0.17.0, storage/storage-account 0.33.0, insights/component 0.8.0).
param principalId string
param storageAccountName string
param serviceBusNamespaceName string
param queueNames array
param insightsName string

var roles = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = [
  for q in queueNames: {
    parent: namespace
    name: q
  }
]

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

// Receiver: the triggers on onboard/offboard; `deadletters` peeks and
// receives the parking queue and every dead-letter subqueue.
resource queueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (q, i) in queueNames: {
    scope: queues[i]
    name: guid(queues[i].id, principalId, roles.serviceBusDataReceiver)
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Sender: retries with backoff, deferrals, parking, replays and the sweep.
resource queueSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (q, i) in queueNames: {
    scope: queues[i]
    name: guid(queues[i].id, principalId, roles.serviceBusDataSender)
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// The host's state (AzureWebJobsStorage) and the Flex deployment container.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storageAccount
  name: guid(storageAccount.id, principalId, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// The journal's and the write budget's tables (vendorflow creates them).
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storageAccount
  name: guid(storageAccount.id, principalId, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Entra-authenticated telemetry to a component with local auth off.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: insights
  name: guid(insights.id, principalId, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
