package hello

import (
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

func TestHello_Meta(t *testing.T) {
	if err := (hello{}).Meta().Check(); err != nil {
		t.Fatal(err)
	}
}

func TestHello_CheckConfig(t *testing.T) {
	tests := []struct {
		name   string
		config sdk.Config
		want   sdk.FieldErrors // nil: accepted
	}{
		{"empty takes the default", sdk.Config{}, nil},
		{"a name", sdk.Config{"name": "Ada"}, nil},
		{"too long", sdk.Config{"name": strings.Repeat("a", 41)}, sdk.FieldErrors{"name": "at most 40 characters"}},
		{"unknown field", sdk.Config{"colour": "red"}, sdk.FieldErrors{"colour": "not a field of this publication"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hello{}.Meta().CheckConfig(tt.config)
			sdktest.CheckFieldErrors(t, err, tt.want)
		})
	}
}

func TestHello_Render(t *testing.T) {
	london, tokyo := mustZone(t, "Europe/London"), mustZone(t, "Asia/Tokyo")
	tests := []struct {
		name   string
		config sdk.Config
		time   time.Time
		count  int
		want   []string // the document's text, block by block
	}{
		{
			name: "first edition", config: sdk.Config{}, time: time.Date(2026, 12, 1, 7, 0, 0, 0, london),
			want: []string{"Hello, world!", "Tuesday 1 December", "", "This is your first edition.", "---"},
		},
		{
			name: "second edition", config: sdk.Config{"name": "Ada"}, time: time.Date(2026, 12, 1, 7, 0, 0, 0, london), count: 1,
			want: []string{"Hello, Ada!", "Tuesday 1 December", "", "Welcome back: this is your second edition.", "---"},
		},
		{
			name: "many editions", config: sdk.Config{"name": "Ada"}, time: time.Date(2026, 12, 1, 7, 0, 0, 0, london), count: 99,
			want: []string{"Hello, Ada!", "Tuesday 1 December", "", "This is edition number 100. Thank you for reading!", "---"},
		},
		{
			// 23:30 in London is already the next morning in Tokyo.
			name: "the subscriber's date", config: sdk.Config{}, time: time.Date(2026, 12, 1, 23, 30, 0, 0, london).In(tokyo),
			want: []string{"Hello, world!", "Wednesday 2 December", "", "This is your first edition.", "---"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := render(t, tt.config, tt.time, tt.count)
			got := sdktest.Texts(res.Document)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("blocks %q, want %q", got, tt.want)
			}
		})
	}
}

// render checks a config as paperboy does, then renders an edition.
func render(t *testing.T, c sdk.Config, now time.Time, count int) sdk.Result {
	t.Helper()
	c, err := hello{}.Meta().CheckConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hello{}.Render(t.Context(), sdk.Request{Config: c, Time: now, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	if res.Document == nil {
		t.Fatal("no document")
	}
	return res
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
