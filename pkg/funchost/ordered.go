package funchost

import (
	"bytes"
	"encoding/json"
	"strings"
)

// orderedObject builds a JSON object whose keys keep their insertion order
// and are matched case-insensitively on assignment, like the host's binding
// data dictionary (StringComparer.OrdinalIgnoreCase): assigning to an
// existing key replaces its value and keeps the first spelling.
type orderedObject struct {
	keys []string
	vals []json.RawMessage
}

// set assigns v to key (case-insensitively).
func (o *orderedObject) set(key string, v json.RawMessage) {
	for i, k := range o.keys {
		if strings.EqualFold(k, key) {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
}

// MarshalJSON implements json.Marshaler.
func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(marshalNoEscape(k))
		buf.WriteByte(':')
		buf.Write(o.vals[i])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
