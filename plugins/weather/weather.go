// Package weather is a publication of today's forecast for a place: the
// highest and lowest temperature, the weather in words, the chance of
// rain, sunrise and sunset, and a few hours of the day. It reads the
// Open-Meteo forecast API (https://open-meteo.com), which needs no key.
package weather

import (
	"context"
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"paperboy/sdk"
)

// defaultBaseURL is Open-Meteo's own server; self-hosters of Open-Meteo,
// and tests, point base_url elsewhere.
const defaultBaseURL = "https://api.open-meteo.com"

// hoursOfDay are the hours printed under the day's forecast: the morning,
// midday, the afternoon and the evening.
var hoursOfDay = []int{8, 12, 16, 20}

// weather prints today's forecast for a place. It keeps no state.
type weather struct{}

func (weather) Meta() sdk.Meta {
	return sdk.Meta{
		Name:        "weather",
		Title:       "Weather",
		Description: "Today's forecast for a place: highs and lows, rain, sunrise and sunset, every morning.",
		Author:      "paperboy",
		Kind:        sdk.Scheduled,
		// Not Personal: the same place and units give the same forecast to
		// everyone, so one edition a day is made per config and shared.
		Personal:    false,
		Schedule:    "0 7 * * *",
		MinInterval: time.Hour, // the forecast is hourly
		Fields: []sdk.Field{
			{Name: "place", Label: "Place", Help: "The name to print at the top, such as your town.",
				Type: sdk.Text, Required: true, MaxLength: 40, Example: "Leeds"},
			{Name: "latitude", Label: "Latitude", Help: "In degrees, north positive: Leeds is 53.8.",
				Type: sdk.Number, Required: true, Min: -90, Max: 90, Example: "53.8"},
			{Name: "longitude", Label: "Longitude", Help: "In degrees, east positive: Leeds is -1.55.",
				Type: sdk.Number, Required: true, Min: -180, Max: 180, Example: "-1.55"},
			{Name: "units", Label: "Temperatures in", Type: sdk.Select, Default: "celsius",
				Choices: []sdk.Choice{{Value: "celsius", Label: "Celsius (°C)"}, {Value: "fahrenheit", Label: "Fahrenheit (°F)"}}},
			{Name: "base_url", Label: "Forecast server", Help: "An Open-Meteo server; leave it as it is unless you run your own.",
				Type: sdk.URL, Default: defaultBaseURL, MaxLength: 200},
		},
	}
}

// Validate checks what the form cannot: that the coordinates are real
// numbers (the form lets "NaN" through its ranges) and that the server's
// address has no query or fragment, which the request would overwrite.
func (weather) Validate(_ context.Context, c sdk.Config) error {
	errs := sdk.FieldErrors{}
	for _, name := range []string{"latitude", "longitude"} {
		if _, err := coordinate(c, name); err != nil {
			errs[name] = err.Error()
		}
	}
	if _, err := baseURL(c); err != nil {
		errs["base_url"] = err.Error()
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// coordinate reads a latitude or longitude from a config.
func coordinate(c sdk.Config, name string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(c[name]), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	return v, nil
}

// baseURL reads the base_url field, the default if it is empty.
func baseURL(c sdk.Config) (*url.URL, error) {
	s := strings.TrimSpace(c["base_url"])
	if s == "" {
		s = defaultBaseURL
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("not an http:// or https:// address")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("the address of the server only, without ? or #")
	}
	return u, nil
}

// Render fetches today's forecast in the subscriber's time zone and prints
// it.
func (weather) Render(ctx context.Context, r sdk.Request) (sdk.Result, error) {
	q, err := queryOf(r)
	if err != nil {
		return sdk.Result{}, err
	}
	if r.HTTP == nil {
		return sdk.Result{}, errors.New("the weather cannot be fetched: the request has no HTTP client")
	}
	fc, err := fetchForecast(ctx, r.HTTP, q.url())
	if err != nil {
		return sdk.Result{}, err
	}
	doc, err := edition(r.Config["place"], q, fc)
	if err != nil {
		return sdk.Result{}, err
	}
	return sdk.Print(doc), nil
}

// New is the publication, for sdk.Serve or paperboy's built-ins.
func New() sdk.Publication { return weather{} }
