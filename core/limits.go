package core

import (
	"fmt"

	"paperboy/store"
)

// allowCode takes a code tried (a claim code or a friend code: both are
// guessed only by trying many) from the user's allowance and the client
// address's, which is twice as large: a few accounts on one address get no
// more tries than two.
func (s *Server) allowCode(u store.User, from string, byUser *rateLimiter[int64], byIP *rateLimiter[string], what string) error {
	now := s.now()
	if ok, wait := byUser.take(u.ID, now); !ok {
		return errTooMany(fmt.Sprintf("Too many %s: at most %d a minute. Try again in %s.", what, s.cfg.ClaimsPerMinute, wait), wait)
	}
	if ok, wait := byIP.take(from, now); !ok {
		return errTooMany(fmt.Sprintf("Too many %s from your address: at most %d a minute. Try again in %s.", what, 2*s.cfg.ClaimsPerMinute, wait), wait)
	}
	return nil
}

// allowPrint takes one of a user's prints a minute, or says there are none
// left.
func (s *Server) allowPrint(u store.User) error {
	if ok, wait := s.prints.take(u.ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("Too many prints: at most %d a minute. Try again in %s.", s.cfg.PrintsPerMinute, wait), wait)
	}
	return nil
}

// allowMessage takes a message from the sender's allowance and, for a
// friend's, from the printer's allowance of friends' messages.
func (s *Server) allowMessage(p store.Printer, u store.User) error {
	if err := s.allowPrint(u); err != nil {
		return err
	}
	if u.ID == p.OwnerID {
		return nil
	}
	if ok, wait := s.friendPrints.take(p.ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("%s has had all the messages it takes from friends for now (at most %d an hour). Try again in %s.",
			p.Name, s.cfg.FriendMessagesPerHour, wait), wait)
	}
	return nil
}

// allowPersonality takes one of a user's personalities an hour, before its
// pictures are decoded, or says there are none left.
func (s *Server) allowPersonality(u store.User) error {
	if ok, wait := s.personalities.take(u.ID, s.now()); !ok {
		return errTooMany(fmt.Sprintf("Too many personalities: at most %d an hour. Try again in %s.", s.cfg.PersonalitiesPerHour, wait), wait)
	}
	return nil
}
