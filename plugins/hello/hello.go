// Package hello is the smallest publication, the one the SDK guide walks
// through: a greeting, today's date and a line about the edition. Copy it
// to start your own, as a main package whose main is
// sdk.Serve(yours{}) (paperboy plugin new writes one).
package hello

import (
	"context"
	"fmt"

	"paperboy/sdk"
)

// hello is the publication. It keeps no state: everything an edition needs
// comes in the Request.
type hello struct{}

// Meta tells paperboy what hello is and what subscribers fill in.
func (hello) Meta() sdk.Meta {
	return sdk.Meta{
		Name:        "hello",
		Title:       "Hello",
		Description: "A friendly hello and today's date, every morning.",
		Author:      "paperboy",
		Kind:        sdk.Scheduled, // made at each subscriber's hour; Days empty: every day
		// Personal, because the line about the edition counts each
		// subscriber's editions. Without it, paperboy would make one edition
		// per config and day and give it to everyone with that config.
		Personal: true,
		Schedule: "0 8 * * *", // no MinInterval: as often as a subscriber likes, within the server's limit
		Fields: []sdk.Field{
			{Name: "name", Label: "Your name", Help: "Who to greet.", Type: sdk.Text, Default: "world", MaxLength: 40},
		},
	}
}

// Validate checks a config beyond the form. The form says all there is to
// say about a name, so there is nothing to add.
func (hello) Validate(context.Context, sdk.Config) error { return nil }

// Render makes one edition. The config has been checked and its defaults
// filled in; r.Time is in the subscriber's time zone.
func (hello) Render(_ context.Context, r sdk.Request) (sdk.Result, error) {
	// A document is blocks from top to bottom; paperboy lays them out on
	// the 384-pixel-wide paper.
	doc := &sdk.Document{Blocks: []sdk.Block{
		sdk.TitleBlock{Text: "Hello, " + r.Config["name"] + "!"},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T(r.Time.Format("Monday 2 January"))}, Center: true},
		sdk.SpacerBlock{Height: 8},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T(editionLine(r.Count))}},
		sdk.RuleBlock{},
	}}
	return sdk.Print(doc), nil
}

// editionLine says which edition this is; count is how many came before.
func editionLine(count int) string {
	switch count {
	case 0:
		return "This is your first edition."
	case 1:
		return "Welcome back: this is your second edition."
	default:
		return fmt.Sprintf("This is edition number %d. Thank you for reading!", count+1)
	}
}

// New is the publication, for sdk.Serve or paperboy's built-ins.
func New() sdk.Publication { return hello{} }
