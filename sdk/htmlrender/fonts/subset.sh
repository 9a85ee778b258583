#!/bin/sh
# subset.sh makes the fonts the HTML renderer embeds from Debian's
# fonts-liberation2 (2.1.5): the full files are 4.4 MB, most of it scripts
# a Latin edition does not print and hinting a 1-bit renderer does not use, so only the
# Latin letters, punctuation, currency, arrows and a few symbols are kept.
#
# The Liberation fonts are under the SIL Open Font License 1.1 (LICENSE),
# which reserves the names "Liberation" (and Google's "Arimo", "Tinos",
# "Cousine") for the original fonts: a subset is a Modified Version, so its
# name table calls it "Paperboy Sans/Serif/Mono", keeping the copyright
# notices and the licence.
#
# Run it from anywhere: sh sdk/htmlrender/fonts/subset.sh
set -eu
src=${LIBERATION_DIR:-/usr/share/fonts/truetype/liberation2}
dir=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/usr/bin/python3}

# Basic Latin, Latin-1 Supplement, Latin Extended-A, IPA Extensions and
# Spacing Modifier Letters (for pronunciations), General
# Punctuation, Currency Symbols, Arrows, and •…€©®™°×÷−✓ (those the fonts
# have). Greek and Cyrillic come from the Go fonts, which have them.
unicodes=U+0020-007E,U+00A0-00FF,U+0100-017F,U+0250-02FF,U+2000-206F,U+20A0-20CF,U+2190-21FF,U+2022,U+2026,U+20AC,U+00A9,U+00AE,U+2122,U+00B0,U+00D7,U+00F7,U+2212,U+2713,U+FFFD

for pair in \
	Sans-Regular:sans-regular Sans-Bold:sans-bold Sans-Italic:sans-italic Sans-BoldItalic:sans-bolditalic \
	Serif-Regular:serif-regular Serif-Bold:serif-bold Serif-Italic:serif-italic Serif-BoldItalic:serif-bolditalic \
	Mono-Regular:mono-regular Mono-Bold:mono-bold; do
	in=$src/Liberation${pair%%:*}.ttf
	out=$dir/${pair##*:}.ttf
	"$python" - "$in" "$out" "$unicodes" <<'PY'
import sys
from fontTools import subset
from fontTools.ttLib import TTFont

src, dst, unicodes = sys.argv[1:4]
opts = subset.Options()
opts.hinting = False           # no instructions: glyphs are drawn 1-bit, unhinted
opts.desubroutinize = True
opts.layout_features = []  # no kerning or ligatures: WebKit of 2012 used neither by default
opts.drop_tables += ["FFTM"]
opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14, 16, 17]
opts.name_languages = [0x409]
opts.notdef_outline = True
opts.recalc_timestamp = False  # the same input gives the same bytes
font = TTFont(src, recalcTimestamp=False)
sub = subset.Subsetter(opts)
sub.populate(unicodes=subset.parse_unicodes(unicodes))
sub.subset(font)

# Rename: the OFL reserves "Liberation" for the unmodified fonts.
name = font["name"]
for rec in name.names:
    if rec.nameID in (1, 3, 4, 6, 16):
        s = rec.toUnicode()
        for old in ("Liberation", "Arimo", "Tinos", "Cousine"):
            s = s.replace(old, "Paperboy")
        rec.string = s
font.save(dst)
PY
done
ls -l "$dir"/*.ttf
