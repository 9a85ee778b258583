package plugins

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
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
	tests := []struct {
		name  string
		args  sdk.RenderArgs
		times int // concurrent calls
		want  int // renders in all, after these calls
	}{
		{"together, one render", sdk.RenderArgs{Config: slow, Time: day}, 4, 1},
		{"later that day, the same edition", sdk.RenderArgs{Config: slow, Time: day.Add(10 * time.Hour)}, 1, 1},
		{"the same day elsewhere, the same edition", sdk.RenderArgs{Config: slow, Time: day.In(time.UTC)}, 1, 1},
		{"another config", sdk.RenderArgs{Config: sdk.Config{"file": file}, Time: day}, 2, 2},
		{"the next day", sdk.RenderArgs{Config: slow, Time: day.AddDate(0, 0, 1)}, 2, 3},
		{"a push is never shared", sdk.RenderArgs{Config: slow, Time: day, Push: &sdk.PushItem{Text: "hi", SentAt: day}}, 2, 5},
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
