package berg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"paperboy/sdk"
)

// Limits of meta.json. BERG set none that we know of; these are far above
// what any publication used and keep one publication from filling a page
// or the database.
const (
	MaxMetaBytes       = 256 << 10
	MaxNameLen         = 100  // characters of the name
	MaxDescriptionLen  = 4000 // characters of the description, tags included
	MaxFields          = 50
	MaxOptions         = 200 // options of one field
	MaxLabelLen        = 200 // characters of a field's or an option's label
	MaxOptionValueLen  = 200 // characters of an option's value
	maxFieldNameLength = 64
)

// Field types, as Meta keeps them: BERG's spellings are normalised to
// these.
const (
	TypeText     = "text"
	TypeSelect   = "select"
	TypeRadio    = "radio"
	TypeCheckbox = "checkbox"
)

// Meta is a publication's meta.json, read tolerantly.
type Meta struct {
	Name string
	// Description is as the publication wrote it: HTML with <strong>,
	// <em>, <br> and <a>. Put it in a page only through Description.
	Description string
	// DeliveredOn completes "Delivered …": prose, not a schedule. The
	// publication decides its days itself and answers 204 on the others.
	DeliveredOn string
	OwnerEmail  string
	APIVersion  string // "1.0", "0.1" or "" when missing
	// SendTimezoneInfo asks for local_delivery_time on every edition
	// request, SendDeliveryCount for delivery_count.
	SendTimezoneInfo  bool
	SendDeliveryCount bool
	// ExternalConfiguration sends subscribers to the publication's
	// /configure/ when they subscribe.
	ExternalConfiguration bool
	// Push is delivery_type "push": the publication posts its editions and
	// is never asked for /edition/.
	Push   bool
	Fields []Field
}

// Field is one entry of the subscription form.
type Field struct {
	Type    string // TypeText, TypeSelect, TypeRadio or TypeCheckbox
	Name    string // as the publication spells it: the query parameter's name
	Label   string
	Options []Option
}

// Option is one choice of a select, radio or checkbox field.
type Option struct {
	Label, Value string
}

// reservedParams are the query parameters paperboy sends to /edition/
// itself: a field of the same name would be overwritten or would collide.
var reservedParams = map[string]bool{"test": true, "delivery_count": true, "local_delivery_time": true}

// fieldNameRE is what a field name may be. BERG published no rule; field
// names become query parameters and form keys, and those seen in the wild
// are words, sometimes with Rails-style brackets.
var fieldNameRE = regexp.MustCompile(`^[A-Za-z0-9_.\[\]-]{1,64}$`)

// ParseMeta reads meta.json. It accepts what publishers served BERG, not
// only what BERG documented: booleans as strings, API version "0.1" or
// none, "check_box" and the legacy "input" fields, labels and values as
// numbers, and the 2012 fields delivered_every and content_type. Only the
// name is required. Errors start with "meta.json: " and say what to fix.
func ParseMeta(data []byte) (Meta, error) {
	if len(data) > MaxMetaBytes {
		return Meta{}, fmt.Errorf("meta.json: larger than %d KB", MaxMetaBytes>>10)
	}
	// Files saved by some editors start with a byte-order mark, which JSON
	// does not allow.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var top map[string]json.RawMessage
	if err := strictUnmarshal(data, &top); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Meta{}, errors.New("meta.json: not a JSON object")
		}
		return Meta{}, fmt.Errorf("meta.json: not JSON: %v", err)
	}
	if top == nil {
		return Meta{}, errors.New("meta.json: not a JSON object")
	}

	var m Meta
	var err error
	str := func(key string) string {
		if err != nil {
			return ""
		}
		var s string
		s, err = textOf(top[key], key)
		return s
	}
	flag := func(key string) bool {
		if err != nil {
			return false
		}
		var b bool
		b, err = boolOf(top[key], key)
		return b
	}
	m.Name = strings.TrimSpace(str("name"))
	m.Description = strings.TrimSpace(str("description"))
	m.DeliveredOn = strings.TrimSpace(str("delivered_on"))
	every := strings.TrimSpace(str("delivered_every"))
	m.OwnerEmail = strings.TrimSpace(str("owner_email"))
	m.APIVersion = strings.TrimSpace(str("publication_api_version"))
	m.SendTimezoneInfo = flag("send_timezone_info")
	m.SendDeliveryCount = flag("send_delivery_count")
	m.ExternalConfiguration = flag("external_configuration")
	if _, ok := top["external_configuration"]; !ok {
		// BERG's own structure page spelt it so.
		m.ExternalConfiguration = flag("external_config")
	}
	deliveryType := strings.ToLower(strings.TrimSpace(str("delivery_type")))
	contentType := strings.ToLower(strings.TrimSpace(str("content_type")))
	if err != nil {
		return Meta{}, fmt.Errorf("meta.json: %w", err)
	}

	switch {
	case m.Name == "":
		return Meta{}, errors.New("meta.json: no name")
	case utf8.RuneCountInString(m.Name) > MaxNameLen:
		return Meta{}, fmt.Errorf("meta.json: the name is longer than %d characters", MaxNameLen)
	case utf8.RuneCountInString(m.Description) > MaxDescriptionLen:
		return Meta{}, fmt.Errorf("meta.json: the description is longer than %d characters", MaxDescriptionLen)
	}
	if m.DeliveredOn == "" && every != "" {
		// The 2012 API said "delivered_every": "day".
		m.DeliveredOn = "every " + every
	}
	switch deliveryType {
	case "push":
		m.Push = true
	case "fetch", "":
		if deliveryType == "" && contentType == "push" {
			// The 2012 API said "content_type": "pull" or "push".
			m.Push = true
		}
	default:
		return Meta{}, fmt.Errorf("meta.json: delivery_type %q: want \"fetch\" or \"push\"", deliveryType)
	}

	m.Fields, err = fieldsOf(top["config"])
	if err != nil {
		return Meta{}, fmt.Errorf("meta.json: %w", err)
	}
	return m, nil
}

// strictUnmarshal is json.Unmarshal keeping numbers as they were written:
// an option value 1.0 stays "1.0".
func strictUnmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(data[d.InputOffset():])) > 0 {
		return errors.New("more than one JSON value")
	}
	return nil
}

// isNull reports whether a value is missing or null, which mean the
// default everywhere in meta.json.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// textOf reads a string, or a number or boolean as its text.
func textOf(raw json.RawMessage, what string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var v any
	if err := strictUnmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%s: %v", what, err)
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	}
	return "", fmt.Errorf("%s: want a string", what)
}

// boolOf reads a boolean: true or false, as JSON or as a string in any
// case, or 1 and 0 either way. Missing is false.
func boolOf(raw json.RawMessage, what string) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	var v any
	if err := strictUnmarshal(raw, &v); err != nil {
		return false, fmt.Errorf("%s: %v", what, err)
	}
	var s string
	switch v := v.(type) {
	case bool:
		return v, nil
	case json.Number:
		s = v.String()
	case string:
		s = strings.ToLower(strings.TrimSpace(v))
	}
	switch s {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, fmt.Errorf("%s: want true or false", what)
}

// fieldsOf reads config: missing, {}, [] (PHP's json_encode of an empty
// array) or {"fields": [...]}.
func fieldsOf(raw json.RawMessage) ([]Field, error) {
	if isNull(raw) {
		return nil, nil
	}
	var config map[string]json.RawMessage
	if err := strictUnmarshal(raw, &config); err != nil {
		var empty []any
		if strictUnmarshal(raw, &empty) == nil && len(empty) == 0 {
			return nil, nil
		}
		return nil, errors.New(`config: want an object such as {"fields": [...]}`)
	}
	if isNull(config["fields"]) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := strictUnmarshal(config["fields"], &list); err != nil {
		return nil, errors.New("config.fields: want a list of fields")
	}
	if len(list) > MaxFields {
		return nil, fmt.Errorf("config.fields: more than %d fields", MaxFields)
	}
	fields := make([]Field, 0, len(list))
	seen := map[string]bool{}
	for i, raw := range list {
		f, err := fieldOf(raw)
		if err != nil {
			if f.Name != "" {
				return nil, fmt.Errorf("config field %q: %w", f.Name, err)
			}
			return nil, fmt.Errorf("config field %d: %w", i+1, err)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("config: two fields named %q", f.Name)
		}
		seen[f.Name] = true
		fields = append(fields, f)
	}
	return fields, nil
}

// fieldOf reads one field. On an error the returned Field has the name, if
// it was read, for the message.
func fieldOf(raw json.RawMessage) (Field, error) {
	var obj map[string]json.RawMessage
	if err := strictUnmarshal(raw, &obj); err != nil || obj == nil {
		return Field{}, errors.New("want an object")
	}
	name, err := textOf(obj["name"], "name")
	if err != nil {
		return Field{}, err
	}
	f := Field{Name: strings.TrimSpace(name)}
	switch {
	case f.Name == "":
		return Field{}, errors.New("no name")
	case !fieldNameRE.MatchString(f.Name):
		f.Name = clip(f.Name, maxFieldNameLength)
		return f, fmt.Errorf("the name: want 1 to %d letters, digits and _ - . [ ]", maxFieldNameLength)
	case reservedParams[f.Name]:
		return f, errors.New("paperboy sends a parameter of that name itself: rename the field")
	}
	typ, err := textOf(obj["type"], "type")
	if err != nil {
		return f, err
	}
	switch strings.ToLower(strings.TrimSpace(typ)) {
	case "select":
		f.Type = TypeSelect
	case "radio":
		f.Type = TypeRadio
	case "checkbox", "check_box":
		f.Type = TypeCheckbox
	default:
		// "text", the 2012 "input", and what publishers tried that BERG
		// did not support ("url") are all one line of text.
		f.Type = TypeText
	}
	label, err := textOf(obj["label"], "label")
	if err != nil {
		return f, err
	}
	f.Label = strings.TrimSpace(label)
	if utf8.RuneCountInString(f.Label) > MaxLabelLen {
		return f, fmt.Errorf("the label is longer than %d characters", MaxLabelLen)
	}
	if f.Options, err = optionsOf(obj["options"]); err != nil {
		return f, err
	}
	if (f.Type == TypeSelect || f.Type == TypeRadio) && len(f.Options) == 0 {
		return f, fmt.Errorf("a %s field needs options", f.Type)
	}
	return f, nil
}

// optionsOf reads options: [label, value] pairs, or a bare "x" for label
// and value x; numbers become their text.
func optionsOf(raw json.RawMessage) ([]Option, error) {
	if isNull(raw) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := strictUnmarshal(raw, &list); err != nil {
		return nil, errors.New(`options: want a list of ["label", "value"] pairs`)
	}
	if len(list) > MaxOptions {
		return nil, fmt.Errorf("more than %d options", MaxOptions)
	}
	opts := make([]Option, 0, len(list))
	for i, raw := range list {
		var o Option
		var pair []json.RawMessage
		if strictUnmarshal(raw, &pair) == nil && pair != nil {
			if len(pair) != 1 && len(pair) != 2 {
				return nil, fmt.Errorf(`option %d: want ["label", "value"]`, i+1)
			}
			label, err := textOf(pair[0], "label")
			if err != nil {
				return nil, fmt.Errorf("option %d: %w", i+1, err)
			}
			o = Option{Label: label, Value: label}
			if len(pair) == 2 {
				if o.Value, err = textOf(pair[1], "value"); err != nil {
					return nil, fmt.Errorf("option %d: %w", i+1, err)
				}
			}
		} else {
			s, err := textOf(raw, "option")
			if err != nil || isNull(raw) {
				return nil, fmt.Errorf(`option %d: want ["label", "value"]`, i+1)
			}
			o = Option{Label: s, Value: s}
		}
		o.Label = strings.TrimSpace(o.Label)
		switch {
		case utf8.RuneCountInString(o.Label) > MaxLabelLen:
			return nil, fmt.Errorf("option %d: the label is longer than %d characters", i+1, MaxLabelLen)
		case utf8.RuneCountInString(o.Value) > MaxOptionValueLen:
			return nil, fmt.Errorf("option %d: the value is longer than %d characters", i+1, MaxOptionValueLen)
		}
		if o.Label == "" {
			o.Label = o.Value
		}
		opts = append(opts, o)
	}
	return opts, nil
}

// clip shortens s to n characters, for messages.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// SDK is the publication as paperboy shows it and checks configs with,
// named name. Its field names are the publication's own, which need not
// keep to the plugins' rule: call CheckConfig on it, not Check. Days is
// empty because a BERG publication decides its days itself and answers 204
// on the others; Schedule and MinInterval are left to the caller.
func (m Meta) SDK(name string) sdk.Meta {
	out := sdk.Meta{
		Name:        name,
		Title:       m.Name,
		Description: PlainText(m.Description),
		Kind:        sdk.Scheduled,
		// An edition is asked for each subscription with its own config,
		// time and count: nothing is shared.
		Personal: true,
	}
	if m.Push {
		out.Kind = sdk.Push
	}
	for _, f := range m.Fields {
		// Labels are text in paperboy's forms; some publications wrote
		// entities in theirs.
		label := PlainText(f.Label)
		if label == "" {
			label = f.Name
		}
		sf := sdk.Field{Name: f.Name, Label: label}
		switch {
		case (f.Type == TypeSelect || f.Type == TypeRadio) && len(f.Options) > 0:
			sf.Type = sdk.Select
			for _, o := range f.Options {
				label := PlainText(o.Label)
				if label == "" {
					label = o.Value
				}
				sf.Choices = append(sf.Choices, sdk.Choice{Value: o.Value, Label: label})
			}
			sf.Default = f.Options[0].Value
		case f.Type == TypeCheckbox:
			// How BERG sent a checkbox is not documented: paperboy sends
			// "true" or "false".
			sf.Type = sdk.Bool
			sf.Default = "false"
		default:
			// Text, and a choice without choices, which ParseMeta refuses
			// but a Meta made by hand may have.
			sf.Type = sdk.Text
		}
		out.Fields = append(out.Fields, sf)
	}
	return out
}
