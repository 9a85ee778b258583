package berg

import "strings"

// maxSlug is the length of a publication name in paperboy (sdk.Meta.Name).
const maxSlug = 32

// latin1 folds the accented letters of Latin-1 (and œ) to ASCII, which is
// enough for names such as "Café du Monde" without golang.org/x/text.
var latin1 = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ì': "i", 'í': "i",
	'î': "i", 'ï': "i", 'ð': "d", 'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o",
	'õ': "o", 'ö': "o", 'ø': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ü': "u",
	'ý': "y", 'ÿ': "y", 'þ': "th", 'ß': "ss", 'œ': "oe",
}

// Slug is a paperboy publication name made from meta.json's name: lower
// case, accents of Latin-1 folded, each run of other characters one dash,
// at most 32 characters (cut at a dash when one is not too far back), and
// starting with a letter ("pub-" is put in front of one that does not). It
// always matches ^[a-z][a-z0-9-]{0,31}$, or is "" when nothing is left of
// the name.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		s := ""
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			s = string(r)
		default:
			s = latin1[r]
		}
		if s == "" {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(s)
	}
	slug := b.String()
	if slug == "" {
		return ""
	}
	if c := slug[0]; c < 'a' || c > 'z' {
		slug = "pub-" + slug
	}
	if len(slug) > maxSlug {
		cut := strings.LastIndexByte(slug[:maxSlug+1], '-')
		if cut < maxSlug/2 {
			// No dash, or only near the start: cutting there would lose
			// most of the name.
			cut = maxSlug
		}
		slug = strings.TrimRight(slug[:cut], "-")
	}
	return slug
}

// NormalizeETag is an ETag as paperboy compares it: without surrounding
// white space, the weak marker W/ and quotes. BERG's own publications
// quoted their ETags; others did not, and some made them weak.
func NormalizeETag(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "W/") || strings.HasPrefix(s, "w/") {
		s = strings.TrimSpace(s[2:])
	}
	s = strings.TrimPrefix(s, `"`)
	s = strings.TrimSuffix(s, `"`)
	return strings.TrimSpace(s)
}
