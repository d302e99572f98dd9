package funchost

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// TimerInfo is a timer trigger invocation, normalised.
type TimerInfo struct {
	// IsPastDue is true when the invocation runs later than scheduled.
	IsPastDue bool
	// Last, Next and LastUpdated come from ScheduleStatus, in UTC; all zero
	// when ScheduleStatus is null (first run, or useMonitor false).
	Last, Next, LastUpdated time.Time
	// InvocationID is the X-Azure-Functions-InvocationId header.
	InvocationID string
}

// timerPayload is Data.<binding> of a timer invocation (REFERENCE §1):
// {"Schedule":{"AdjustForDST":true},"ScheduleStatus":{...}|null,"IsPastDue":false}.
type timerPayload struct {
	ScheduleStatus *struct {
		Last        hostTime
		Next        hostTime
		LastUpdated hostTime
	}
	IsPastDue hostBool
}

// DecodeTimer decodes a timer trigger invocation with the default Config.
func DecodeTimer(r *http.Request, binding string) (TimerInfo, error) {
	return defaultDecoder().DecodeTimer(r, binding)
}

// DecodeTimer decodes a timer trigger invocation from Data.<binding>. Times
// parse with or without a zone (zoneless is UTC); null times are zero.
func (d *Decoder) DecodeTimer(r *http.Request, binding string) (TimerInfo, error) {
	env, err := readEnvelope(r, d.cfg.MaxTimerBytes)
	if err != nil {
		return TimerInfo{}, err
	}
	raw, err := env.binding(binding)
	if err != nil {
		return TimerInfo{}, err
	}
	obj, ok := unwrapObject(raw)
	if !ok {
		return TimerInfo{}, fmt.Errorf("%w: Data.%s is not a timer object", ErrMalformedBinding, binding)
	}
	var p timerPayload
	if err := json.Unmarshal(obj, &p); err != nil {
		return TimerInfo{}, fmt.Errorf("%w: Data.%s: %s", ErrMalformedBinding, binding, valueErrDetail(err))
	}
	t := TimerInfo{IsPastDue: bool(p.IsPastDue), InvocationID: r.Header.Get(HeaderInvocationID)}
	if s := p.ScheduleStatus; s != nil {
		t.Last, t.Next, t.LastUpdated = s.Last.Time, s.Next.Time, s.LastUpdated.Time
	}
	return t, nil
}

// valueErrDetail describes an error from decoding a binding value without
// echoing the value: JSON errors by kind, our own unmarshalers' messages
// (which never contain input) as they are.
func valueErrDetail(err error) string {
	switch err.(type) {
	case *json.SyntaxError, *json.UnmarshalTypeError:
		return jsonErrDetail(err)
	default:
		return err.Error()
	}
}
