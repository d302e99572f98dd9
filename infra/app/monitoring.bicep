// Log Analytics and workspace-based Application Insights. Local (key)
// authentication is off: the host sends telemetry with Entra ID, as the
// identity named in APPLICATIONINSIGHTS_AUTHENTICATION_STRING, which holds
// Monitoring Metrics Publisher on the component (rbac.bicep;
// learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication).
param workspaceName string
param insightsName string
param location string
param tags object

// Parameters verified in avm/res/operational-insights/workspace/0.16.1 main.bicep.
module workspace 'br/public:avm/res/operational-insights/workspace:0.16.1' = {
  name: 'log-analytics'
  params: {
    name: workspaceName
    location: location
    tags: tags
    skuName: 'PerGB2018'
    dataRetention: 30
  }
}

// Parameters verified in avm/res/insights/component/0.8.0 main.bicep.
module insights 'br/public:avm/res/insights/component:0.8.0' = {
  name: 'app-insights'
  params: {
    name: insightsName
    location: location
    tags: tags
    applicationType: 'web'
    workspaceResourceId: workspace.outputs.resourceId
    disableLocalAuth: true
    retentionInDays: 30
  }
}

output insightsName string = insights.outputs.name
// The connection string locates the resource (ingestion endpoint and
// instrumentation key); with local authentication off it grants nothing.
output connectionString string = insights.outputs.connectionString
