// Command news is a publication of headlines and summaries from the RSS
// and Atom feeds a subscriber chooses: a heading per feed, each story's
// title in bold and a summary of about forty words.
package main

import "paperboy/sdk"

func main() { sdk.Serve(news{}) }
