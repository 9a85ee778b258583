-- Accounts for the web app: a password (a bcrypt hash; NULL for users made
-- by "paperboy user add", who have only API tokens) and sessions. A session's
-- id is the SHA-256 of the token its cookie carries: the token itself is
-- never stored. Times are unix milliseconds.
ALTER TABLE users ADD COLUMN password_hash VARCHAR(255);

CREATE TABLE sessions (
  id           VARCHAR(64) NOT NULL PRIMARY KEY,
  user_id      BIGINT      NOT NULL,
  created_at   BIGINT      NOT NULL,
  expires_at   BIGINT      NOT NULL,
  last_seen_at BIGINT      NOT NULL,
  KEY sessions_user (user_id),
  KEY sessions_expires (expires_at),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
