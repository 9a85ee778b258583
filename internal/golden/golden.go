// Package golden finds and reads the shared test vectors for tests: the folder
// named by $PAPERBOY_GOLDEN, or ../shared/golden beside the module root. The
// vectors are read in place, never copied.
package golden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// EnvVar names the variable that points the tests at another vector folder of
// the same layout.
const EnvVar = "PAPERBOY_GOLDEN"

// Dir is the vector folder. It fails the test if it cannot be found.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv(EnvVar); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatalf("golden: %v", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "golden")
		}
		if filepath.Dir(d) == d {
			tb.Fatalf("golden: no go.mod above %s; set %s", wd, EnvVar)
		}
	}
}

// Path joins name to the vector folder.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	return filepath.Join(Dir(tb), name)
}

// Load decodes the JSON file name of the vector folder into v, which must
// point to a slice or a struct of slices. A missing, unreadable or empty file
// fails the test: vectors are never skipped.
func Load(tb testing.TB, name string, v any) {
	tb.Helper()
	p := Path(tb, name)
	data, err := os.ReadFile(p)
	if err != nil {
		tb.Fatalf("golden: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("golden: %s: %v", p, err)
	}
	if countCases(reflect.ValueOf(v).Elem()) == 0 {
		tb.Fatalf("golden: %s holds no cases", p)
	}
}

// countCases counts the elements of a slice, or of every slice field of a
// struct.
func countCases(v reflect.Value) int {
	switch v.Kind() {
	case reflect.Slice:
		return v.Len()
	case reflect.Struct:
		n := 0
		for i := range v.NumField() {
			n += countCases(v.Field(i))
		}
		return n
	}
	return 0
}

// ReadFile reads a file of the vector folder, such as images/white-384x8.png.
func ReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(Path(tb, name))
	if err != nil {
		tb.Fatalf("golden: %v", err)
	}
	return data
}
