-- Print keys: a secret address per key through which anyone who holds it
-- prints on one printer (and BERG's direct print, the key's code). Only
-- the SHA-256 of the code is kept; hint is its first characters, to tell
-- keys apart. per_hour and max_bytes are the key's own limits (0: the
-- server's), formats the kinds of content it takes ('' for all).
-- recent_senders is a JSON list of the last names it printed for. Times are
-- unix milliseconds.
CREATE TABLE print_keys (
  id             INTEGER PRIMARY KEY,
  printer_id     INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
  name           TEXT    NOT NULL,
  code_hash      TEXT    NOT NULL UNIQUE,
  hint           TEXT    NOT NULL,
  per_hour       INTEGER NOT NULL DEFAULT 0,
  max_bytes      INTEGER NOT NULL DEFAULT 0,
  formats        TEXT    NOT NULL DEFAULT '',
  created_at     INTEGER NOT NULL,
  uses           INTEGER NOT NULL DEFAULT 0,
  last_used_at   INTEGER,
  recent_senders TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX print_keys_printer ON print_keys(printer_id);

-- BERG's Push API: a subscription to a push publication has an endpoint of
-- its own, named by push_id (40 hex characters, as BERG's subscription ids
-- were). A publication that pushes signs with its credentials: OAuth 1.0
-- (consumer key and secret, token and secret: the secrets are kept, as
-- HMAC needs them) or a bearer token (only its SHA-256 kept).
ALTER TABLE subscriptions ADD COLUMN push_id TEXT;
CREATE UNIQUE INDEX subscriptions_push ON subscriptions(push_id);

CREATE TABLE publication_credentials (
  publication     TEXT NOT NULL PRIMARY KEY,
  consumer_key    TEXT NOT NULL UNIQUE,
  consumer_secret TEXT NOT NULL,
  token           TEXT NOT NULL,
  token_secret    TEXT NOT NULL,
  bearer_hash     TEXT NOT NULL UNIQUE,
  created_at      INTEGER NOT NULL
);

-- What was pushed, for its status URL: the delivery and the subscription
-- it came through.
CREATE TABLE push_deliveries (
  delivery_id     INTEGER NOT NULL PRIMARY KEY REFERENCES deliveries(id) ON DELETE CASCADE,
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE
);
CREATE INDEX push_deliveries_subscription ON push_deliveries(subscription_id);
