#!/usr/bin/env bash
# Deploy vendorflow to Azure: provision infra/ with azd, package the app
# with scripts/package.sh and push the zip to the Flex Consumption app.
# infra/README.md says what gets created; docs/deploy.md what the
# identity is granted.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/deploy.sh --config FILE [--env NAME] [--location REGION]
                         [--subscription ID] [--skip-provision] [--azd-deploy]

Provisions the Azure resources of infra/ (azd provision), builds the app
package (scripts/package.sh --config FILE) and deploys it to the function
app (az functionapp deployment source config-zip), then prints the app.

  --config FILE      vendorflow configuration to ship as vendorflow.yaml
                     (checked by `vendorflow config check`); required
  --env NAME         azd environment to use, created when missing
                     (default: azd's current environment)
  --location REGION  Azure region for a new environment (AZURE_LOCATION);
                     it must offer Flex Consumption
  --subscription ID  Azure subscription (AZURE_SUBSCRIPTION_ID)
  --skip-provision   deploy the package only, to resources provisioned before
  --azd-deploy       let `azd up` package and deploy (azure.yaml, language
                     custom) instead of az's zip deploy
  -h, --help         show this help

Needs azd and az, both logged in (azd auth login; az login), and Go.
Provisioning grants Microsoft Graph application permissions, so the account
running it must be allowed to grant app roles (for example Privileged Role
Administrator). What Bicep cannot do is listed in docs/deploy.md.

Example:
  scripts/deploy.sh --config vendorflow.yaml --env vendorflow-prod --location swedencentral
USAGE
}

die() { echo "deploy.sh: $*" >&2; exit 1; }

root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)
config=""
env_name=""
location=""
subscription=""
provision=true
azd_deploy=false

while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -ge 2 ] || die "--config needs a file"; config=$2; shift 2 ;;
    --config=*) config=${1#--config=}; shift ;;
    --env) [ $# -ge 2 ] || die "--env needs a name"; env_name=$2; shift 2 ;;
    --env=*) env_name=${1#--env=}; shift ;;
    --location) [ $# -ge 2 ] || die "--location needs a region"; location=$2; shift 2 ;;
    --location=*) location=${1#--location=}; shift ;;
    --subscription) [ $# -ge 2 ] || die "--subscription needs an id"; subscription=$2; shift 2 ;;
    --subscription=*) subscription=${1#--subscription=}; shift ;;
    --skip-provision) provision=false; shift ;;
    --azd-deploy) azd_deploy=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; echo "deploy.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

[ -n "$config" ] || { usage >&2; die "--config FILE is required: the app refuses to start in Azure without a configuration"; }
[ -f "$config" ] || die "--config $config: no such file"
config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")

# The tools, and that each is logged in.
command -v azd >/dev/null ||
  die "azd (Azure Developer CLI) is not installed: https://learn.microsoft.com/azure/developer/azure-developer-cli/install-azd"
command -v az >/dev/null ||
  die "az (Azure CLI) is not installed: https://learn.microsoft.com/cli/azure/install-azure-cli"
command -v go >/dev/null || die "go is not installed (scripts/package.sh builds the binary)"
azd auth login --check-status >/dev/null 2>&1 || die "azd is not logged in: run azd auth login"
az account show >/dev/null 2>&1 || die "az is not logged in: run az login"

cd "$root"

if [ -n "$env_name" ]; then
  if ! azd env select "$env_name" >/dev/null 2>&1; then
    echo "deploy.sh: creating azd environment $env_name"
    azd env new "$env_name" --no-prompt >/dev/null || die "azd env new $env_name failed"
  fi
fi
[ -z "$location" ] || azd env set AZURE_LOCATION "$location"
[ -z "$subscription" ] || azd env set AZURE_SUBSCRIPTION_ID "$subscription"
# Read by azure.yaml's prepackage hook when azd packages the app.
azd env set VENDORFLOW_CONFIG_FILE "$config"

if $azd_deploy; then
  if $provision; then
    azd up --no-prompt || die "azd up failed"
  else
    azd deploy --no-prompt || die "azd deploy failed"
  fi
else
  if $provision; then
    echo "deploy.sh: azd provision (infra/main.bicep)"
    azd provision --no-prompt || die "azd provision failed"
  fi
  echo "deploy.sh: scripts/package.sh --config $config"
  "$root/scripts/package.sh" --config "$config" --out "$root/dist"
fi

app=$(azd env get-value AZURE_FUNCTION_APP_NAME 2>/dev/null) ||
  die "azd env has no AZURE_FUNCTION_APP_NAME: provision first (drop --skip-provision)"
group=$(azd env get-value AZURE_RESOURCE_GROUP 2>/dev/null) ||
  die "azd env has no AZURE_RESOURCE_GROUP: provision first (drop --skip-provision)"

if ! $azd_deploy; then
  # On Flex Consumption this uploads the zip to the deployment container
  # (functionAppConfig.deployment) and restarts the app
  # (learn.microsoft.com/azure/azure-functions/deployment-zip-push).
  echo "deploy.sh: az functionapp deployment source config-zip -g $group -n $app"
  az functionapp deployment source config-zip --resource-group "$group" --name "$app" \
    --src "$root/dist/vendorflow-app.zip" >/dev/null || die "zip deploy to $app failed"
fi

echo "deploy.sh: deployed to $app ($(azd env get-value AZURE_FUNCTION_APP_URL 2>/dev/null || echo "resource group $group"))"
echo "deploy.sh: next, the manual steps of docs/deploy.md, then: vendorflow doctor"
