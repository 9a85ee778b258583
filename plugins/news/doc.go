// Package news is a publication of headlines and summaries from the RSS
// and Atom feeds a subscriber chooses: a heading per feed, each story's
// title in bold and a summary of about forty words.
package news

import "paperboy/sdk"

// New is the publication, for sdk.Serve or paperboy's built-ins.
func New() sdk.Publication { return news{} }
