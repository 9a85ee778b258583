// Package layout checks design.md's import rules: which top-level part may
// import which.
package layout

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "paperboy"

// allowed lists, for each top-level part, the paperboy parts it may import
// (design.md, "Top-level layout"). A part not listed may import anything.
var allowed = map[string][]string{
	"codec":     {},
	"store":     {},
	"sdk":       {"codec"},
	"delivery":  {"codec", "store"},
	"scheduler": {"store", "plugins", "delivery", "sdk"}, // sdk: the plugin host's words (RenderArgs, Output, Meta); delivery: the print path
	"plugins":   {"sdk"},
	"virtual":   {"codec"}, // the virtual bridge speaks the wire protocol, and nothing of the server
}

// part is the top-level folder of a paperboy import path.
func part(path string) string {
	rest := strings.TrimPrefix(path, module+"/")
	head, _, _ := strings.Cut(rest, "/")
	return head
}

func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		from := part(p.ImportPath)
		rules, ok := allowed[from]
		if !ok {
			continue
		}
		checked++
		for _, imp := range p.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := part(imp)
			if to == from {
				continue
			}
			ok := false
			for _, a := range rules {
				ok = ok || a == to
			}
			if !ok {
				t.Errorf("%s imports %s: design.md does not let %s/ depend on %s/", p.ImportPath, imp, from, to)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package checked")
	}
	t.Logf("%d packages checked", checked)
}
