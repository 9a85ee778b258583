-- Notices: what happened that an owner should be told of (a print failed
-- or expired, a printer offline too long, a subscription ended, a
-- publication failing days running, a new friend, a print key's first
-- use). Each is raised once, in the transaction of what it tells of, or by
-- a housekeeping scan with a dedupe key (unique per user) so that it is
-- raised once however often the scan runs. subject and detail are the
-- words it is about (a printer's or key's name, a reason); the web app
-- makes the sentence. fanned_at is set once its sends to the owner's
-- channels are made. Times are unix milliseconds.
CREATE TABLE notices (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind       TEXT    NOT NULL,
  printer_id INTEGER REFERENCES printers(id) ON DELETE CASCADE,
  subject    TEXT    NOT NULL DEFAULT '',
  detail     TEXT    NOT NULL DEFAULT '',
  dedupe     TEXT,
  created_at INTEGER NOT NULL,
  read_at    INTEGER,
  fanned_at  INTEGER
);
CREATE INDEX notices_user ON notices(user_id, id);
CREATE UNIQUE INDEX notices_dedupe ON notices(user_id, dedupe);
CREATE INDEX notices_fan ON notices(fanned_at);

-- Which channels an owner wants for a kind of notice: bits 1 the web
-- app's list, 2 Web Push, 4 the webhook. No row: all of them.
CREATE TABLE notice_prefs (
  user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind     TEXT    NOT NULL,
  channels INTEGER NOT NULL,
  PRIMARY KEY (user_id, kind)
);

-- Browsers and installed apps that take an owner's notices by Web Push:
-- the push service's endpoint (endpoint_hash is its SHA-256, to keep it
-- unique) and the keys the payload is encrypted to.
CREATE TABLE push_endpoints (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  endpoint      TEXT    NOT NULL,
  endpoint_hash TEXT    NOT NULL UNIQUE,
  p256dh        TEXT    NOT NULL,
  auth          TEXT    NOT NULL,
  agent         TEXT    NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);
CREATE INDEX push_endpoints_user ON push_endpoints(user_id);

-- An owner's webhook: notices are POSTed to url as JSON, signed with
-- HMAC-SHA256 under secret.
CREATE TABLE webhooks (
  user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  url        TEXT    NOT NULL,
  secret     TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);

-- Each notice's sends to a push endpoint or the webhook (target_id: the
-- endpoint's id, or the user's for the webhook), sent at least once like
-- prints: pending until the far end answers 2xx, tried again with back-off
-- (next_at) until attempts run out. The webhook's are its delivery log.
CREATE TABLE notice_sends (
  id          INTEGER PRIMARY KEY,
  notice_id   INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel     TEXT    NOT NULL,
  target_id   INTEGER NOT NULL,
  target      TEXT    NOT NULL DEFAULT '',
  state       TEXT    NOT NULL DEFAULT 'pending',
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  done_at     INTEGER
);
CREATE INDEX notice_sends_due ON notice_sends(state, next_at);
CREATE INDEX notice_sends_user ON notice_sends(user_id, channel, id);

-- How long a printer may be unheard of before its owner is told, in
-- minutes (0: never).
ALTER TABLE printers ADD COLUMN offline_notice_minutes INTEGER NOT NULL DEFAULT 1440;

-- Keys the server makes once and keeps, shared by its instances: the
-- VAPID key pair of Web Push.
CREATE TABLE server_keys (
  name       TEXT    PRIMARY KEY,
  value      TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);
