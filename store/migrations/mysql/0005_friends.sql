-- Friends. Each user has a friend code to share (by itself or in an invite
-- link); whoever enters it becomes their friend. A friendship is stored
-- both ways, one row per direction. Being friends lets nobody print: an
-- owner chooses, printer by printer, which friends may (printer_friends).
-- Times are unix milliseconds.
CREATE TABLE friend_codes (
  user_id    BIGINT      NOT NULL PRIMARY KEY,
  code       VARCHAR(16) NOT NULL,
  created_at BIGINT      NOT NULL,
  UNIQUE KEY friend_codes_code (code),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE friendships (
  user_id    BIGINT NOT NULL,
  friend_id  BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, friend_id),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  FOREIGN KEY (friend_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE printer_friends (
  printer_id BIGINT NOT NULL,
  friend_id  BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (printer_id, friend_id),
  KEY printer_friends_friend (friend_id),
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE,
  FOREIGN KEY (friend_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who sent a message, as its history shows it ('' for the owner's own
-- prints and editions).
ALTER TABLE deliveries ADD COLUMN sender VARCHAR(320) NOT NULL DEFAULT '';
