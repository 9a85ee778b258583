package core

import "net/http"

// handleFriendList: GET /api/v1/friends, the user's friend code, invite
// link and friends.
func (s *Server) handleFriendList(w http.ResponseWriter, r *http.Request) error {
	code, err := s.friendCode(r.Context(), user(r))
	if err != nil {
		return err
	}
	pg, err := readPage(r)
	if err != nil {
		return err
	}
	fs, err := s.friendsOf(r.Context(), user(r))
	if err != nil {
		return err
	}
	fs, next, err := pageOf(fs, func(f friendJSON) string { return idKey(f.ID) }, pg)
	if err != nil {
		return err
	}
	out := listJSON("friends", fs, next)
	out["code"], out["invite_path"] = formatFriendCode(code), "/friends/add/"+code
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleFriendAdd: POST /api/v1/friends {"code": "K7QM-3XPD"}, befriends
// whoever's code it is.
func (s *Server) handleFriendAdd(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f, err := s.befriend(r.Context(), user(r), s.clientIP(r), req.Code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": f.ID, "name": f.DisplayName()})
	return nil
}

// handleFriendRemove: DELETE /api/v1/friends/{friend}.
func (s *Server) handleFriendRemove(w http.ResponseWriter, r *http.Request) error {
	friend, err := s.friendByID(r.Context(), user(r), r.PathValue("friend"))
	if err != nil {
		return err
	}
	if err := s.store.RemoveFriendship(r.Context(), user(r).ID, friend); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleFriendPrinter: PUT (allow) or DELETE (stop)
// /api/v1/friends/{friend}/printers/{id}, for one of the user's printers.
func (s *Server) handleFriendPrinter(w http.ResponseWriter, r *http.Request) error {
	friend, err := s.friendByID(r.Context(), user(r), r.PathValue("friend"))
	if err != nil {
		return err
	}
	p, err := s.pathPrinter(r)
	if err != nil {
		return err
	}
	if err := s.store.SetPrinterFriend(r.Context(), user(r).ID, p.ID, friend, r.Method == http.MethodPut); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
