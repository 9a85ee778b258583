-- Friends. Each user has a friend code to share (by itself or in an invite
-- link); whoever enters it becomes their friend. A friendship is stored
-- both ways, one row per direction. Being friends lets nobody print: an
-- owner chooses, printer by printer, which friends may (printer_friends).
-- Times are unix milliseconds.
CREATE TABLE friend_codes (
  user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  code       TEXT    NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE friendships (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  friend_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, friend_id)
);

CREATE TABLE printer_friends (
  printer_id INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
  friend_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (printer_id, friend_id)
);
CREATE INDEX printer_friends_friend ON printer_friends(friend_id);

-- Who sent a message, as its history shows it ('' for the owner's own
-- prints and editions).
ALTER TABLE deliveries ADD COLUMN sender TEXT NOT NULL DEFAULT '';
