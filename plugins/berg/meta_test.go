package berg

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"paperboy/sdk"
)

func TestParseMetaRealWorld(t *testing.T) {
	t.Parallel()
	helloFields := []Field{
		{Type: TypeText, Name: "name", Label: "Say hello to"},
		{Type: TypeSelect, Name: "lang", Label: "Language", Options: []Option{
			{"English", "english"}, {"French", "french"}, {"German", "german"}, {"Spanish", "spanish"},
			{"Portuguese", "portuguese"}, {"Italian", "italian"}, {"Swedish", "swedish"},
		}},
	}
	tests := []struct {
		file string
		want Meta
	}{
		{"hello-world.json", Meta{
			Name:             "Hello World",
			Description:      `A simple example publication that says hello <em>every Monday</em>. See the <a href="http://remote.bergcloud.com/developers/">developer pages</a>.`,
			DeliveredOn:      "every Monday",
			OwnerEmail:       "hello@example.org",
			APIVersion:       "1.0",
			SendTimezoneInfo: true,
			Fields:           helloFields,
		}},
		{"push-example.json", Meta{
			Name:        "Push Example",
			Description: "Prints a greeting whenever the publisher pushes one.",
			DeliveredOn: "when an event happens",
			OwnerEmail:  "push@example.org",
			APIVersion:  "1.0",
			Push:        true,
			Fields:      []Field{{Type: TypeText, Name: "name", Label: "Your name"}},
		}},
		{"word-of-the-day.json", Meta{
			Name:        "Word of the Day",
			Description: "A new word to learn, every week day.",
			DeliveredOn: "every day",
		}},
		{"php-littleprinter.json", Meta{
			Name:             "Sundays Only",
			Description:      "A quoted-booleans meta from a PHP generator",
			DeliveredOn:      "Sundays",
			OwnerEmail:       "someone@example.com",
			APIVersion:       "1.0",
			SendTimezoneInfo: true,
			Fields: []Field{
				{Type: TypeCheckbox, Name: "pictures", Label: "Include pictures"},
				{Type: TypeRadio, Name: "size", Label: "Size", Options: []Option{{"Small", "s"}, {"Large", "l"}}},
			},
		}},
		{"django.json", Meta{
			Name:              "Django Printer",
			Description:       "Options serialized label first from choices.",
			DeliveredOn:       "every day",
			OwnerEmail:        "dj@example.com",
			APIVersion:        "1.0",
			SendTimezoneInfo:  true,
			SendDeliveryCount: true,
			Fields: []Field{
				{Type: TypeSelect, Name: "city", Label: "City", Options: []Option{{"London", "LDN"}, {"New York", "NYC"}, {"1", "1"}, {"Paris", "Paris"}}},
				{Type: TypeCheckbox, Name: "weekends", Label: "Weekends too"},
			},
		}},
		{"config-empty.json", Meta{Name: "Nothing to configure", APIVersion: "0.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseMeta(data)
			if err != nil {
				t.Fatalf("ParseMeta: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMeta:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseMetaTolerates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, json string
		check      func(Meta) bool
	}{
		{"string booleans any case", `{"name":"x","send_timezone_info":"TRUE","send_delivery_count":"True","external_configuration":"false"}`,
			func(m Meta) bool { return m.SendTimezoneInfo && m.SendDeliveryCount && !m.ExternalConfiguration }},
		{"1 and 0", `{"name":"x","send_timezone_info":"1","send_delivery_count":0,"external_configuration":1}`,
			func(m Meta) bool { return m.SendTimezoneInfo && !m.SendDeliveryCount && m.ExternalConfiguration }},
		{"null booleans", `{"name":"x","send_timezone_info":null}`, func(m Meta) bool { return !m.SendTimezoneInfo }},
		{"external_config misspelt", `{"name":"x","external_config":true}`, func(m Meta) bool { return m.ExternalConfiguration }},
		{"external_configuration wins", `{"name":"x","external_config":true,"external_configuration":false}`, func(m Meta) bool { return !m.ExternalConfiguration }},
		{"content_type push", `{"name":"x","content_type":"push"}`, func(m Meta) bool { return m.Push }},
		{"content_type pull", `{"name":"x","content_type":"pull"}`, func(m Meta) bool { return !m.Push }},
		{"delivery_type wins", `{"name":"x","content_type":"push","delivery_type":"fetch"}`, func(m Meta) bool { return !m.Push }},
		{"delivery_type any case", `{"name":"x","delivery_type":"Push"}`, func(m Meta) bool { return m.Push }},
		{"delivered_on wins", `{"name":"x","delivered_on":"Mondays","delivered_every":"day"}`, func(m Meta) bool { return m.DeliveredOn == "Mondays" }},
		{"api version as a number", `{"name":"x","publication_api_version":1.0}`, func(m Meta) bool { return m.APIVersion == "1.0" }},
		{"config missing", `{"name":"x"}`, func(m Meta) bool { return m.Fields == nil }},
		{"config null", `{"name":"x","config":null}`, func(m Meta) bool { return m.Fields == nil }},
		{"config [] from PHP", `{"name":"x","config":[]}`, func(m Meta) bool { return m.Fields == nil }},
		{"fields null", `{"name":"x","config":{"fields":null}}`, func(m Meta) bool { return m.Fields == nil }},
		{"byte-order mark", "\xef\xbb\xbf{\"name\":\"x\"}", func(m Meta) bool { return m.Name == "x" }},
		{"name trimmed", `{"name":"  Spaced  "}`, func(m Meta) bool { return m.Name == "Spaced" }},
		{"input is text", `{"name":"x","config":{"fields":[{"type":"input","name":"a"}]}}`,
			func(m Meta) bool { return m.Fields[0].Type == TypeText }},
		{"unknown type is text", `{"name":"x","config":{"fields":[{"type":"url","name":"a"}]}}`,
			func(m Meta) bool { return m.Fields[0].Type == TypeText }},
		{"no type is text", `{"name":"x","config":{"fields":[{"name":"a"}]}}`,
			func(m Meta) bool { return m.Fields[0].Type == TypeText }},
		{"check_box", `{"name":"x","config":{"fields":[{"type":"check_box","name":"a"}]}}`,
			func(m Meta) bool { return m.Fields[0].Type == TypeCheckbox }},
		{"type case", `{"name":"x","config":{"fields":[{"type":"SELECT","name":"a","options":["b"]}]}}`,
			func(m Meta) bool { return m.Fields[0].Type == TypeSelect }},
		{"bare option strings", `{"name":"x","config":{"fields":[{"type":"radio","name":"a","options":["b","c"]}]}}`,
			func(m Meta) bool {
				return reflect.DeepEqual(m.Fields[0].Options, []Option{{"b", "b"}, {"c", "c"}})
			}},
		{"number values keep their text", `{"name":"x","config":{"fields":[{"type":"select","name":"a","options":[["One",1],["Half",0.50],[2,"two"]]}]}}`,
			func(m Meta) bool {
				return reflect.DeepEqual(m.Fields[0].Options, []Option{{"One", "1"}, {"Half", "0.50"}, {"2", "two"}})
			}},
		{"one-element pair", `{"name":"x","config":{"fields":[{"type":"select","name":"a","options":[["b"]]}]}}`,
			func(m Meta) bool { return reflect.DeepEqual(m.Fields[0].Options, []Option{{"b", "b"}}) }},
		{"empty label is the value", `{"name":"x","config":{"fields":[{"type":"select","name":"a","options":[["","v"]]}]}}`,
			func(m Meta) bool { return reflect.DeepEqual(m.Fields[0].Options, []Option{{"v", "v"}}) }},
		{"field names with brackets", `{"name":"x","config":{"fields":[{"name":"config[id]"},{"name":"A.b-c_1"}]}}`,
			func(m Meta) bool { return m.Fields[0].Name == "config[id]" && m.Fields[1].Name == "A.b-c_1" }},
		{"unknown keys ignored", `{"name":"x","sample_params":{"a":1},"whatever":[1,2]}`, func(m Meta) bool { return m.Name == "x" }},
		{"name as a number", `{"name":2048}`, func(m Meta) bool { return m.Name == "2048" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMeta([]byte(tt.json))
			if err != nil {
				t.Fatalf("ParseMeta(%s): %v", tt.json, err)
			}
			if !tt.check(m) {
				t.Errorf("ParseMeta(%s) = %+v", tt.json, m)
			}
		})
	}
}

func TestParseMetaRefuses(t *testing.T) {
	t.Parallel()
	field := func(f string) string { return `{"name":"x","config":{"fields":[` + f + `]}}` }
	many := func(n int, item string) string {
		return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
	}
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", `<html>Not found</html>`, "meta.json: not JSON: "},
		{"truncated", `{"name":"x"`, "meta.json: not JSON: "},
		{"two values", `{"name":"x"} {"name":"y"}`, "meta.json: not JSON: more than one JSON value"},
		{"empty", ``, "meta.json: not JSON: "},
		{"an array", `[{"name":"x"}]`, "meta.json: not a JSON object"},
		{"a string", `"x"`, "meta.json: not a JSON object"},
		{"null", `null`, "meta.json: not a JSON object"},
		{"no name", `{"description":"x"}`, "meta.json: no name"},
		{"blank name", `{"name":"  "}`, "meta.json: no name"},
		{"name an object", `{"name":{"en":"x"}}`, "meta.json: name: want a string"},
		{"long name", `{"name":"` + strings.Repeat("é", 101) + `"}`, "meta.json: the name is longer than 100 characters"},
		{"long description", `{"name":"x","description":"` + strings.Repeat("a", 4001) + `"}`, "meta.json: the description is longer than 4000 characters"},
		{"too big", `{"name":"x","description":"` + strings.Repeat(" ", 256<<10) + `"}`, "meta.json: larger than 256 KB"},
		{"bad boolean", `{"name":"x","send_timezone_info":"yes"}`, "meta.json: send_timezone_info: want true or false"},
		{"bad delivery type", `{"name":"x","delivery_type":"email"}`, `meta.json: delivery_type "email": want "fetch" or "push"`},
		{"config a string", `{"name":"x","config":"none"}`, "meta.json: config: want an object"},
		{"fields an object", `{"name":"x","config":{"fields":{"name":"a"}}}`, "meta.json: config.fields: want a list of fields"},
		{"field not an object", field(`"a"`), "meta.json: config field 1: want an object"},
		{"field without a name", field(`{"type":"text","label":"A"}`), "meta.json: config field 1: no name"},
		{"two fields one name", field(`{"name":"a"},{"name":"a"}`), `meta.json: config: two fields named "a"`},
		{"field named test", field(`{"name":"test"}`), `meta.json: config field "test": paperboy sends a parameter of that name itself`},
		{"field named delivery_count", field(`{"name":"delivery_count"}`), `meta.json: config field "delivery_count": paperboy sends`},
		{"field named local_delivery_time", field(`{"name":"local_delivery_time"}`), `meta.json: config field "local_delivery_time": paperboy sends`},
		{"field name with a space", field(`{"name":"your name"}`), `meta.json: config field "your name": the name: want 1 to 64 letters, digits and _ - . [ ]`},
		{"field name too long", field(`{"name":"` + strings.Repeat("a", 65) + `"}`), "the name: want 1 to 64"},
		{"field name not ASCII", field(`{"name":"naïve"}`), "the name: want 1 to 64"},
		{"select without options", field(`{"type":"select","name":"a"}`), `meta.json: config field "a": a select field needs options`},
		{"radio with empty options", field(`{"type":"radio","name":"a","options":[]}`), `meta.json: config field "a": a radio field needs options`},
		{"options not a list", field(`{"type":"select","name":"a","options":{"a":"b"}}`), `options: want a list of ["label", "value"] pairs`},
		{"option of three", field(`{"type":"select","name":"a","options":[["a","b","c"]]}`), `option 1: want ["label", "value"]`},
		{"option an object", field(`{"type":"select","name":"a","options":[{"a":"b"}]}`), `option 1: want ["label", "value"]`},
		{"option null", field(`{"type":"select","name":"a","options":[null]}`), `option 1: want ["label", "value"]`},
		{"too many fields", field(many(51, `{}`)), "meta.json: config.fields: more than 50 fields"},
		{"too many options", field(`{"type":"select","name":"a","options":[` + many(201, `"o"`) + `]}`), `config field "a": more than 200 options`},
		{"long label", field(`{"name":"a","label":"` + strings.Repeat("l", 201) + `"}`), `config field "a": the label is longer than 200 characters`},
		{"long option label", field(`{"type":"select","name":"a","options":[["` + strings.Repeat("l", 201) + `","v"]]}`), "option 1: the label is longer than 200 characters"},
		{"long option value", field(`{"type":"select","name":"a","options":[["l","` + strings.Repeat("v", 201) + `"]]}`), "option 1: the value is longer than 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseMeta([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseMeta(%.80s) = %v, want an error with %q", tt.json, err, tt.want)
			}
		})
	}
}

func TestSDK(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/php-littleprinter.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMeta(data)
	if err != nil {
		t.Fatal(err)
	}
	m.Description = `Sundays &amp; <strong>holidays</strong><script>alert(1)</script>`
	m.Fields = append(m.Fields,
		Field{Type: TypeText, Name: "Your.Name[first]"},
		Field{Type: TypeSelect, Name: "lang", Label: "Tom &amp; <em>Jerry</em>", Options: []Option{{"English", "en"}, {"<b></b>", "fr"}}},
	)
	got := m.SDK("sundays-only")
	want := sdk.Meta{
		Name:        "sundays-only",
		Title:       "Sundays Only",
		Description: "Sundays & holidays",
		Kind:        sdk.Scheduled,
		Personal:    true,
		Fields: []sdk.Field{
			{Name: "pictures", Label: "Include pictures", Type: sdk.Bool, Default: "false"},
			{Name: "size", Label: "Size", Type: sdk.Select, Default: "s", Choices: []sdk.Choice{{Value: "s", Label: "Small"}, {Value: "l", Label: "Large"}}},
			{Name: "Your.Name[first]", Label: "Your.Name[first]", Type: sdk.Text},
			{Name: "lang", Label: "Tom & Jerry", Type: sdk.Select, Default: "en", Choices: []sdk.Choice{{Value: "en", Label: "English"}, {Value: "fr", Label: "fr"}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("SDK:\n got %+v\nwant %+v", got, want)
	}

	// CheckConfig takes BERG's names, which sdk's plugin rule would not.
	cfg, err := got.CheckConfig(sdk.Config{"Your.Name[first]": "Ann", "size": "l"})
	if err != nil {
		t.Fatalf("CheckConfig: %v", err)
	}
	wantCfg := sdk.Config{"pictures": "false", "size": "l", "Your.Name[first]": "Ann", "lang": "en"}
	if !reflect.DeepEqual(cfg, wantCfg) {
		t.Errorf("CheckConfig = %v, want %v", cfg, wantCfg)
	}
	if _, err := got.CheckConfig(sdk.Config{"size": "xl", "pictures": "yes"}); err == nil ||
		!strings.Contains(err.Error(), "size: not one of the choices") || !strings.Contains(err.Error(), `pictures: must be "true" or "false"`) {
		t.Errorf("CheckConfig of bad values: %v", err)
	}

	// A Meta made by hand may have a choice without choices: a text field,
	// not a panic.
	hand := Meta{Name: "Hand", Fields: []Field{{Type: TypeRadio, Name: "r"}}}
	if f := hand.SDK("hand").Fields[0]; f.Type != sdk.Text || f.Label != "r" {
		t.Errorf("a radio field without options: %+v", f)
	}

	push, err := ParseMeta([]byte(`{"name":"P","delivery_type":"push"}`))
	if err != nil {
		t.Fatal(err)
	}
	if k := push.SDK("p").Kind; k != sdk.Push {
		t.Errorf("a push publication's kind is %q", k)
	}
}

func FuzzParseMeta(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"name":"x","config":{"fields":[{"type":"select","name":"a","options":[["",""],["b",2]]}]}}`,
		`{"name":"x","config":{"fields":[{"type":"radio","name":"a[]","options":["1",1,1.0,true]}]}}`,
		`{"name":"x","config":[],"send_timezone_info":"TRUE","delivered_every":"week"}`,
		`{"name":"<b>x</b>","description":"<script>x</script>","config":{"fields":[{"name":"a","label":"<em>A</em>"}]}}`,
		`{"name":"x","config":{"fields":[{"type":"checkbox","name":"c","options":[["On","on"]]}]}}`,
		`{"name":"x"} `, `[]`, `null`, `"x"`, `{"name":null}`, "\xef\xbb\xbf{\"name\":\"y\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMeta(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "meta.json: ") {
				t.Fatalf("error %q", err)
			}
			return
		}
		if m.Name == "" {
			t.Fatal("no name, no error")
		}
		s := m.SDK("x")
		defaults := sdk.Config{}
		for _, f := range s.Fields {
			defaults[f.Name] = f.Default
		}
		for _, c := range []sdk.Config{nil, defaults} {
			got, err := s.CheckConfig(c)
			if err != nil {
				t.Fatalf("CheckConfig(%v) of %+v: %v", c, s.Fields, err)
			}
			if again, err := s.CheckConfig(got); err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("CheckConfig(%v) = %v, %v; want the same", got, again, err)
			}
		}
		if slug := Slug(m.Name); slug != "" && !slugRE.MatchString(slug) {
			t.Fatalf("Slug(%q) = %q", m.Name, slug)
		}
	})
}
