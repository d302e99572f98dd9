package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// maxRequestDepth bounds the nesting of a request (its schema needs 2).
const maxRequestDepth = 8

// MaxRequestBytes bounds a request body: a valid one is well under 4 KiB,
// and the journal keeps each body whole (the Table journal holds at most
// 64 KiB in one property).
const MaxRequestBytes = 16 << 10

// DecodeRequest decodes a request body into v, refusing what a strict
// reader of the schema would refuse (and a body over MaxRequestBytes), and
// words every refusal in the
// request's own terms (a field's JSON path and the rule it broke), never
// in Go's: a body that is not one JSON object, a key twice in one object at
// any depth (readers disagree on which one wins, so a producer's
// validator could approve what vendorflow would act on differently),
// nesting deeper than maxRequestDepth, unknown fields, a value of the
// wrong JSON type, and anything after the object.
func DecodeRequest(b []byte, v any) error {
	if len(b) > MaxRequestBytes {
		return fmt.Errorf("the request is %d bytes; a request is at most %d", len(b), MaxRequestBytes)
	}
	if err := checkShape(b, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return wordDecodeError(err)
	}
	return nil
}

// checkShape walks b's tokens: one object, no key twice in an object (in
// any letter case: encoding/json matches keys case-insensitively, so
// "vendor" and "Vendor" would land in one field), every key of an object
// that t describes spelt exactly as its schema does, bounded depth, nothing
// after it.
func checkShape(b []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		fields map[string]reflect.Type // the schema's keys, when known
		elem   reflect.Type            // a list's element type, when known
		path   string                  // of this container
		key    string                  // the last key read, while its value is pending
		inKey  bool                    // the next string token is a key
		index  int
	}
	// typeOf is the schema type of the value about to be read.
	typeOf := func(stack []*frame) reflect.Type {
		f := topOf(stack)
		switch {
		case f == nil:
			return t
		case f.object && f.fields != nil:
			return f.fields[f.key]
		case !f.object:
			return f.elem
		}
		return nil
	}
	var stack []*frame
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return joinPath(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.inKey = true
		} else {
			f.index++
		}
	}
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if first {
				return errors.New("the body is empty: a request is one JSON object")
			}
			return nil
		}
		if err != nil {
			return wordDecodeError(err)
		}
		if len(stack) == 0 && !first {
			return errors.New("the body has data after the request's JSON object")
		}
		if first {
			first = false
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return fmt.Errorf("the body must be one JSON object, not %s", jsonKind(tok))
			}
		}
		if f := topOf(stack); f != nil && f.object && f.inKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			key := tok.(string) // the decoder only yields strings as keys
			if f.keys[strings.ToLower(key)] {
				return fmt.Errorf("field %s appears twice (letter case aside); each field must appear once", joinPath(f.path, key))
			}
			if _, known := f.fields[key]; f.fields != nil && !known {
				return fmt.Errorf("field %s is not part of the request schema (schemaVersion %d); names are case-sensitive", joinPath(f.path, key), SchemaVersion)
			}
			f.keys[strings.ToLower(key)], f.key, f.inKey = true, key, false
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxRequestDepth {
					return fmt.Errorf("%s is nested deeper than %d levels", pathOrBody(childPath()), maxRequestDepth)
				}
				nf := &frame{object: t == '{', keys: map[string]bool{}, path: childPath(), inKey: t == '{'}
				if st := deref(typeOf(stack)); st != nil {
					switch {
					case nf.object && st.Kind() == reflect.Struct:
						nf.fields = jsonFields(st)
					case !nf.object && (st.Kind() == reflect.Slice || st.Kind() == reflect.Array):
						nf.elem = st.Elem()
					}
				}
				stack = append(stack, nf)
			case ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
		default:
			valueDone()
		}
	}
}

// deref is t without pointers; nil stays nil.
func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonFields maps a struct's JSON keys (its json tags, else its field
// names) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func topOf[T any](s []*T) *T {
	if len(s) == 0 {
		return nil
	}
	return s[len(s)-1]
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func pathOrBody(p string) string {
	if p == "" {
		return "the request"
	}
	return "field " + p
}

// jsonKind names a token's JSON type.
func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return "an object"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "true or false"
	case nil:
		return "null"
	}
	return "a value"
}

// wordDecodeError turns encoding/json's errors into the request's terms.
func wordDecodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return fmt.Errorf("the request must be a JSON object, not %s", jsonValueKind(te.Value))
		}
		return fmt.Errorf("field %s must be %s, not %s", field, wantKind(te.Type), jsonValueKind(te.Value))
	case errors.As(err, &se):
		return fmt.Errorf("the body is not valid JSON (at byte %d)", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the body is not valid JSON: it ends inside the request")
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("field %s is not part of the request schema (schemaVersion %d)", strings.Trim(name, `"`), SchemaVersion)
	}
	return fmt.Errorf("the body is not a valid request: %s", strings.TrimPrefix(msg, "json: "))
}

// jsonValueKind words UnmarshalTypeError.Value ("string", "number 1.5", …).
func jsonValueKind(v string) string {
	switch {
	case v == "string":
		return "a string"
	case v == "bool":
		return "true or false"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case strings.HasPrefix(v, "number"):
		return "a number"
	}
	return v
}

// wantKind words the Go type a field decodes into as the JSON it wants.
func wantKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another type"
}

// RequestIDOf returns the request's requestId when the body is a JSON
// object whose requestId appears once, as a usable id, so that a request
// that fails to decode is still journaled and answered under its own id.
func RequestIDOf(b []byte) (string, bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return "", false
	}
	raw, ok := top["requestId"]
	if !ok || bytes.Count(b, []byte(`"requestId"`)) != 1 {
		return "", false // absent, or perhaps twice (checkShape refused the body)
	}
	var id string
	if json.Unmarshal(raw, &id) != nil || !ValidRequestID(id) {
		return "", false
	}
	return id, true
}
