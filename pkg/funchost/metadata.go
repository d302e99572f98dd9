package funchost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// metaValue is one Metadata value with its quoting made explicit. The host
// serialises binding data with JsonConvert.SerializeObject before putting it
// in the envelope (HOST GetHttpScriptInvocationContextValue), so:
//
//	layers 0: raw JSON — objects (ApplicationProperties, MessageActions);
//	layers 1: one JSON string — numbers and times ("DeliveryCount":"1",
//	          "EnqueuedTimeUtc":"2023-10-12T20:13:49");
//	layers 2: a JSON string holding a JSON string literal — .NET strings
//	          ("MessageId":"\"4e77...\"").
//
// text is the innermost text (for layers 0 the raw JSON text).
type metaValue struct {
	raw    json.RawMessage
	layers int
	text   string
}

// parseMetaValue classifies raw; ok is false for absent or null values.
func parseMetaValue(raw json.RawMessage) (metaValue, bool) {
	t := bytes.TrimSpace(raw)
	if isNull(t) {
		return metaValue{}, false
	}
	if t[0] != '"' {
		return metaValue{raw: t, layers: 0, text: string(t)}, true
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return metaValue{raw: t, layers: 0, text: string(t)}, true
	}
	if inner, ok := unquoteJSONString(s); ok {
		return metaValue{raw: t, layers: 2, text: inner}, true
	}
	return metaValue{raw: t, layers: 1, text: s}, true
}

// metadataReader reads binding-owned keys from Metadata while refusing values
// that may be copies of message-body properties (see shadow.go).
type metadataReader struct {
	md       map[string]json.RawMessage
	body     bodyFields
	shadowed []string
	errs     []error
}

// pick returns the first trustworthy value among keys (in preference order,
// e.g. "EnqueuedTimeUtc" then "EnqueuedTime"). For each key the exact
// spelling is tried first, then spellings equal under case folding. A value
// that may be a body property copied by the host is skipped and its key
// recorded in shadowed.
func (m *metadataReader) pick(keys ...string) (metaValue, string, bool) {
	for _, key := range keys {
		cands := []string{key}
		cands = append(cands, foldedKeys(m.md, key)...)
		for _, k := range cands {
			raw, ok := m.md[k]
			if !ok {
				continue
			}
			v, ok := parseMetaValue(raw)
			if !ok {
				continue
			}
			if m.body.mayBeCopy(k, v) {
				m.addShadowed(k)
				continue
			}
			return v, k, true
		}
	}
	return metaValue{}, "", false
}

func (m *metadataReader) addShadowed(k string) {
	for _, s := range m.shadowed {
		if s == k {
			return
		}
	}
	m.shadowed = append(m.shadowed, k)
}

func (m *metadataReader) fail(key, reason string) {
	m.errs = append(m.errs, fmt.Errorf("%w: %s %s", ErrMalformedMetadata, key, reason))
}

// err returns the first recorded error.
func (m *metadataReader) err() error {
	if len(m.errs) == 0 {
		return nil
	}
	return m.errs[0]
}

// str reads a string-typed key. Scalars of any quoting depth are accepted;
// objects and arrays are an error.
func (m *metadataReader) str(keys ...string) string {
	v, k, ok := m.pick(keys...)
	if !ok {
		return ""
	}
	if v.layers == 0 && (v.text[0] == '{' || v.text[0] == '[') {
		m.fail(k, "is not a string")
		return ""
	}
	return v.text
}

// int64 reads an integer-typed key: "1" (the host's form), 1, or "\"1\"".
func (m *metadataReader) int64(keys ...string) int64 {
	v, k, ok := m.pick(keys...)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v.text, 10, 64)
	if err != nil {
		m.fail(k, "is not an integer")
		return 0
	}
	return n
}

// time reads a time-typed key, zoned or zoneless (zoneless is UTC).
func (m *metadataReader) time(keys ...string) time.Time {
	v, k, ok := m.pick(keys...)
	if !ok {
		return time.Time{}
	}
	if v.layers == 0 {
		m.fail(k, "is not a time string")
		return time.Time{}
	}
	t, err := parseHostTime(v.text)
	if err != nil {
		m.fail(k, err.Error())
		return time.Time{}
	}
	return t
}

// object reads an object-typed key: a JSON object, or object text inside a
// string. An empty object gives nil.
func (m *metadataReader) object(keys ...string) map[string]any {
	v, k, ok := m.pick(keys...)
	if !ok {
		return nil
	}
	raw, ok := unwrapObject(v.raw)
	if !ok {
		m.fail(k, "is not an object")
		return nil
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		m.fail(k, "is not an object")
		return nil
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
