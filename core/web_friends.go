package core

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"paperboy/store"
)

// The friends pages: the user's code and invite link, their friends and
// which printers each may print on, and the page a message is sent from.

// friendsPage is the friends page.
type friendsPage struct {
	Code      string // formatted
	InviteURL string
	Friends   []friendView
	Printers  []store.Printer // the user's own, for the checkboxes
	Entered   string          // a code entered and refused
	Errors    map[string]string
}

// friendView is a friend on the friends page.
type friendView struct {
	friendJSON
	Allowed map[int64]bool // the user's printers this friend may print on
}

// inviteURL is the link that makes its opener a friend of the code's owner.
func inviteURL(r *http.Request, code string) string { return siteURL(r) + "/friends/add/" + code }

func (s *Server) handleFriendsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderFriends(w, r, http.StatusOK, friendsPage{Errors: map[string]string{}})
}

func (s *Server) renderFriends(w http.ResponseWriter, r *http.Request, status int, page friendsPage) error {
	code, err := s.friendCode(r.Context(), user(r))
	if err != nil {
		return err
	}
	fs, err := s.friendsOf(r.Context(), user(r))
	if err != nil {
		return err
	}
	if page.Printers, err = s.store.PrintersByOwner(r.Context(), user(r).ID); err != nil {
		return err
	}
	for _, f := range fs {
		v := friendView{friendJSON: f, Allowed: map[int64]bool{}}
		for _, id := range f.MayPrintOn {
			v.Allowed[id] = true
		}
		page.Friends = append(page.Friends, v)
	}
	page.Code, page.InviteURL = formatFriendCode(code), inviteURL(r, code)
	return s.render(w, r, status, "friends", "Friends", page)
}

// handleWebFriendAdd befriends whoever's code was entered (on the friends
// page, or by the button of an invite link).
func (s *Server) handleWebFriendAdd(w http.ResponseWriter, r *http.Request) error {
	entered := r.PostFormValue("code")
	if _, err := s.befriend(r.Context(), user(r), s.clientIP(r), entered); err != nil {
		return s.formError(w, r, err, func(status int, _, msg string) error {
			return s.renderFriends(w, r, status, friendsPage{Entered: entered, Errors: map[string]string{"code": msg}})
		})
	}
	return redirect(w, r, "/friends", "befriended")
}

// invitePage is what an invite link shows: whose it is, and a button.
type invitePage struct {
	Code   string
	Friend store.User
	Self   bool // the user's own link
	Known  bool // friends already
}

// handleInvitePage shows an invite link's page. Opening it changes
// nothing: the button there does (a GET must not, or any page could make
// its visitors someone's friends).
func (s *Server) handleInvitePage(w http.ResponseWriter, r *http.Request) error {
	// The page says whether a code is someone's: it is tried as the form's
	// codes are, or it would be the way to guess them.
	if err := s.allowCode(user(r), s.clientIP(r), s.friendAdds, s.friendAddsByIP, "invite links opened"); err != nil {
		return err
	}
	code, err := parseFriendCode(r.PathValue("code"))
	if err != nil {
		return errNotFound("This invite link is not right: " + err.Error())
	}
	friend, err := s.store.UserByFriendCode(r.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("This invite link no longer works: its friend code was replaced. Ask your friend for a new one.")
	}
	if err != nil {
		return err
	}
	page := invitePage{Code: code, Friend: friend, Self: friend.ID == user(r).ID}
	if !page.Self {
		if page.Known, err = s.store.AreFriends(r.Context(), user(r).ID, friend.ID); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, "invite", "Become friends", page)
}

// handleWebFriendCode makes the user a new friend code.
func (s *Server) handleWebFriendCode(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.store.NewFriendCode(r.Context(), user(r).ID, newFriendCode); err != nil {
		return err
	}
	return redirect(w, r, "/friends", "newcode")
}

// handleWebFriendPrinters sets which of the user's printers a friend may
// print on, from the boxes ticked.
func (s *Server) handleWebFriendPrinters(w http.ResponseWriter, r *http.Request) error {
	friend, err := s.friendByID(r.Context(), user(r), r.PathValue("friend"))
	if err != nil {
		return err
	}
	ps, err := s.store.PrintersByOwner(r.Context(), user(r).ID)
	if err != nil {
		return err
	}
	ticked := map[int64]bool{}
	for _, v := range r.PostForm["printer"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errBadRequest(fmt.Sprintf("printer %q is not a printer's number", v))
		}
		ticked[id] = true
	}
	// Every box must be one of the user's printers before any is set.
	for id := range ticked {
		if !slices.ContainsFunc(ps, func(p store.Printer) bool { return p.ID == id }) {
			return errNotFound(fmt.Sprintf("no such printer: %d", id))
		}
	}
	for _, p := range ps {
		if err := s.store.SetPrinterFriend(r.Context(), user(r).ID, p.ID, friend, ticked[p.ID]); err != nil {
			return err
		}
	}
	s.log.Info("friend's printers set", "user", user(r).ID, "friend", friend)
	return redirect(w, r, "/friends", "friendprinters")
}

// handleWebFriendRemove ends a friendship.
func (s *Server) handleWebFriendRemove(w http.ResponseWriter, r *http.Request) error {
	friend, err := s.friendByID(r.Context(), user(r), r.PathValue("friend"))
	if err != nil {
		return err
	}
	if err := s.store.RemoveFriendship(r.Context(), user(r).ID, friend); err != nil {
		return err
	}
	return redirect(w, r, "/friends", "unfriended")
}

// handleWebUserName changes the name the user goes by.
func (s *Server) handleWebUserName(w http.ResponseWriter, r *http.Request) error {
	u := user(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	if msg := CheckUserName(name, u.Email); msg != "" {
		return s.renderFriends(w, r, http.StatusBadRequest, friendsPage{Errors: map[string]string{"name": msg}})
	}
	if err := s.store.SetUserName(r.Context(), u.ID, name); err != nil {
		return err
	}
	return redirect(w, r, "/friends", "named")
}
