// A plugin that crashes: its Render panics on a goroutine of its own, which
// no recover can catch, so the process dies. For the host's fault tests.
package main

import (
	"context"
	"time"

	"paperboy/sdk"
)

type crashes struct{}

func (crashes) Meta() sdk.Meta {
	return sdk.Meta{Name: "crashes", Title: "Crashes", Kind: sdk.Scheduled, Personal: true}
}

func (crashes) Validate(context.Context, sdk.Config) error { return nil }

func (crashes) Render(context.Context, sdk.Request) (sdk.Result, error) {
	go func() { panic("boom") }()
	time.Sleep(time.Minute)
	return sdk.Result{}, nil
}

func main() { sdk.Serve(crashes{}) }
