// A plugin whose Render panics in the call itself, which the SDK recovers:
// the edition fails with a message, the process lives. For the host's fault
// tests.
package main

import (
	"context"

	"paperboy/sdk"
)

type panics struct{}

func (panics) Meta() sdk.Meta {
	return sdk.Meta{Name: "panics", Title: "Panics", Kind: sdk.Scheduled, Personal: true}
}

func (panics) Validate(context.Context, sdk.Config) error { return nil }

func (panics) Render(context.Context, sdk.Request) (sdk.Result, error) {
	var m map[string]int
	m["boom"]++ // assignment to a nil map
	return sdk.Result{}, nil
}

func main() { sdk.Serve(panics{}) }
