-- Password resets by email: a link with a random token, of which only the
-- SHA-256 is kept, valid until expires_at and spent once used_at is set
-- (by its own use, or by another change of the password). Times are unix
-- milliseconds.
CREATE TABLE password_resets (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT    NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
);
CREATE INDEX password_resets_user ON password_resets(user_id);
CREATE INDEX password_resets_expires ON password_resets(expires_at);
