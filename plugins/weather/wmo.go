package weather

// wmoCodes are the WMO weather interpretation codes (WMO 4677) that
// Open-Meteo gives, in words for a print. Codes it does not give, such as
// 4 (smoke) or 10 (mist), have no words here.
var wmoCodes = map[int]string{
	0: "Clear sky",
	1: "Mainly clear",
	2: "Partly cloudy",
	3: "Overcast",

	45: "Fog",
	48: "Freezing fog", // fog depositing rime

	51: "Light drizzle",
	53: "Drizzle",
	55: "Heavy drizzle",
	56: "Light freezing drizzle",
	57: "Freezing drizzle",

	61: "Light rain",
	63: "Rain",
	65: "Heavy rain",
	66: "Light freezing rain",
	67: "Freezing rain",

	71: "Light snow",
	73: "Snow",
	75: "Heavy snow",
	77: "Snow grains",

	80: "Light showers",
	81: "Showers",
	82: "Heavy showers",

	85: "Light snow showers",
	86: "Heavy snow showers",

	95: "Thunderstorms",
	96: "Thunderstorms with hail",
	99: "Thunderstorms with heavy hail",
}

// describe is a weather code in words, or "" for a code without words
// (or none, -1).
func describe(code int) string { return wmoCodes[code] }
