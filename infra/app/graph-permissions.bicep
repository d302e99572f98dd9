// Microsoft Graph application permissions (app roles) of the identity's
// service principal, granted with the Microsoft Graph Bicep extension
// (bicepconfig.json pins it; learn.microsoft.com/graph/templates/bicep/whats-new).
// Deploying this needs a deployer allowed to grant app roles (for example
// Privileged Role Administrator); it is admin consent, done as code.
//
// The list is exactly the "What to grant" table of docs/permissions.md;
// infra/agreement_test.go fails when they differ. The User Administrator
// directory role (password credentials only) and the Exchange RBAC for
// Applications scope of Mail.Send are not Graph app roles: see
// docs/permissions.md.
extension microsoftGraphV1

@description('Object id of the identity\'s service principal (the user-assigned identity\'s principalId).')
param principalId string

// Keep one quoted name per line: infra/agreement_test.go parses this array.
var graphPermissions = [
  'User.ReadWrite.All'
  'User.Read.All'
  'User-LifeCycleInfo.ReadWrite.All'
  'User.RevokeSessions.All'
  'LicenseAssignment.ReadWrite.All'
  'LicenseAssignment.Read.All'
  'GroupMember.ReadWrite.All'
  'GroupMember.Read.All'
  'Policy.Read.AuthenticationMethod'
  'UserAuthenticationMethod.ReadWrite.All'
  'Mail.Send'
]

// Microsoft Graph's own service principal, by its well-known appId.
resource graphSp 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: '00000003-0000-0000-c000-000000000000'
}

// One assignment per permission; the app role id is looked up by its value
// among Graph's app roles, so no GUID is copied by hand.
resource grants 'Microsoft.Graph/appRoleAssignedTo@v1.0' = [
  for permission in graphPermissions: {
    principalId: principalId
    resourceId: graphSp.id
    appRoleId: filter(graphSp.appRoles, role => role.value == permission)[0].id
  }
]

output granted array = graphPermissions
