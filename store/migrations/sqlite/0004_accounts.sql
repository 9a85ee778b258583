-- Accounts for the web app: a password (a bcrypt hash; NULL for users made
-- by "paperboy user add", who have only API tokens) and sessions. A session's
-- id is the SHA-256 of the token its cookie carries: the token itself is
-- never stored. Times are unix milliseconds.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
  id           TEXT    PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
