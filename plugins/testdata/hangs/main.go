// A plugin whose Render never returns and ignores its context. For the
// host's fault tests.
package main

import (
	"context"

	"paperboy/sdk"
)

type hangs struct{}

func (hangs) Meta() sdk.Meta {
	return sdk.Meta{Name: "hangs", Title: "Hangs", Kind: sdk.Scheduled, Personal: true}
}

func (hangs) Validate(context.Context, sdk.Config) error { return nil }

func (hangs) Render(context.Context, sdk.Request) (sdk.Result, error) {
	select {}
}

func main() { sdk.Serve(hangs{}) }
