package core

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"paperboy/delivery"
	"paperboy/internal/plugintest"
	"paperboy/internal/storetest"
	"paperboy/plugins"
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

// TestSamples_Put: a sample made ahead of the views is kept past the next
// refresh; a failed refresh leaves a good sample until it is due.
func TestSamples_Put(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	noNetwork := errors.New("no network")
	tests := []struct {
		name    string
		at      time.Duration
		png     string
		err     error
		wantPNG string // what a view sees at the same moment
		wantErr bool
	}{
		{"made ahead", 0, "one", nil, "one", false},
		{"a failure leaves the good one", time.Hour, "", noNetwork, "one", false},
		{"made again", 90 * time.Minute, "two", nil, "two", false},
		{"a failure once it is due replaces it", 90*time.Minute + sampleAhead, "", noNetwork, "", true},
		{"a failure replaces a failure", 91*time.Minute + sampleAhead, "", noNetwork, "", true},
		{"made after a failure", 92*time.Minute + sampleAhead, "three", nil, "three", false},
	}
	var c samples
	for _, tt := range tests {
		var png []byte
		if tt.png != "" {
			png = []byte(tt.png)
		}
		now := start.Add(tt.at)
		c.put("hello", now, png, tt.err)
		got, err := c.get("hello", now, func() ([]byte, error) {
			t.Errorf("%s: a view made the sample", tt.name)
			return nil, nil
		})
		if string(got) != tt.wantPNG || (err != nil) != tt.wantErr {
			t.Errorf("%s: a view sees %q, %v; want %q, error %v", tt.name, got, err, tt.wantPNG, tt.wantErr)
		}
	}
	// Made ahead, a sample is still there for a view an hour and a half
	// on, past sampleFor, before the refresh after next.
	c.put("puzzle", start, []byte("ahead"), nil)
	if got, _ := c.get("puzzle", start.Add(sampleFor+30*time.Minute), func() ([]byte, error) { return []byte("made by a view"), nil }); string(got) != "ahead" {
		t.Errorf("a view 90 minutes on sees %q, want the sample made ahead", got)
	}
}

// TestServer_RefreshSamples: every installed publication's sample is made,
// and kept for the views; one that fails is named.
func TestServer_RefreshSamples(t *testing.T) {
	var bs []plugins.Builtin
	for _, n := range []string{"friends", "garbage", "hello"} {
		bs = append(bs, plugins.Builtin{Name: n, Path: plugintest.Self(t), Args: plugintest.Args(n)})
	}
	log := slog.New(slog.DiscardHandler)
	host := plugins.New(plugins.Config{Dir: t.TempDir(), Builtins: bs}, log)
	t.Cleanup(host.Close)
	if err := host.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	s := New(Config{}, Parts{Store: storetest.Open(t, "sqlite"), Publications: host, Clock: delivery.NewFakeClock(now)}, log)
	t.Cleanup(func() { s.Shutdown(t.Context()) })

	n, err := s.RefreshSamples(t.Context())
	if n != 2 || err == nil || !strings.HasPrefix(err.Error(), "garbage: ") || strings.Count(err.Error(), "garbage: ") != 1 {
		t.Fatalf("RefreshSamples=%d, %v; want 2 made and garbage's error, named once", n, err)
	}
	// A view then is shown what was made: past sampleFor, the most a
	// view's own sample is kept; a failure for sampleRetry.
	tests := []struct {
		name    string
		at      time.Duration
		wantErr bool
	}{
		{"hello", sampleFor + 30*time.Minute, false},   // scheduled
		{"friends", sampleFor + 30*time.Minute, false}, // push: a note from "a friend"
		{"garbage", sampleRetry - time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			png, err := s.samples.get(tt.name, now.Add(tt.at), func() ([]byte, error) {
				t.Error("a view made the sample: it was not kept")
				return nil, nil
			})
			if (err != nil) != tt.wantErr || (err == nil && len(png) < 100) {
				t.Errorf("the view sees %d bytes, %v; want a sample: %v", len(png), err, !tt.wantErr)
			}
		})
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
