package weather

import (
	"os"
	"testing"
)

// FuzzDecodeForecast: any answer decodes to a forecast or an error, never
// a panic; a forecast it accepts can be laid out and printed.
func FuzzDecodeForecast(f *testing.F) {
	leeds, err := os.ReadFile("testdata/leeds.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(leeds)
	for _, s := range []string{
		``,
		`null`,
		`[]`,
		`{"daily":{}}`,
		`{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7]}}`,
		`{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7,8],"temperature_2m_min":[2]}}`,
		`{"daily":{"time":["2026-12-01"],"temperature_2m_max":[null],"temperature_2m_min":[2],"weather_code":[3]}}`,
		`{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7],"temperature_2m_min":[2],"sunrise":["2026-12-01T07:53"],"sunset":[null]},"hourly":{"time":["2026-12-01T08:00"],"temperature_2m":[null],"weather_code":[95]}}`,
		`{"daily":{"time":["2026-12-01"],"temperature_2m_max":[7],"temperature_2m_min":[2]},"hourly":{"time":["2026-12-01T08:00","x"],"temperature_2m":[1]}}`,
		`<!DOCTYPE html><html></html>`,
		`{"error":true,"reason":"Parameter 'timezone' is invalid"}`,
	} {
		f.Add([]byte(s))
	}
	q := query{units: "celsius", zone: "Europe/London", date: "2026-12-01"}
	f.Fuzz(func(t *testing.T, data []byte) {
		fc, err := decodeForecast(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if len(fc.Days) == 0 {
			t.Fatal("a forecast without days")
		}
		doc, err := edition("Leeds", q, fc)
		if err != nil {
			return // not today's forecast
		}
		if _, err := doc.Render(); err != nil {
			t.Fatalf("the edition does not render: %v", err)
		}
	})
}
