package core

import (
	"context"
	"errors"
	"strconv"

	"paperboy/store"
)

// revokeToken revokes one of the user's API tokens, named by its id (as a
// path has it); another user's is not found, as one that does not exist.
func (s *Server) revokeToken(ctx context.Context, u store.User, v string) error {
	notFound := errNotFound("no such token: " + v)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return notFound
	}
	err = s.store.DeleteToken(ctx, u.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	s.log.Info("token revoked", "user", u.ID, "token", id)
	return nil
}
