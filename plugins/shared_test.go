package plugins

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"paperboy/sdk"
)

func TestHost_SharedEditions(t *testing.T) {
	h, _ := newHost(t, testConfig(t.TempDir()))
	add(t, h, binary(t, "counts"))
	file := filepath.Join(t.TempDir(), "renders")
	renders := func() int {
		data, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			return 0
		}
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Count(data, []byte("\n"))
	}
	slow := sdk.Config{"file": file, "pause_ms": "300"}
	day := morning(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := time.Date(day.Year(), day.Month(), day.Day(), day.Hour(), day.Minute(), 0, 0, tokyo)
	tests := []struct {
		name  string
		args  sdk.RenderArgs
		times int // concurrent calls
		want  int // renders in all, after these calls
	}{
		{"together, one render", sdk.RenderArgs{Config: slow, Time: day}, 4, 1},
		{"later that day, another moment's", sdk.RenderArgs{Config: slow, Time: day.Add(10 * time.Hour)}, 1, 2},
		{"the same moment of the clock elsewhere, the same edition", sdk.RenderArgs{Config: slow, Time: elsewhere}, 1, 2},
		{"another config", sdk.RenderArgs{Config: sdk.Config{"file": file}, Time: day}, 2, 3},
		{"the next day", sdk.RenderArgs{Config: slow, Time: day.AddDate(0, 0, 1)}, 2, 4},
		{"a push is never shared", sdk.RenderArgs{Config: slow, Time: day, Push: &sdk.PushItem{Text: "hi", SentAt: day}}, 2, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs := make([]sdk.Output, tt.times)
			errs := make([]error, tt.times)
			var wg sync.WaitGroup
			for i := range tt.times {
				wg.Go(func() { outs[i], errs[i] = h.Render(t.Context(), "counts", tt.args) })
			}
			wg.Wait()
			for i := range tt.times {
				if errs[i] != nil {
					t.Fatalf("Render %d: %v", i, errs[i])
				}
				if len(outs[i].PNG) == 0 || !bytes.Equal(outs[i].PNG, outs[0].PNG) {
					t.Errorf("Render %d: a different edition", i)
				}
			}
			if got := renders(); got != tt.want {
				t.Errorf("the plugin rendered %d times in all, want %d", got, tt.want)
			}
		})
	}
}

// TestSharedEditions holds the shared editions' rules, in a synctest bubble
// where renders take (fake) time and editions expire on the bubble's clock.
func TestSharedEditions(t *testing.T) {
	const keep = time.Hour
	type result struct {
		out sdk.Output
		err error
	}
	setup := func() (*sharedEditions, *int, func(context.Context, string) result) {
		s := &sharedEditions{m: map[string]*sharedEdition{}}
		renders := 0
		get := func(ctx context.Context, key string) result {
			out, err := s.get(ctx, key, keep, func(ctx context.Context) (sdk.Output, error) {
				renders++
				n := renders
				time.Sleep(time.Second) // a render takes a while
				if key == "fails" {
					return sdk.Output{}, errors.New("the feed is down")
				}
				return sdk.Output{PNG: []byte{byte(n)}}, ctx.Err()
			})
			return result{out, err}
		}
		return s, &renders, get
	}

	t.Run("callers together share one render", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			_, renders, get := setup()
			results := make([]result, 3)
			var wg sync.WaitGroup
			for i := range results {
				wg.Go(func() { results[i] = get(t.Context(), "a") })
			}
			wg.Wait()
			for i, r := range results {
				if r.err != nil || !bytes.Equal(r.out.PNG, []byte{1}) {
					t.Errorf("caller %d: %v, %v; want the first render", i, r.out.PNG, r.err)
				}
			}
			if *renders != 1 {
				t.Errorf("%d renders, want 1", *renders)
			}
		})
	})
	t.Run("kept until it expires", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			_, renders, get := setup()
			get(t.Context(), "a")
			time.Sleep(keep - 2*time.Second) // the render took one of them
			if r := get(t.Context(), "a"); !bytes.Equal(r.out.PNG, []byte{1}) || *renders != 1 {
				t.Errorf("before it expires: %v after %d renders, want the first", r.out.PNG, *renders)
			}
			time.Sleep(2 * time.Second)
			if r := get(t.Context(), "a"); !bytes.Equal(r.out.PNG, []byte{2}) || *renders != 2 {
				t.Errorf("once it expired: %v after %d renders, want a second", r.out.PNG, *renders)
			}
		})
	})
	t.Run("a failure is not shared", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			_, renders, get := setup()
			for range 2 {
				if r := get(t.Context(), "fails"); r.err == nil {
					t.Error("no error from a failed render")
				}
			}
			if *renders != 2 {
				t.Errorf("%d renders, want 2: the next caller tries again", *renders)
			}
		})
	})
	t.Run("the first caller going away does not cancel the render", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			_, renders, get := setup()
			ctx, cancel := context.WithCancel(t.Context())
			first := make(chan result, 1)
			go func() { first <- get(ctx, "a") }()
			synctest.Wait() // the render has begun
			second := make(chan result, 1)
			go func() { second <- get(t.Context(), "a") }()
			synctest.Wait()
			cancel()
			if r := <-first; r.err != nil {
				t.Errorf("the first caller: %v, want its edition", r.err)
			}
			if r := <-second; r.err != nil || !bytes.Equal(r.out.PNG, []byte{1}) {
				t.Errorf("the second caller: %v, %v; want the first render", r.out.PNG, r.err)
			}
			if *renders != 1 {
				t.Errorf("%d renders, want 1", *renders)
			}
		})
	})
	t.Run("a waiter that gives up", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			_, _, get := setup()
			first := make(chan result, 1)
			go func() { first <- get(t.Context(), "a") }()
			synctest.Wait()
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			if r := get(ctx, "a"); !errors.Is(r.err, context.DeadlineExceeded) {
				t.Errorf("%v, want the waiter's own deadline", r.err)
			}
			if r := <-first; r.err != nil {
				t.Errorf("the first caller: %v, want its edition", r.err)
			}
		})
	})
}
