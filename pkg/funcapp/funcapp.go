// Package funcapp describes vendorflow's Azure Functions app: the functions
// it declares (one folder per function under functions/, deployed at the app
// root by scripts/package.sh), the trigger of each, and the binding name under
// which the handler finds its payload (Data.<Binding>, see pkg/funchost).
//
// The description is what the handler routes on; the package's tests keep it,
// host.json, functions/*/function.json, local.settings.sample.json and
// scripts/package.sh in agreement. Why each binding and setting is what it is:
// functions/README.md.
package funcapp

import "slices"

// Trigger is a function.json trigger binding type.
type Trigger string

// The trigger types vendorflow uses.
const (
	TriggerServiceBus Trigger = "serviceBusTrigger"
	TriggerTimer      Trigger = "timerTrigger"
	TriggerHTTP       Trigger = "httpTrigger"
)

// Function names: the folder names under functions/. The host invokes a
// function with POST /<name> on the handler (REFERENCE §1).
const (
	Onboard     = "onboard"
	Offboard    = "offboard"
	ExpirySweep = "expiry-sweep"
	Reconcile   = "reconcile"
	DeadLetters = "deadletters"
	Status      = "status"
	Console     = "console"
)

// ServiceBusConnection is the connection-setting prefix of the Service Bus
// triggers (identity-based: SettingServiceBusNamespace).
const ServiceBusConnection = "ServiceBusConnection"

// Function describes one function.json.
type Function struct {
	// Name is the folder name and the handler route (/<Name>).
	Name string
	// Trigger is the trigger binding type.
	Trigger Trigger
	// Binding is the trigger binding's "name": the key in the envelope's Data.
	Binding string
	// Setting is the app setting the trigger reads through %Setting%: the
	// queue name of a Service Bus trigger, the schedule of a timer. Empty for
	// HTTP triggers.
	Setting string
	// HTTPOutput is the name of the http output binding; empty for other
	// triggers, which have no output bindings.
	HTTPOutput string
	// AuthLevel, Methods and Route describe an HTTP trigger.
	AuthLevel string
	Methods   []string
	Route     string
}

// Functions returns the app's functions in a fresh slice.
func Functions() []Function {
	return []Function{
		{Name: Onboard, Trigger: TriggerServiceBus, Binding: "message", Setting: SettingOnboardQueue},
		{Name: Offboard, Trigger: TriggerServiceBus, Binding: "message", Setting: SettingOffboardQueue},
		{Name: ExpirySweep, Trigger: TriggerTimer, Binding: "timer", Setting: SettingSweepSchedule},
		{Name: Reconcile, Trigger: TriggerTimer, Binding: "timer", Setting: SettingReconcileSchedule},
		{
			Name: DeadLetters, Trigger: TriggerHTTP, Binding: "req", HTTPOutput: "res",
			AuthLevel: "admin", Methods: []string{"get", "post", "delete"}, Route: "deadletters/{action?}/{id?}",
		},
		{
			Name: Status, Trigger: TriggerHTTP, Binding: "req", HTTPOutput: "res",
			AuthLevel: "function", Methods: []string{"get"}, Route: "status/{requestId}",
		},
		{
			// The ops console (pkg/console) authenticates every request
			// itself: a browser cannot send a function key with each
			// request, and a key in every link would put a secret in the
			// page (docs/console.md).
			Name: Console, Trigger: TriggerHTTP, Binding: "req", HTTPOutput: "res",
			AuthLevel: "anonymous", Methods: []string{"get", "post"}, Route: "console/{*path}",
		},
	}
}

// Lookup returns the function named name.
func Lookup(name string) (Function, bool) {
	fns := Functions()
	i := slices.IndexFunc(fns, func(f Function) bool { return f.Name == name })
	if i < 0 {
		return Function{}, false
	}
	return fns[i], true
}
