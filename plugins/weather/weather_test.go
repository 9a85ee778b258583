package weather

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"paperboy/sdk"
	"paperboy/sdk/sdktest"
)

// leedsURL is what weather asks for with leedsConfig at 07:00 in London on
// 1 December 2026: written out, not built by the code it tests.
const leedsURL = "https://api.open-meteo.com/v1/forecast?daily=temperature_2m_max%2Ctemperature_2m_min%2Cprecipitation_probability_max%2Cweather_code%2Csunrise%2Csunset&end_date=2026-12-01&hourly=temperature_2m%2Cweather_code&latitude=53.8&longitude=-1.55&start_date=2026-12-01&temperature_unit=celsius&timezone=Europe%2FLondon"

var leedsConfig = sdk.Config{"place": "Leeds", "latitude": "53.8", "longitude": "-1.55"}

func leedsTime(t *testing.T) time.Time { return sdktest.At(t, "2026-12-01T07:00:00", "Europe/London") }

func TestWeather_Meta(t *testing.T) {
	m := weather{}.Meta()
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	if m.Kind != sdk.Scheduled || m.Personal {
		t.Fatalf("kind %q, personal %v; want scheduled and shared", m.Kind, m.Personal)
	}
}

func TestWeather_CheckConfig(t *testing.T) {
	with := func(k, v string) sdk.Config {
		c := sdk.Config{}
		for k, v := range leedsConfig {
			c[k] = v
		}
		c[k] = v
		return c
	}
	without := func(k string) sdk.Config {
		c := with(k, "")
		delete(c, k)
		return c
	}
	tests := []struct {
		name   string
		config sdk.Config
		want   sdk.FieldErrors // nil: accepted
	}{
		{"leeds", leedsConfig, nil},
		{"fahrenheit", with("units", "fahrenheit"), nil},
		{"own server", with("base_url", "http://weather.example.org/open-meteo/"), nil},
		{"latitude beyond the pole", with("latitude", "91"), sdk.FieldErrors{"latitude": "must be from -90 to 90"}},
		{"longitude out of range", with("longitude", "-180.5"), sdk.FieldErrors{"longitude": "must be from -180 to 180"}},
		{"latitude in words", with("latitude", "north"), sdk.FieldErrors{"latitude": "not a number"}},
		{"latitude NaN", with("latitude", "NaN"), sdk.FieldErrors{"latitude": "not a number"}},
		{"no latitude", without("latitude"), sdk.FieldErrors{"latitude": "required"}},
		{"no place", without("place"), sdk.FieldErrors{"place": "required"}},
		{"place too long", with("place", strings.Repeat("x", 41)), sdk.FieldErrors{"place": "at most 40 characters"}},
		{"kelvin", with("units", "kelvin"), sdk.FieldErrors{"units": "not one of the choices"}},
		{"server not http", with("base_url", "ftp://example.org"), sdk.FieldErrors{"base_url": "not an http:// or https:// address"}},
		{"server with a query", with("base_url", "https://example.org/?apikey=1"), sdk.FieldErrors{"base_url": "the address of the server only, without ? or #"}},
		{"unknown field", with("city", "Leeds"), sdk.FieldErrors{"city": "not a field of this publication"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := weather{}.Meta()
			c, err := m.CheckConfig(tt.config)
			if err == nil {
				err = weather{}.Validate(t.Context(), c)
			}
			sdktest.CheckFieldErrors(t, err, tt.want)
		})
	}
}

func TestWeather_Render(t *testing.T) {
	req := sdktest.Request(leedsTime(t), leedsConfig)
	req.HTTP = sdktest.Recorded(t, map[string]string{leedsURL: "testdata/leeds.json"})
	res, err := sdktest.RenderResult(t, weather{}, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Document == nil {
		t.Fatal("no document")
	}
	want := []string{
		"Leeds",
		"Tuesday 1 December",
		"7° / 2°",
		"highest and lowest, °C",
		"Rain",
		"---",
		"Chance of rain | 68%",
		"Sunrise 07:53 | Sunset 15:42",
		"---",
		"08:00  3° | Overcast",
		"12:00  7° | Rain",
		"16:00  7° | Overcast",
		"20:00  4° | Partly cloudy",
		"---",
		"Weather data by Open-Meteo.com",
	}
	checkBlocks(t, res.Document, want)
	img, err := sdk.RenderResult(res)
	if err != nil {
		t.Fatal(err)
	}
	sdktest.Snapshot(t, img, "testdata/leeds.png")
}

// TestWeather_RenderSparse: what the service may leave out (nulls, whole
// arrays, the hourly section) is left out of the print, not an error.
func TestWeather_RenderSparse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{
			name: "daily temperatures only",
			body: `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[-0.4],"temperature_2m_min":[-6.5]}}`,
			want: []string{"Leeds", "Tuesday 1 December", "0° / -7°", "highest and lowest, °C", "---", "Weather data by Open-Meteo.com"},
		},
		{
			name: "nulls and a polar night",
			body: `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[1],"temperature_2m_min":[0],
				"precipitation_probability_max":[null],"weather_code":[null],"sunrise":[null],"sunset":[null]},
				"hourly":{"time":["2026-12-01T08:00","2026-12-01T12:00","2026-12-01T16:00"],
				"temperature_2m":[null,2,null],"weather_code":[null,4,45]}}`,
			want: []string{"Leeds", "Tuesday 1 December", "1° / 0°", "highest and lowest, °C", "---",
				"12:00  2° | ", "16:00 | Fog", "---", "Weather data by Open-Meteo.com"},
		},
		{
			name: "sunrise only, and hours of another day",
			body: `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[1],"temperature_2m_min":[0],"sunrise":["2026-12-01T10:02"],"sunset":[null]},
				"hourly":{"time":["2026-12-02T08:00"],"temperature_2m":[3],"weather_code":[0]}}`,
			want: []string{"Leeds", "Tuesday 1 December", "1° / 0°", "highest and lowest, °C", "---", "Sunrise | 10:02", "---", "Weather data by Open-Meteo.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sdktest.Request(leedsTime(t), leedsConfig)
			req.HTTP = answering(http.StatusOK, tt.body)
			res, err := sdktest.RenderResult(t, weather{}, req)
			if err != nil {
				t.Fatal(err)
			}
			checkBlocks(t, res.Document, tt.want)
			if _, err := sdk.RenderResult(res); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWeather_RequestURL(t *testing.T) {
	const daily = "daily=temperature_2m_max%2Ctemperature_2m_min%2Cprecipitation_probability_max%2Cweather_code%2Csunrise%2Csunset"
	const hourly = "hourly=temperature_2m%2Cweather_code"
	tests := []struct {
		name   string
		config sdk.Config
		at     time.Time
		want   string
	}{
		{"leeds", leedsConfig, leedsTime(t), leedsURL},
		{
			"fahrenheit in New York, own server, spaces",
			sdk.Config{"place": "NYC", "latitude": " 40.7128", "longitude": "-74.0060 ", "units": "fahrenheit", "base_url": "http://wx.example.org/om/"},
			sdktest.At(t, "2026-07-04T06:30:00", "America/New_York"),
			"http://wx.example.org/om/v1/forecast?" + daily + "&end_date=2026-07-04&" + hourly + "&latitude=40.7128&longitude=-74.006&start_date=2026-07-04&temperature_unit=fahrenheit&timezone=America%2FNew_York",
		},
		{
			"a fixed zone asks for the place's own",
			leedsConfig,
			time.Date(2026, 12, 1, 7, 0, 0, 0, time.FixedZone("+01", 3600)),
			"https://api.open-meteo.com/v1/forecast?" + daily + "&end_date=2026-12-01&" + hourly + "&latitude=53.8&longitude=-1.55&start_date=2026-12-01&temperature_unit=celsius&timezone=auto",
		},
		{
			"UTC",
			leedsConfig,
			time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC),
			"https://api.open-meteo.com/v1/forecast?" + daily + "&end_date=2026-12-01&" + hourly + "&latitude=53.8&longitude=-1.55&start_date=2026-12-01&temperature_unit=celsius&timezone=UTC",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			req := sdktest.Request(tt.at, tt.config)
			req.HTTP = &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
				got = r.URL.String()
				return response(r, http.StatusNotFound, ""), nil
			})}
			if _, err := sdktest.RenderResult(t, weather{}, req); err == nil {
				t.Fatal("no error for a 404")
			}
			if got != tt.want {
				t.Fatalf("asked for\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestWeather_UpstreamFaults(t *testing.T) {
	sdktest.CheckUpstreamFaults(t, weather{}, sdktest.Request(leedsTime(t), leedsConfig))
}

// TestWeather_BadAnswers: what is not a forecast gives an error that says
// so, never a panic or a wrong print.
func TestWeather_BadAnswers(t *testing.T) {
	const today = `"time":["2026-12-01"],"temperature_2m_max":[7],"temperature_2m_min":[2]`
	tests := []struct {
		name   string
		status int
		body   string
		want   string // the whole error
	}{
		{"500", 500, "Internal Server Error", "the weather service answered with status 500 (Internal Server Error)"},
		{"400 with a reason", 400, `{"error":true,"reason":"Latitude must be in range of -90 to 90°. Given: 100.0."}`,
			"the weather service answered with status 400 (Bad Request): Latitude must be in range of -90 to 90°. Given: 100.0."},
		{"429 without words", 429, "", "the weather service answered with status 429 (Too Many Requests)"},
		{"empty", 200, "", "the weather service's answer is not a forecast: it is empty"},
		{"a web page", 200, "<!DOCTYPE html><html><body>Gateway</body></html>", "the weather service's answer is not a forecast: it is a web page, not JSON"},
		{"cut off", 200, `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7`, "the weather service's answer is not a forecast: it is cut off"},
		{"not JSON", 200, `{"daily": nope}`, "the weather service's answer is not a forecast: it is not valid JSON (at byte 12: invalid character 'o' in literal null (expecting 'u'))"},
		{"trailing garbage", 200, `{"daily":{` + today + `}} }`, "the weather service's answer is not a forecast: it is not valid JSON (at byte 85: invalid character '}' after top-level value)"},
		{"a list", 200, `[1,2,3]`, "the weather service's answer is not a forecast: it is a JSON array, not an object"},
		{"null", 200, `null`, "the weather service's answer is not a forecast: it has no daily forecast"},
		{"no daily", 200, `{"hourly":{}}`, "the weather service's answer is not a forecast: it has no daily forecast"},
		{"no days", 200, `{"daily":{"time":[]}}`, "the weather service's answer is not a forecast: its daily forecast has no days"},
		{"a string for a number", 200, `{"daily":{"time":["2026-12-01"],"temperature_2m_max":["7"]}}`,
			"the weather service's answer is not a forecast: its daily.temperature_2m_max is a JSON string, not a number"},
		{"no lows", 200, `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7]}}`,
			"the weather service's answer is not a forecast: daily.time has 1 entries but daily.temperature_2m_min has 0"},
		{"too many highs", 200, `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7,8],"temperature_2m_min":[2]}}`,
			"the weather service's answer is not a forecast: daily.time has 1 entries but daily.temperature_2m_max has 2"},
		{"short sunsets", 200, `{"daily":{"time":["2026-12-01","2026-12-02"],"temperature_2m_max":[7,8],"temperature_2m_min":[2,3],"sunset":["2026-12-01T15:42"]}}`,
			"the weather service's answer is not a forecast: daily.time has 2 entries but daily.sunset has 1"},
		{"short hours", 200, `{"daily":{` + today + `},"hourly":{"time":["2026-12-01T08:00","2026-12-01T09:00"],"temperature_2m":[1]}}`,
			"the weather service's answer is not a forecast: hourly.time has 2 entries but hourly.temperature_2m has 1"},
		{"a null high", 200, `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[null],"temperature_2m_min":[2]}}`,
			"the weather service's answer is not a forecast: daily.temperature_2m_max[0] is missing"},
		{"a hot day", 200, `{"daily":{"time":["2026-12-01"],"temperature_2m_max":[1e300],"temperature_2m_min":[2]}}`,
			"the weather service's answer is not a forecast: daily.temperature_2m_max[0] is 1e+300, not a believable temperature"},
		{"a bad date", 200, `{"daily":{"time":["1 December"],"temperature_2m_max":[7],"temperature_2m_min":[2]}}`,
			`the weather service's answer is not a forecast: daily.time[0] is "1 December", not a date`},
		{"a bad code", 200, `{"daily":{` + today + `,"weather_code":[2.5]}}`,
			"the weather service's answer is not a forecast: daily.weather_code[0] is 2.5, not a weather code"},
		{"a chance above 100%", 200, `{"daily":{` + today + `,"precipitation_probability_max":[101]}}`,
			"the weather service's answer is not a forecast: daily.precipitation_probability_max[0] is 101, not a per cent"},
		{"a bad sunrise", 200, `{"daily":{` + today + `,"sunrise":[1764575580]}}`,
			"the weather service's answer is not a forecast: its daily.sunrise is a JSON number, not a string"},
		{"a bad hour", 200, `{"daily":{` + today + `},"hourly":{"time":["08:00"]}}`,
			`the weather service's answer is not a forecast: hourly.time[0] is "08:00", not a time`},
		{"another day", 200, `{"daily":{"time":["2026-12-02"],"temperature_2m_max":[7],"temperature_2m_min":[2]}}`,
			"the weather service gave no forecast for today (2026-12-01)"},
		{"too large", 200, `{"daily":{` + today + `},"x":"` + strings.Repeat("x", maxForecastBytes) + `"}`,
			"the weather service's answer is larger than 1 MB: it is not a forecast"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sdktest.Request(leedsTime(t), leedsConfig)
			req.HTTP = answering(tt.status, tt.body)
			_, err := sdktest.RenderResult(t, weather{}, req)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Fatalf("error\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

// TestWeather_RecordedPage: a web page where the forecast should be, as
// a misconfigured base_url gives.
func TestWeather_RecordedPage(t *testing.T) {
	req := sdktest.Request(leedsTime(t), leedsConfig)
	req.HTTP = sdktest.Recorded(t, map[string]string{leedsURL: "testdata/page.html"})
	_, err := sdktest.RenderResult(t, weather{}, req)
	if want := "the weather service's answer is not a forecast: it is a web page, not JSON"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestDescribe(t *testing.T) {
	// Every code Open-Meteo documents has words.
	for _, c := range []int{0, 1, 2, 3, 45, 48, 51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 71, 73, 75, 77, 80, 81, 82, 85, 86, 95, 96, 99} {
		if describe(c) == "" {
			t.Errorf("code %d has no words", c)
		}
	}
	for _, c := range []int{-1, 4, 100} {
		if got := describe(c); got != "" {
			t.Errorf("code %d is %q, want none", c, got)
		}
	}
}

func TestTemp(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{7.4, "7°"}, {7.5, "8°"}, {-0.4, "0°"}, {-2.6, "-3°"}, {0, "0°"}, {104.2, "104°"},
	}
	for _, tt := range tests {
		if got := temp(tt.v); got != tt.want {
			t.Errorf("temp(%g) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// roundTrip is an http.RoundTripper of a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// answering is a client whose every request gets status and body.
func answering(status int, body string) *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		return response(r, status, body), nil
	})}
}

func response(r *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
}

// checkBlocks compares a document's text, block by block, with want.
func checkBlocks(t *testing.T, d *sdk.Document, want []string) {
	t.Helper()
	got := sdktest.Texts(d)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("blocks\n%q\nwant\n%q", got, want)
	}
}
