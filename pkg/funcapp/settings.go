package funcapp

import (
	"errors"
	"fmt"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

// App settings of the Functions app: the names the function.json bindings
// resolve through %Setting% (Function.Setting) and vendorflow reads from its
// environment, and their values in local.settings.sample.json. This is their
// one definition: pkg/config, the local host (pkg/devhost) and the Service
// Bus adapter (pkg/servicebus) refer to it, and the package's tests keep
// local.settings.sample.json and functions/*/function.json in agreement with
// it.
const (
	// SettingOnboardQueue and SettingOffboardQueue name the queues the
	// onboard and offboard functions are triggered from.
	SettingOnboardQueue  = "OnboardQueue"
	SettingOffboardQueue = "OffboardQueue"
	// SettingParkingQueue names the queue where vendorflow parks the
	// messages it gives up on. No function is triggered from it.
	SettingParkingQueue = "ParkingQueue"
	// SettingSweepSchedule is the expiry sweep's six-field NCRONTAB (UTC).
	SettingSweepSchedule = "ExpirySweepSchedule"
	// SettingReconcileSchedule is the drift repair's six-field NCRONTAB (UTC).
	SettingReconcileSchedule = "ReconcileSchedule"
	// SettingServiceBusNamespace is the Service Bus triggers'
	// identity-based connection: the fully qualified namespace.
	SettingServiceBusNamespace = ServiceBusConnection + "__fullyQualifiedNamespace"
)

// Default values of the settings above, as local.settings.sample.json has
// them.
const (
	DefaultOnboardQueue  = "vendorflow-onboard"
	DefaultOffboardQueue = "vendorflow-offboard"
	DefaultParkingQueue  = "vendorflow-parked"
	DefaultSweepSchedule = "0 0 2 * * *"
	// DefaultReconcileSchedule runs the drift repair daily, after the sweep.
	DefaultReconcileSchedule = "0 30 3 * * *"
)

// DefaultSettings returns the queue-name and schedule settings with their
// default values, in a fresh map: the app settings that a local host
// resolves the functions' %Setting% references from.
func DefaultSettings() map[string]string {
	return map[string]string{
		SettingOnboardQueue:      DefaultOnboardQueue,
		SettingOffboardQueue:     DefaultOffboardQueue,
		SettingParkingQueue:      DefaultParkingQueue,
		SettingSweepSchedule:     DefaultSweepSchedule,
		SettingReconcileSchedule: DefaultReconcileSchedule,
	}
}

// Queues names the three queues vendorflow uses (app settings
// OnboardQueue, OffboardQueue and ParkingQueue), on the embedded queue and
// on Service Bus alike.
type Queues struct {
	Onboard, Offboard, Parked string
}

// QueuesFrom reads the queue names from app settings; missing or empty ones
// take their defaults.
func QueuesFrom(settings map[string]string) Queues {
	q := Queues{Onboard: settings[SettingOnboardQueue], Offboard: settings[SettingOffboardQueue], Parked: settings[SettingParkingQueue]}
	q.SetDefaults()
	return q
}

// SetDefaults fills empty names with the Default*Queue values.
func (q *Queues) SetDefaults() {
	if q.Onboard == "" {
		q.Onboard = DefaultOnboardQueue
	}
	if q.Offboard == "" {
		q.Offboard = DefaultOffboardQueue
	}
	if q.Parked == "" {
		q.Parked = DefaultParkingQueue
	}
}

// Validate reports empty or clashing names. Its errors name no package:
// the caller says whose queues they are.
func (q Queues) Validate() error {
	if q.Onboard == "" || q.Offboard == "" || q.Parked == "" {
		return errors.New("queue names must not be empty")
	}
	if q.Onboard == q.Offboard || q.Onboard == q.Parked || q.Offboard == q.Parked {
		return fmt.Errorf("queue names must differ (onboard %q, offboard %q, parked %q)", q.Onboard, q.Offboard, q.Parked)
	}
	return nil
}

// ForKind returns the queue of a message kind (domain.KindOnboard or
// domain.KindOffboard). Its error names no package, as Validate's.
func (q Queues) ForKind(kind string) (string, error) {
	switch kind {
	case domain.KindOnboard:
		return q.Onboard, nil
	case domain.KindOffboard:
		return q.Offboard, nil
	}
	return "", fmt.Errorf("unknown message kind %q (want %s or %s)", kind, domain.KindOnboard, domain.KindOffboard)
}
