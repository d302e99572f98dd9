package devhost

import (
	"errors"
	"fmt"
)

// App setting names (local.settings.sample.json) the host and the bus read
// queue names and the timer schedule from, as the real host resolves
// %Setting% in function.json.
const (
	SettingOnboardQueue  = "OnboardQueue"
	SettingOffboardQueue = "OffboardQueue"
	SettingParkingQueue  = "ParkingQueue"
	SettingSweepSchedule = "ExpirySweepSchedule"
)

// DefaultSettings returns the app settings of local.settings.sample.json that
// the local host needs, in a fresh map.
func DefaultSettings() map[string]string {
	return map[string]string{
		SettingOnboardQueue:  "vendorflow-onboard",
		SettingOffboardQueue: "vendorflow-offboard",
		SettingParkingQueue:  "vendorflow-parked",
		SettingSweepSchedule: "0 0 2 * * *",
	}
}

// QueueNames names the three queues vendorflow uses.
type QueueNames struct {
	Onboard, Offboard, Parked string
}

// QueueNamesFrom reads the queue names from app settings; missing ones take
// the DefaultSettings value.
func QueueNamesFrom(settings map[string]string) QueueNames {
	d := DefaultSettings()
	get := func(k string) string {
		if v := settings[k]; v != "" {
			return v
		}
		return d[k]
	}
	return QueueNames{Onboard: get(SettingOnboardQueue), Offboard: get(SettingOffboardQueue), Parked: get(SettingParkingQueue)}
}

// SetDefaults fills empty names from DefaultSettings.
func (n *QueueNames) SetDefaults() {
	d := QueueNamesFrom(nil)
	if n.Onboard == "" {
		n.Onboard = d.Onboard
	}
	if n.Offboard == "" {
		n.Offboard = d.Offboard
	}
	if n.Parked == "" {
		n.Parked = d.Parked
	}
}

// Validate reports empty or clashing names.
func (n QueueNames) Validate() error {
	if n.Onboard == "" || n.Offboard == "" || n.Parked == "" {
		return errors.New("devhost: queue names must not be empty")
	}
	if n.Onboard == n.Offboard || n.Onboard == n.Parked || n.Offboard == n.Parked {
		return fmt.Errorf("devhost: queue names must differ (onboard %q, offboard %q, parked %q)", n.Onboard, n.Offboard, n.Parked)
	}
	return nil
}

// ForKind returns the queue of a message kind ("onboard" or "offboard").
func (n QueueNames) ForKind(kind string) (string, error) {
	switch kind {
	case "onboard":
		return n.Onboard, nil
	case "offboard":
		return n.Offboard, nil
	}
	return "", fmt.Errorf("devhost: unknown message kind %q (want onboard or offboard)", kind)
}
