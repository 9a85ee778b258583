// Package puzzle is a daily sudoku, made on the spot without the network,
// with yesterday's answer under it. The puzzle depends only on the
// subscriber's local date and the difficulty, so everyone with the same
// difficulty gets the same puzzle on the same day, and yesterday's can be
// made again to print its answer.
package puzzle

import (
	"context"
	"fmt"
	"time"

	"paperboy/sdk"
)

// puzzle is the publication. It keeps no state: a day's puzzle is
// generated again whenever it is needed.
type puzzle struct{}

// Meta tells paperboy what puzzle is and what subscribers fill in.
func (puzzle) Meta() sdk.Meta {
	choices := make([]sdk.Choice, len(levels))
	for i, l := range levels {
		choices[i] = sdk.Choice{Value: l.name, Label: fmt.Sprintf("%s (about %d clues)", l.label, l.target)}
	}
	return sdk.Meta{
		Name:        "puzzle",
		Title:       "Daily Sudoku",
		Description: "A new sudoku every day, easy, medium or hard, with yesterday's answer.",
		Author:      "paperboy",
		Kind:        sdk.Scheduled,
		// Not Personal: the puzzle depends only on the difficulty and the
		// local date, so paperboy makes one edition per difficulty and moment
		// and shares it.
		Schedule:    "0 8 * * *",
		MinInterval: 24 * time.Hour, // one puzzle a day: more would print the same one
		Fields: []sdk.Field{
			{Name: "difficulty", Label: "Difficulty", Help: "Harder puzzles give fewer digits to start from.",
				Type: sdk.Select, Default: "medium", Required: true, Choices: choices},
		},
	}
}

// Validate checks a config beyond the form. A choice field says all there
// is to say, so there is nothing to add.
func (puzzle) Validate(context.Context, sdk.Config) error { return nil }

// Render makes the edition for r.Time's date where the subscriber is:
// today's puzzle and yesterday's answer, at the configured difficulty.
func (puzzle) Render(_ context.Context, r sdk.Request) (sdk.Result, error) {
	l, ok := levelByName(r.Config["difficulty"])
	if !ok {
		return sdk.Result{}, fmt.Errorf("puzzle: no difficulty %q: choose easy, medium or hard", r.Config["difficulty"])
	}
	today := localDate(r.Time)
	yesterday := today.AddDate(0, 0, -1)
	s := generate(dateKey(today), l)
	prev := generate(dateKey(yesterday), l)

	board, err := drawGrid(&s.clues, puzzleStyle)
	if err != nil {
		return sdk.Result{}, err
	}
	answer, err := drawGrid(&prev.solution, answerStyle)
	if err != nil {
		return sdk.Result{}, err
	}
	doc := &sdk.Document{Blocks: []sdk.Block{
		sdk.TitleBlock{Text: "Sudoku"},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T(today.Format("Monday 2 January 2006") + " – " + l.label)}, Center: true},
		// Width set to the picture's own: printed as drawn, not scaled.
		sdk.ImageBlock{Image: board, Width: board.Bounds().Dx()},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.T("Fill the grid so that every row, column and 3×3 box holds each digit 1 to 9 once.")},
			Size: sdk.Small, Center: true},
		sdk.RuleBlock{Dashed: true},
		sdk.ParagraphBlock{Spans: []sdk.Span{sdk.B("Yesterday's answer"), sdk.T(" – " + yesterday.Format("Monday 2 January"))},
			Size: sdk.Small, Center: true},
		sdk.ImageBlock{Image: answer, Width: answer.Bounds().Dx()},
	}}
	return sdk.Print(doc), nil
}

// localDate is t's calendar date where t is (its own location), as
// midnight UTC: a date to count days on without daylight-saving surprises.
func localDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dateKey is a date as it goes into a puzzle's seed: "2026-12-01".
func dateKey(d time.Time) string { return d.Format("2006-01-02") }

// New is the publication, for sdk.Serve or paperboy's built-ins.
func New() sdk.Publication { return puzzle{} }
