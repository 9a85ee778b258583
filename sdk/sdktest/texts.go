package sdktest

import (
	"strings"

	"paperboy/sdk"
)

// Texts is a document's text, a string a block, to compare with what an
// edition should say: a title's, a heading's or a paragraph's text (styles
// dropped), "left | right" for a row, each list item on its own line, "---"
// for a rule, "" for a spacer, "[image]" and "[qr]" for pictures.
func Texts(d *sdk.Document) []string {
	var out []string
	for _, b := range d.Blocks {
		switch b := b.(type) {
		case sdk.TitleBlock:
			out = append(out, b.Text)
		case sdk.HeadingBlock:
			out = append(out, b.Text)
		case sdk.ParagraphBlock:
			out = append(out, spansText(b.Spans))
		case sdk.RowBlock:
			out = append(out, spansText(b.Left)+" | "+spansText(b.Right))
		case sdk.ListBlock:
			items := make([]string, len(b.Items))
			for i, it := range b.Items {
				items[i] = spansText(it)
			}
			out = append(out, strings.Join(items, "\n"))
		case sdk.RuleBlock:
			out = append(out, "---")
		case sdk.SpacerBlock:
			out = append(out, "")
		case sdk.ImageBlock:
			out = append(out, "[image]")
		case sdk.QRBlock:
			out = append(out, "[qr]")
		default:
			out = append(out, "?")
		}
	}
	return out
}

func spansText(spans []sdk.Span) string {
	var s strings.Builder
	for _, sp := range spans {
		s.WriteString(sp.Text)
	}
	return s.String()
}
