package core

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"paperboy/store"
)

// Friends. A user shares their friend code, by itself or in an invite link
// (/friends/add/CODE); whoever enters it becomes their friend. Being
// friends lets nobody print: an owner chooses, printer by printer, which
// friends may. A friend's message goes through the friends publication like
// the owner's own, within the sender's allowance and the printer's
// allowance of friends' messages.

// friendAlphabet is Crockford's base 32: digits and letters without I, L,
// O and U, which are read as 1, 1, 0 or are not used.
const friendAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// friendCodeLen is a code's length: 40 random bits, and entering one is
// rate-limited as a claim code is.
const friendCodeLen = 8

// newFriendCode draws a friend code.
func newFriendCode() string {
	b := make([]byte, friendCodeLen)
	rand.Read(b)
	for i := range b {
		b[i] = friendAlphabet[b[i]%32]
	}
	return string(b)
}

// formatFriendCode shows a code as people read it: ABCD-EFGH.
func formatFriendCode(code string) string {
	if len(code) != friendCodeLen {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// parseFriendCode reads a friend code as a person types it: any case,
// spaces and dashes anywhere, O for 0 and I or L for 1, or a whole invite
// link pasted in.
func parseFriendCode(v string) (string, error) {
	v = strings.TrimSpace(v)
	if i := strings.LastIndex(v, "/friends/add/"); i >= 0 {
		v = v[i+len("/friends/add/"):]
		v, _, _ = strings.Cut(v, "?")
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(friendAlphabet, r) {
			return "", errField("code", fmt.Sprintf("%q is not in friend codes: they are made of the digits and the letters A to Z without U, like K7QM-3XPD.", r))
		}
		b.WriteRune(r)
		if b.Len() > friendCodeLen {
			break
		}
	}
	if b.Len() != friendCodeLen {
		if b.Len() == 0 {
			return "", errField("code", "Enter your friend's code: 8 letters and digits, like K7QM-3XPD.")
		}
		return "", errField("code", fmt.Sprintf("A friend code has %d letters and digits, like K7QM-3XPD: this has %s.", friendCodeLen, countOf(b.Len())))
	}
	return b.String(), nil
}

// countOf says a count of characters read, "more" past the code's length.
func countOf(n int) string {
	if n > friendCodeLen {
		return "more"
	}
	return strconv.Itoa(n)
}

// friendCode is the user's friend code, made the first time it is asked for.
func (s *Server) friendCode(ctx context.Context, u store.User) (string, error) {
	return s.store.FriendCode(ctx, u.ID, newFriendCode)
}

// befriend makes the user a friend of whoever's code this is; the code is
// tried from the client address from.
func (s *Server) befriend(ctx context.Context, u store.User, from, v string) (store.User, error) {
	if err := s.allowCode(u, from, s.friendAdds, s.friendAddsByIP, "friend codes tried"); err != nil {
		return store.User{}, err
	}
	code, err := parseFriendCode(v)
	if err != nil {
		return store.User{}, err
	}
	friend, err := s.store.UserByFriendCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, errField("code", "No one has that friend code. Check it with your friend: they may have made a new one.")
	}
	if err != nil {
		return store.User{}, err
	}
	if friend.ID == u.ID {
		return store.User{}, errField("code", "That is your own friend code: give it to a friend for them to enter.")
	}
	err = s.store.AddFriendship(ctx, u.ID, friend.ID)
	if err != nil && !errors.Is(err, store.ErrConflict) { // friends already: fine
		return store.User{}, err
	}
	if err == nil {
		s.log.Info("friends", "user", u.ID, "friend", friend.ID)
	}
	return friend, nil
}

// friendByID is the id of a friend named by their id (as a path has it):
// one of the user's friends, or not found.
func (s *Server) friendByID(ctx context.Context, u store.User, v string) (int64, error) {
	notFound := errNotFound("no such friend: " + v)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	ok, err := s.store.AreFriends(ctx, u.ID, id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, notFound
	}
	return id, nil
}

// friendJSON is a friend as the API shows them.
type friendJSON struct {
	ID int64 `json:"id"`
	// Name is the name the friend goes by: never their email.
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
	// MayPrintOn are the user's printers this friend may print on.
	MayPrintOn []int64 `json:"may_print_on"`
	// Shared are this friend's printers the user may print on.
	Shared []sharedPrinterJSON `json:"shared"`
}

type sharedPrinterJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Online bool   `json:"online"`
}

// friendsOf are the user's friends, with who may print where, both ways.
func (s *Server) friendsOf(ctx context.Context, u store.User) ([]friendJSON, error) {
	fs, err := s.store.Friends(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	allowed, err := s.store.PrinterFriends(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	shared, err := s.store.SharedPrinters(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := []friendJSON{}
	for _, f := range fs {
		fj := friendJSON{ID: f.ID, Name: f.DisplayName(), Since: f.Since, MayPrintOn: allowed[f.ID], Shared: []sharedPrinterJSON{}}
		if fj.MayPrintOn == nil {
			fj.MayPrintOn = []int64{}
		}
		for _, sp := range shared {
			if sp.OwnerID == f.ID {
				pj := s.printerJSON(sp.Printer)
				fj.Shared = append(fj.Shared, sharedPrinterJSON{ID: sp.ID, Name: sp.Name, Status: pj.Status, Online: pj.Online})
			}
		}
		out = append(out, fj)
	}
	return out, nil
}
