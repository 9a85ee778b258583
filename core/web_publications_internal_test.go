package core

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paperboy/sdk"
)

func TestSamples_Get(t *testing.T) {
	var c samples
	start := time.Unix(1_800_000_000, 0)
	renders := 0
	fail := false
	render := func() ([]byte, error) {
		renders++
		if fail {
			return nil, errors.New("no network")
		}
		return []byte{byte(renders)}, nil
	}
	tests := []struct {
		name        string
		pub         string
		at          time.Duration
		fail        bool
		wantRenders int
		wantErr     bool
	}{
		{"the first view makes it", "hello", 0, false, 1, false},
		{"kept within the hour", "hello", 59 * time.Minute, false, 1, false},
		{"another publication has its own", "puzzle", time.Minute, false, 2, false},
		{"made again after the hour", "hello", 61 * time.Minute, false, 3, false},
		{"a failure", "weather", 0, true, 4, true},
		{"a failure is kept a while", "weather", 4 * time.Minute, false, 4, true},
		{"but tried again soon", "weather", 6 * time.Minute, false, 5, false},
		{"and then kept the hour", "weather", 65 * time.Minute, false, 5, false},
	}
	for _, tt := range tests {
		fail = tt.fail
		_, err := c.get(tt.pub, start.Add(tt.at), render)
		if renders != tt.wantRenders || (err != nil) != tt.wantErr {
			t.Errorf("%s: %d renders, err %v; want %d, error %v", tt.name, renders, err, tt.wantRenders, tt.wantErr)
		}
	}
	if len(c.by) != 3 {
		t.Errorf("%d samples kept, want one per publication (3)", len(c.by))
	}

	// Views at once of a sample not made yet make it once.
	var n atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c.get("news", start, func() ([]byte, error) {
				n.Add(1)
				time.Sleep(10 * time.Millisecond)
				return []byte("png"), nil
			})
		})
	}
	wg.Wait()
	if n.Load() != 1 {
		t.Errorf("%d renders for 8 views at once, want 1", n.Load())
	}
}

func TestSampleArgs(t *testing.T) {
	friday := time.Date(2026, 5, 1, 9, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name     string
		meta     sdk.Meta
		wantCfg  sdk.Config
		wantDay  time.Weekday
		wantPush bool
	}{
		{"the defaults, those it has", sdk.Meta{Kind: sdk.Scheduled, Fields: []sdk.Field{
			{Name: "units", Default: "celsius"}, {Name: "place"}}}, sdk.Config{"units": "celsius"}, time.Friday, false},
		{"an example where there is no default", sdk.Meta{Kind: sdk.Scheduled, Fields: []sdk.Field{
			{Name: "units", Default: "celsius", Example: "kelvin"}, {Name: "place", Example: "Leeds"}}}, sdk.Config{"units": "celsius", "place": "Leeds"}, time.Friday, false},
		{"a weekly one: its next day", sdk.Meta{Kind: sdk.Scheduled, Days: []time.Weekday{time.Monday}}, sdk.Config{}, time.Monday, false},
		{"a push one: a message from a friend", sdk.Meta{Kind: sdk.Push}, sdk.Config{}, time.Friday, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sampleArgs(tt.meta, friday)
			if fmt.Sprint(a.Config) != fmt.Sprint(tt.wantCfg) {
				t.Errorf("config %v, want %v", a.Config, tt.wantCfg)
			}
			if a.Time.Location() != time.UTC || a.Time.Weekday() != tt.wantDay || a.Time.Hour() != 7 {
				t.Errorf("time %v, want 07:30 UTC on %s", a.Time, tt.wantDay)
			}
			if (a.Push != nil) != tt.wantPush || (a.Push != nil && (a.Push.Sender != "a friend" || a.Push.Text == "")) {
				t.Errorf("push %+v", a.Push)
			}
		})
	}
}
