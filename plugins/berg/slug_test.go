package berg

import (
	"regexp"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Hello World", "hello-world"},
		{"  Word of the Day!  ", "word-of-the-day"},
		{"Café du Monde", "cafe-du-monde"},
		{"ÆSIR Straße Œuvre", "aesir-strasse-oeuvre"},
		{"Ünïcödé ÀÉÎÕÜ ÿ", "unicode-aeiou-y"},
		{"How Many People In Space?", "how-many-people-in-space"},
		{"The First Annual Little Printer Awards", "the-first-annual-little-printer"},
		{"Supercalifragilisticexpialidocious-extra-long", "supercalifragilisticexpialidocio"},
		{"a---b___c", "a-b-c"},
		{"2048", "pub-2048"},
		{"100 Years Ago Today in the News", "pub-100-years-ago-today-in-the"},
		{"日本語のニュース", ""},
		{"日本 News", "news"},
		{"", ""},
		{"---", ""},
		{"-a-", "a"},
	}
	for _, tt := range tests {
		if got := Slug(tt.in); got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeETag(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`"abc"`, "abc"},
		{`W/"abc"`, "abc"},
		{` w/ "abc" `, "abc"},
		{`abc`, "abc"},
		{`lazy-etag-2`, "lazy-etag-2"},
		{`"2026-12-060"`, "2026-12-060"},
		{`""`, ""},
		{`"`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := NormalizeETag(tt.in); got != tt.want {
			t.Errorf("NormalizeETag(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var slugRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"Hello World", "Café", "2048", "", "---", "日本", strings.Repeat("ab-", 20), "İstanbul", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Slug(s)
		if got != "" && !slugRE.MatchString(got) {
			t.Fatalf("Slug(%q) = %q", s, got)
		}
		if got != "" && strings.HasSuffix(got, "-") {
			t.Fatalf("Slug(%q) = %q ends in a dash", s, got)
		}
		if again := Slug(got); again != got {
			t.Fatalf("Slug(Slug(%q)) = %q, not %q", s, again, got)
		}
	})
}
