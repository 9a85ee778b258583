package core

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names people give, which others see (a printer's name in a friend's
// list, an email on a printed note), hold no character that hides or
// rearranges text: a control character (a newline, an escape…), a line or
// paragraph separator, or a mark that turns the direction of the text
// around it, with which "Kitchen\u202Egnp.exe" shows as another name than
// it is. Such a name is refused, never quietly cleaned.

// isHiding reports whether r is such a character.
func isHiding(r rune) bool {
	switch {
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069', r == '\u200E', r == '\u200F', r == '\u061C':
		return true // the bidirectional embeddings, overrides, isolates and marks
	}
	return false
}

// nameProblem says what is wrong with a name's characters, "" if nothing;
// what is the name's kind, as the message should say it ("name").
func nameProblem(what, s string) string {
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%s is not valid text (UTF-8)", what)
	}
	n := 0
	for _, r := range s {
		n++
		if !isHiding(r) {
			continue
		}
		kind := "a control character"
		if !unicode.IsControl(r) {
			kind = "a mark that changes the direction or the lines of the text"
		}
		return fmt.Sprintf("%s has %s at character %d (%U), which may not be in it: type it again without", what, kind, n, r)
	}
	return ""
}

// maxUserNameLen is the longest name an account may go by, in characters.
const maxUserNameLen = 40

// CheckUserName says what is wrong with the name an account goes by, ""
// if nothing. None is allowed ("a friend" is shown); an email is not, as
// the name is what others see instead of the account's email.
func CheckUserName(name, email string) string {
	switch {
	case name == "":
		return ""
	case utf8.RuneCountInString(name) > maxUserNameLen:
		return fmt.Sprintf("That name is too long: at most %d characters.", maxUserNameLen)
	case strings.Contains(name, "@") || email != "" && strings.EqualFold(name, email):
		return "Choose a name, not an email address: your friends see it, and an email is never shown to them."
	}
	if msg := nameProblem("The name", name); msg != "" {
		return msg + "."
	}
	return ""
}
