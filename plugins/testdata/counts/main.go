// A publication that is the same for everyone (scheduled, not personal)
// and counts its Render calls: each appends a line to the file its config
// names, after a pause, so that calls can overlap. For the host's tests of
// shared editions.
package main

import (
	"context"
	"os"
	"strconv"
	"time"

	"paperboy/sdk"
)

type counts struct{}

func (counts) Meta() sdk.Meta {
	return sdk.Meta{Name: "counts", Title: "Counts", Kind: sdk.Scheduled, Fields: []sdk.Field{
		{Name: "file", Label: "Where to count", Type: sdk.Text, Required: true},
		{Name: "pause_ms", Label: "Pause", Type: sdk.Number, Default: "0", Min: 0, Max: 10000},
	}}
}

func (counts) Validate(context.Context, sdk.Config) error { return nil }

func (counts) Render(ctx context.Context, r sdk.Request) (sdk.Result, error) {
	f, err := os.OpenFile(r.Config["file"], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return sdk.Result{}, err
	}
	_, err = f.WriteString(r.Time.Format(time.DateOnly) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sdk.Result{}, err
	}
	ms, _ := strconv.Atoi(r.Config["pause_ms"])
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
	case <-ctx.Done():
		return sdk.Result{}, ctx.Err()
	}
	return sdk.Print(sdk.NewDocument().Title("Counts").Text(r.Time.Format("Monday 2 January"))), nil
}

func main() { sdk.Serve(counts{}) }
