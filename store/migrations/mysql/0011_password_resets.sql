-- Password resets by email: a link with a random token, of which only the
-- SHA-256 is kept, valid until expires_at and spent once used_at is set
-- (by its own use, or by another change of the password). Times are unix
-- milliseconds.
CREATE TABLE password_resets (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT      NOT NULL,
  token_hash VARCHAR(64) NOT NULL,
  created_at BIGINT      NOT NULL,
  expires_at BIGINT      NOT NULL,
  used_at    BIGINT,
  UNIQUE KEY password_resets_token (token_hash),
  KEY password_resets_user (user_id),
  KEY password_resets_expires (expires_at),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
