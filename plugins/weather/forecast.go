package weather

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"paperboy/sdk"
)

const (
	// maxForecastBytes bounds what is read of an answer: a day's forecast
	// is a few KB, and an answer far larger is not one.
	maxForecastBytes = 1 << 20
	// maxDegrees bounds a believable temperature, in °C or °F: a number
	// beyond it is a broken answer, not weather.
	maxDegrees = 200
)

// The fields asked of Open-Meteo.
const (
	dailyFields  = "temperature_2m_max,temperature_2m_min,precipitation_probability_max,weather_code,sunrise,sunset"
	hourlyFields = "temperature_2m,weather_code"
)

// query is what an edition asks the forecast service for.
type query struct {
	base     *url.URL
	lat, lon float64
	units    string // celsius or fahrenheit
	zone     string // an IANA zone, or "auto" for the place's own
	date     string // today where the subscriber is: 2006-01-02
}

// queryOf reads a request's config and time.
func queryOf(r sdk.Request) (query, error) {
	lat, err := coordinate(r.Config, "latitude")
	if err != nil {
		return query{}, fmt.Errorf("the latitude is %s", err)
	}
	lon, err := coordinate(r.Config, "longitude")
	if err != nil {
		return query{}, fmt.Errorf("the longitude is %s", err)
	}
	base, err := baseURL(r.Config)
	if err != nil {
		return query{}, fmt.Errorf("the forecast server's address is %s", err)
	}
	units := r.Config["units"]
	if units != "fahrenheit" {
		units = "celsius"
	}
	return query{base: base, lat: lat, lon: lon, units: units, zone: zoneName(r.Time.Location()),
		date: r.Time.Format(time.DateOnly)}, nil
}

// zoneName is the name Open-Meteo gets for a time zone. A zone that is not
// an IANA name (a fixed offset from a host that knew no better, or the
// machine's "Local") becomes "auto": the place's own zone.
func zoneName(loc *time.Location) string {
	name := loc.String()
	if name == "" || name == "Local" {
		return "auto"
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "auto"
	}
	return name
}

// url is the forecast's address: the edition's day (which need not be
// today: a preview shows tomorrow morning's), in the zone, in the units.
func (q query) url() string {
	u := q.base.JoinPath("v1", "forecast")
	v := url.Values{}
	v.Set("latitude", strconv.FormatFloat(q.lat, 'f', -1, 64))
	v.Set("longitude", strconv.FormatFloat(q.lon, 'f', -1, 64))
	v.Set("daily", dailyFields)
	v.Set("hourly", hourlyFields)
	v.Set("timezone", q.zone)
	v.Set("start_date", q.date)
	v.Set("end_date", q.date)
	v.Set("temperature_unit", q.units)
	u.RawQuery = v.Encode()
	return u.String()
}

// fetchForecast gets and decodes a forecast. Its errors are sentences a
// subscriber can read.
func fetchForecast(ctx context.Context, client *http.Client, address string) (forecast, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return forecast{}, fmt.Errorf("the weather service cannot be asked: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "paperboy-weather/1 (a Little Printer server)")
	resp, err := client.Do(req)
	if err != nil {
		return forecast{}, fetchError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxForecastBytes+1))
	if err != nil && resp.StatusCode == http.StatusOK {
		return forecast{}, fetchError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return forecast{}, statusError(resp.StatusCode, data)
	}
	if len(data) > maxForecastBytes {
		return forecast{}, fmt.Errorf("the weather service's answer is larger than %d MB: it is not a forecast", maxForecastBytes>>20)
	}
	fc, err := decodeForecast(data)
	if err != nil {
		return forecast{}, fmt.Errorf("the weather service's answer is not a forecast: %w", err)
	}
	return fc, nil
}

// statusError says that the service answered other than 200, with its
// reason when it gave one: Open-Meteo answers a bad request with
// {"error": true, "reason": "..."}.
func statusError(code int, body []byte) error {
	msg := fmt.Sprintf("the weather service answered with status %d", code)
	if text := http.StatusText(code); text != "" {
		msg += " (" + text + ")"
	}
	var e struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(body, &e) == nil {
		if reason := sdk.Clip(strings.Join(strings.Fields(e.Reason), " "), 200); reason != "" {
			msg += ": " + reason
		}
	}
	return errors.New(msg)
}

// fetchError says why a fetch failed, in words for a subscriber: a
// *url.Error repeats the method and the address.
func fetchError(ctx context.Context, err error) error {
	const late = "the weather service did not answer in time"
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return errors.New(late)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New(late)
		}
		err = ue.Err
	}
	return fmt.Errorf("the weather service cannot be reached: %v", err)
}

// forecast is a decoded answer: its days and hours, checked.
type forecast struct {
	Days  []day
	Hours []hour
}

// day is one day's forecast.
type day struct {
	Date       string  // 2006-01-02
	Max, Min   float64 // degrees
	Code       int     // a WMO weather code, or -1 if none was given
	RainChance int     // the highest chance of rain in the day, per cent, or -1
	// Sunrise and Sunset are local times, 15:04, or "" if none was given
	// (as where the sun does not rise or set that day).
	Sunrise, Sunset string
}

// hour is one hour's forecast.
type hour struct {
	Time    time.Time // local, read as UTC: only its date and clock matter
	Temp    float64
	HasTemp bool
	Code    int // as in day
}

// answer is Open-Meteo's JSON, as far as weather reads it; the service
// adds fields over time, so others are ignored. Values are pointers
// because the service gives null where it has no data.
type answer struct {
	Daily *struct {
		Time       []string   `json:"time"`
		Max        []*float64 `json:"temperature_2m_max"`
		Min        []*float64 `json:"temperature_2m_min"`
		RainChance []*float64 `json:"precipitation_probability_max"`
		Code       []*float64 `json:"weather_code"`
		Sunrise    []*string  `json:"sunrise"`
		Sunset     []*string  `json:"sunset"`
	} `json:"daily"`
	Hourly *struct {
		Time []string   `json:"time"`
		Temp []*float64 `json:"temperature_2m"`
		Code []*float64 `json:"weather_code"`
	} `json:"hourly"`
}

// decodeForecast reads Open-Meteo's answer. It checks what Render relies
// on: every day has a date and both temperatures; the arrays of a section
// are as long as its times; values are in range. Hourly data is optional.
func decodeForecast(data []byte) (forecast, error) {
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		return forecast{}, jsonError(data, err)
	}
	if a.Daily == nil {
		return forecast{}, errors.New("it has no daily forecast")
	}
	d := a.Daily
	n := len(d.Time)
	if n == 0 {
		return forecast{}, errors.New("its daily forecast has no days")
	}
	if err := sameLength("daily", n, map[string]int{"temperature_2m_max": len(d.Max), "temperature_2m_min": len(d.Min)}, true); err != nil {
		return forecast{}, err
	}
	if err := sameLength("daily", n, map[string]int{"precipitation_probability_max": len(d.RainChance),
		"weather_code": len(d.Code), "sunrise": len(d.Sunrise), "sunset": len(d.Sunset)}, false); err != nil {
		return forecast{}, err
	}
	var fc forecast
	for i, date := range d.Time {
		t, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return forecast{}, fmt.Errorf("daily.time[%d] is %.20q, not a date", i, date)
		}
		x := day{Date: t.Format(time.DateOnly), Code: -1, RainChance: -1}
		if x.Max, err = degrees(d.Max[i], fmt.Sprintf("daily.temperature_2m_max[%d]", i)); err != nil {
			return forecast{}, err
		}
		if x.Min, err = degrees(d.Min[i], fmt.Sprintf("daily.temperature_2m_min[%d]", i)); err != nil {
			return forecast{}, err
		}
		if x.Code, err = code(at(d.Code, i), fmt.Sprintf("daily.weather_code[%d]", i)); err != nil {
			return forecast{}, err
		}
		if p := at(d.RainChance, i); p != nil {
			if !(*p >= 0 && *p <= 100) {
				return forecast{}, fmt.Errorf("daily.precipitation_probability_max[%d] is %g, not a per cent", i, *p)
			}
			x.RainChance = int(math.Round(*p))
		}
		if x.Sunrise, err = clock(at(d.Sunrise, i), fmt.Sprintf("daily.sunrise[%d]", i)); err != nil {
			return forecast{}, err
		}
		if x.Sunset, err = clock(at(d.Sunset, i), fmt.Sprintf("daily.sunset[%d]", i)); err != nil {
			return forecast{}, err
		}
		fc.Days = append(fc.Days, x)
	}
	if h := a.Hourly; h != nil {
		n := len(h.Time)
		if err := sameLength("hourly", n, map[string]int{"temperature_2m": len(h.Temp), "weather_code": len(h.Code)}, false); err != nil {
			return forecast{}, err
		}
		for i, s := range h.Time {
			t, err := time.Parse("2006-01-02T15:04", s)
			if err != nil {
				return forecast{}, fmt.Errorf("hourly.time[%d] is %.20q, not a time", i, s)
			}
			x := hour{Time: t, Code: -1}
			if v := at(h.Temp, i); v != nil {
				if x.Temp, err = degrees(v, fmt.Sprintf("hourly.temperature_2m[%d]", i)); err != nil {
					return forecast{}, err
				}
				x.HasTemp = true
			}
			if x.Code, err = code(at(h.Code, i), fmt.Sprintf("hourly.weather_code[%d]", i)); err != nil {
				return forecast{}, err
			}
			fc.Hours = append(fc.Hours, x)
		}
	}
	return fc, nil
}

// jsonError says why an answer is not JSON, or not the JSON of a forecast.
func jsonError(data []byte, err error) error {
	trimmed := bytes.TrimSpace(data)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case len(trimmed) == 0:
		return errors.New("it is empty")
	case trimmed[0] == '<':
		return errors.New("it is a web page, not JSON")
	case errors.As(err, &syntax) && syntax.Error() == "unexpected end of JSON input":
		return errors.New("it is cut off")
	case errors.As(err, &syntax):
		return fmt.Errorf("it is not valid JSON (at byte %d: %v)", syntax.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("it is a JSON %s, not an object", typ.Value)
		}
		return fmt.Errorf("its %s is a JSON %s, not %s", typ.Field, typ.Value, jsonKind(typ.Type.String()))
	}
	return fmt.Errorf("it is not valid JSON: %v", err)
}

// jsonKind names a Go type of answer as JSON does.
func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasSuffix(goType, "float64"):
		return "a number"
	case strings.HasSuffix(goType, "string"):
		return "a string"
	}
	return "an object"
}

// sameLength checks that a section's arrays are as long as its times;
// optional arrays may be missing altogether.
func sameLength(section string, n int, lengths map[string]int, required bool) error {
	for _, name := range slices.Sorted(maps.Keys(lengths)) {
		got := lengths[name]
		if got == 0 && !required {
			continue
		}
		if got != n {
			return fmt.Errorf("%s.time has %d entries but %s.%s has %d", section, n, section, name, got)
		}
	}
	return nil
}

// at is s[i], or nil if s is too short.
func at[T any](s []*T, i int) *T {
	if i < 0 || i >= len(s) {
		return nil
	}
	return s[i]
}

// degrees checks a temperature that must be there.
func degrees(v *float64, name string) (float64, error) {
	switch {
	case v == nil:
		return 0, fmt.Errorf("%s is missing", name)
	case !(*v >= -maxDegrees && *v <= maxDegrees):
		return 0, fmt.Errorf("%s is %g, not a believable temperature", name, *v)
	}
	return *v, nil
}

// code checks a WMO weather code: a whole number from 0 to 99, or nil
// for none (-1).
func code(v *float64, name string) (int, error) {
	if v == nil {
		return -1, nil
	}
	if !(*v >= 0 && *v <= 99) || *v != math.Trunc(*v) {
		return 0, fmt.Errorf("%s is %g, not a weather code", name, *v)
	}
	return int(*v), nil
}

// clock reads a local time such as "2026-12-01T07:53" as "07:53"; nil is "".
func clock(s *string, name string) (string, error) {
	if s == nil {
		return "", nil
	}
	t, err := time.Parse("2006-01-02T15:04", *s)
	if err != nil {
		return "", fmt.Errorf("%s is %.20q, not a time", name, *s)
	}
	return t.Format("15:04"), nil
}
