package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

// jsonError says what is wrong with a JSON body decoded into v, in the
// words of JSON and of the API's fields rather than Go's types:
// "field \"name\" must be a string, not a number", not "cannot unmarshal
// number into Go struct field .name of type string". A body too large is
// returned as it is, for its 413.
func jsonError(err error, v any) error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return errJSON("the body is empty: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errJSON("the body ends in the middle of its JSON")
	case errors.As(err, &syntax):
		return errJSON(fmt.Sprintf("the body is not valid JSON (at byte %d): %s", syntax.Offset, syntax.Error()))
	case errors.As(err, &typ):
		return errJSON(typeMessage(typ, reflect.TypeOf(v)))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errJSON("unknown field " + name)
	}
	return errJSON("the body is not the JSON expected: " + strings.TrimPrefix(err.Error(), "json: "))
}

// errJSON is a body that is not the JSON expected.
func errJSON(msg string) error {
	return &httpError{status: http.StatusBadRequest, code: CodeJSON, msg: msg}
}

// typeMessage says which field holds the wrong kind of value. The decoder
// names a map's or a list's field, not the item; root, the type decoded
// into, tells them apart.
func typeMessage(e *json.UnmarshalTypeError, root reflect.Type) string {
	got := jsonValue(e.Value)
	if e.Field == "" {
		return fmt.Sprintf("the body must be %s, not %s", jsonKind(e.Type), got)
	}
	if f := fieldType(root, e.Field); f != nil && f != e.Type && (f.Kind() == reflect.Map || f.Kind() == reflect.Slice) {
		return fmt.Sprintf("each value in field %q must be %s, not %s", e.Field, jsonKind(e.Type), got)
	}
	return fmt.Sprintf("field %q must be %s, not %s", e.Field, jsonKind(e.Type), got)
}

// fieldType is the type of the field at a dotted JSON path in t, nil if
// there is none.
func fieldType(t reflect.Type, path string) reflect.Type {
	for name := range strings.SplitSeq(path, ".") {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return nil
		}
		var found reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "" {
				tag = f.Name
			}
			if strings.EqualFold(tag, name) {
				found = f.Type
				break
			}
		}
		t = found
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonKind is what a Go type takes in JSON, for people.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another kind of value"
}

// jsonValue is the decoder's name of a JSON value ("array", "number 1.5"),
// for people.
func jsonValue(v string) string {
	switch v {
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	return v
}
