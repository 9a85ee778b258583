package weather

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"paperboy/sdk"
)

// edition lays today's forecast out: the place and date, the day's high
// and low in large type, the weather in words, rain and sun, then a few
// hours of the day.
func edition(place string, q query, fc forecast) (*sdk.Document, error) {
	today, ok := dayOf(fc, q.date)
	if !ok {
		return nil, fmt.Errorf("the weather service gave no forecast for today (%s)", q.date)
	}
	date, _ := time.Parse(time.DateOnly, q.date)
	unit := "°C"
	if q.units == "fahrenheit" {
		unit = "°F"
	}

	doc := sdk.NewDocument().Title(place)
	doc.Blocks = append(doc.Blocks,
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T(date.Format("Monday 2 January"))}, Center: true},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.B(temp(today.Max) + " / " + temp(today.Min))}, Size: sdk.Huge, Center: true},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T("highest and lowest, " + unit)}, Size: sdk.Small, Center: true},
	)
	if words := describe(today.Code); words != "" {
		doc.Blocks = append(doc.Blocks, sdk.ParagraphBlock{Spans: []sdk.Span{sdk.B(words)}, Size: sdk.Large, Center: true})
	}
	var facts []sdk.Block
	if today.RainChance >= 0 {
		facts = append(facts, row("Chance of rain", strconv.Itoa(today.RainChance)+"%"))
	}
	switch {
	case today.Sunrise != "" && today.Sunset != "":
		facts = append(facts, row("Sunrise "+today.Sunrise, "Sunset "+today.Sunset))
	case today.Sunrise != "":
		facts = append(facts, row("Sunrise", today.Sunrise))
	case today.Sunset != "":
		facts = append(facts, row("Sunset", today.Sunset))
	}
	if len(facts) > 0 {
		doc.Rule()
		doc.Blocks = append(doc.Blocks, facts...)
	}

	if hours := hoursOf(fc, q.date); len(hours) > 0 {
		doc.Rule()
		for _, h := range hours {
			right := describe(h.Code)
			left := []sdk.Span{sdk.B(h.Time.Format("15:04"))}
			if h.HasTemp {
				left = append(left, sdk.T("  "+temp(h.Temp)))
			}
			doc.Blocks = append(doc.Blocks, sdk.RowBlock{Left: left, Right: []sdk.Span{sdk.T(right)}})
		}
	}
	doc.Rule()
	doc.Small(sdk.T("Weather data by Open-Meteo.com"))
	return doc, nil
}

// row is a row of two columns of plain text.
func row(left, right string) sdk.Block {
	return sdk.RowBlock{Left: []sdk.Span{sdk.T(left)}, Right: []sdk.Span{sdk.T(right)}}
}

// dayOf is the forecast for a date.
func dayOf(fc forecast, date string) (day, bool) {
	for _, d := range fc.Days {
		if d.Date == date {
			return d, true
		}
	}
	return day{}, false
}

// hoursOf are the hours of hoursOfDay on a date that the forecast has,
// with a temperature or a weather code to print.
func hoursOf(fc forecast, date string) []hour {
	var out []hour
	for _, want := range hoursOfDay {
		for _, h := range fc.Hours {
			if h.Time.Format(time.DateOnly) == date && h.Time.Hour() == want && h.Time.Minute() == 0 &&
				(h.HasTemp || describe(h.Code) != "") {
				out = append(out, h)
				break
			}
		}
	}
	return out
}

// temp is a temperature in whole degrees: "7°", "-3°", never "-0°".
func temp(v float64) string {
	n := int(math.Round(v))
	if n == 0 {
		return "0°"
	}
	return strconv.Itoa(n) + "°"
}
