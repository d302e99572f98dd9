package funchost

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Body-field shadowing (REFERENCE §1: "If the body is a JSON object its
// top-level properties are copied into Metadata (case-insensitive), so a body
// field named messageId can shadow the real one").
//
// The host keeps binding data in a case-insensitive dictionary and assigns
// each body property over it (HOST Utility.ApplyBindingData:
// bindingData[key] = value). A body {"messageId":"req-7"} therefore replaces
// the value under the existing key "MessageId" — the key keeps the binding's
// spelling, so the spelling proves nothing — and the real MessageId is gone
// from the envelope. Two consequences for the decoder:
//
//  1. Never unmarshal Metadata into a struct: encoding/json matches field
//     names case-insensitively, so a body property "messageid" would fill
//     MessageID even when the host kept the real key. Metadata is read as a
//     map, the binding's exact key first (metadataReader.pick).
//
//  2. Compare each candidate with the body's own properties. The host's copy
//     of a property is fully predictable (hostcopy.go): a scalar becomes a
//     string serialised again — two layers of quoting ("\"req-7\"",
//     "\"1\"") — and an object stays an object. The binding's own values
//     differ in form where they can: numbers and times are serialised once
//     ("DeliveryCount":"1", "EnqueuedTimeUtc":"2023-10-12T20:13:49"), so a
//     two-layer DeliveryCount next to a body "deliveryCount" is the copy.
//     Strings and objects have the same form either way; there a value that
//     differs from the body's property proves that the binding's value
//     survived, and an equal value is indistinguishable.
//
// Decision: a value that could be the copy of a same-named (case-folded) body
// property is not used. The field stays zero, the Metadata key is listed in
// ServiceBusMessage.Shadowed, and the next alias is tried (EnqueuedTime after
// EnqueuedTimeUtc, Label after Subject, UserProperties after
// ApplicationProperties). Nothing is lost by refusing an equal value: the
// caller can read that same value from the body, where it is the body's own
// field, knowing it is not the broker's. What is prevented is a request
// field silently standing in for a broker property — a body "deliveryCount"
// hiding the real DeliveryCount would stop poison messages from ever being
// parked.

// mayBeCopy reports whether v, found under Metadata key key, could be the
// host's copy of a body property with the same name under case folding.
func (b bodyFields) mayBeCopy(key string, v metaValue) bool {
	for _, f := range b {
		if strings.EqualFold(f.name, key) && copyMatches(f.raw, v) {
			return true
		}
	}
	return false
}

// copyMatches reports whether v has the form and value of the host's copy of
// the body property raw. Besides the exact copy (hostcopy.go) it tolerates
// other formatting of the same number or instant, so that a host version
// printing them differently is still caught.
func copyMatches(raw json.RawMessage, v metaValue) bool {
	t := bytes.TrimSpace(raw)
	if isNull(t) || t[0] == '[' {
		return false // never copied
	}
	if t[0] == '{' {
		return v.layers == 0 && jsonEqual(v.raw, t)
	}
	if v.layers != 2 {
		return false // a copied scalar is always a string serialised again
	}
	want, ok := hostScalarString(t)
	if !ok {
		return false
	}
	if v.text == want {
		return true
	}
	switch t[0] {
	case '"':
		var s string
		_ = json.Unmarshal(t, &s) // hostScalarString succeeded, so t is a string
		return v.text == s || sameInstant(v.text, s)
	case 't', 'f':
		return strings.EqualFold(v.text, string(t))
	default:
		return sameNumber(v.text, string(t))
	}
}

// jsonEqual compares two JSON texts by value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// sameInstant reports whether a and b are host times naming the same second.
func sameInstant(a, b string) bool {
	x, err1 := parseHostTime(a)
	y, err2 := parseHostTime(b)
	if err1 != nil || err2 != nil || x.IsZero() || y.IsZero() {
		return false
	}
	return x.Truncate(time.Second).Equal(y.Truncate(time.Second))
}

// sameNumber reports whether a and b are the same number.
func sameNumber(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && x == y
}
