package funcapp

import (
	"strings"
	"testing"

	"github.com/vendorflow/vendorflow/pkg/domain"
)

func TestDefaultSettingsAreTheSample(t *testing.T) {
	values := localValues(t)
	d := DefaultSettings()
	for k, v := range d {
		if values[k] != v {
			t.Errorf("DefaultSettings()[%s] = %q, local.settings.sample.json has %q", k, v, values[k])
		}
	}
	// Every setting a binding reads has a default.
	for _, f := range Functions() {
		if f.Setting != "" && d[f.Setting] == "" {
			t.Errorf("function %s reads %%%s%%, which DefaultSettings lacks", f.Name, f.Setting)
		}
	}
	d[SettingOnboardQueue] = "changed"
	if DefaultSettings()[SettingOnboardQueue] != DefaultOnboardQueue {
		t.Error("DefaultSettings shares its map between calls")
	}
}

func TestQueues(t *testing.T) {
	defaults := Queues{Onboard: DefaultOnboardQueue, Offboard: DefaultOffboardQueue, Parked: DefaultParkingQueue}
	if got := QueuesFrom(nil); got != defaults {
		t.Errorf("QueuesFrom(nil) = %+v, want %+v", got, defaults)
	}
	got := QueuesFrom(map[string]string{SettingOnboardQueue: "on", SettingParkingQueue: ""})
	if want := (Queues{Onboard: "on", Offboard: DefaultOffboardQueue, Parked: DefaultParkingQueue}); got != want {
		t.Errorf("QueuesFrom = %+v, want %+v", got, want)
	}
	kept := Queues{Offboard: "off"}
	kept.SetDefaults()
	if want := (Queues{Onboard: DefaultOnboardQueue, Offboard: "off", Parked: DefaultParkingQueue}); kept != want {
		t.Errorf("SetDefaults = %+v, want %+v", kept, want)
	}

	for _, tt := range []struct {
		q       Queues
		wantErr string
	}{
		{defaults, ""},
		{Queues{Onboard: "a", Offboard: "b"}, "must not be empty"},
		{Queues{Onboard: "a", Offboard: "a", Parked: "p"}, "must differ"},
		{Queues{Onboard: "a", Offboard: "b", Parked: "b"}, "must differ"},
	} {
		err := tt.q.Validate()
		if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v: Validate() = %v, want %q", tt.q, err, tt.wantErr)
		}
	}

	for kind, want := range map[string]string{domain.KindOnboard: DefaultOnboardQueue, domain.KindOffboard: DefaultOffboardQueue} {
		if got, err := defaults.ForKind(kind); err != nil || got != want {
			t.Errorf("ForKind(%q) = %q, %v; want %q", kind, got, err, want)
		}
	}
	if _, err := defaults.ForKind("rehire"); err == nil || !strings.Contains(err.Error(), `unknown message kind "rehire"`) {
		t.Errorf("ForKind(rehire) error = %v", err)
	}
}
