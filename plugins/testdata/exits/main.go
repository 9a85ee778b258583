// A plugin that exits at start, before it serves. For the host's fault
// tests.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "exits: cannot read my settings")
	os.Exit(3)
}
