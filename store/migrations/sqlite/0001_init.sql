-- Users and their API tokens (only a hash of each token is kept).
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  email      TEXT    NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash   TEXT    NOT NULL UNIQUE,
  name         TEXT    NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL
);

-- Bridges and devices as they report themselves; times are unix milliseconds.
CREATE TABLE bridges (
  address          TEXT    PRIMARY KEY,
  model            TEXT    NOT NULL DEFAULT '',
  firmware_version TEXT    NOT NULL DEFAULT '',
  ncp_version      TEXT    NOT NULL DEFAULT '',
  local_ip_address TEXT    NOT NULL DEFAULT '',
  mac_address      TEXT    NOT NULL DEFAULT '',
  first_seen_at    INTEGER NOT NULL,
  last_seen_at     INTEGER NOT NULL
);

CREATE TABLE devices (
  address           TEXT    PRIMARY KEY,
  hardware_xor      INTEGER NOT NULL,
  bridge_address    TEXT    NOT NULL,
  device_type       INTEGER,
  firmware_build    TEXT    NOT NULL DEFAULT '',
  loader_build      TEXT    NOT NULL DEFAULT '',
  protocol_version  INTEGER,
  reset_description INTEGER,
  last_uptime       INTEGER,
  first_seen_at     INTEGER NOT NULL,
  last_seen_at      INTEGER NOT NULL,
  key_requested_at  INTEGER
);
CREATE INDEX devices_hardware_xor ON devices(hardware_xor);

-- A printer is a user's: it follows its device through resets (a new
-- address, the same hardware xor) and has none until it first calls home.
CREATE TABLE printers (
  id             INTEGER PRIMARY KEY,
  owner_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name           TEXT    NOT NULL,
  hardware_xor   INTEGER NOT NULL,
  device_address TEXT    UNIQUE,
  created_at     INTEGER NOT NULL
);
CREATE INDEX printers_owner ON printers(owner_id);
CREATE INDEX printers_hardware_xor ON printers(hardware_xor);

-- Every claim code entered; for a hardware xor the newest wins.
CREATE TABLE claim_codes (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  printer_id   INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
  hardware_xor INTEGER NOT NULL,
  secret       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX claim_codes_hardware_xor ON claim_codes(hardware_xor, id);

-- Counters that must never go back, such as the last command id handed out.
CREATE TABLE counters (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('command_id', 0);

-- Everything printed or to be printed.
CREATE TABLE deliveries (
  id          INTEGER PRIMARY KEY,
  printer_id  INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
  kind        TEXT    NOT NULL,
  command     INTEGER NOT NULL,
  payload     BLOB    NOT NULL,
  state       TEXT    NOT NULL,
  created_at  INTEGER NOT NULL,
  not_before  INTEGER NOT NULL,
  expires_at  INTEGER,
  sent_at     INTEGER,
  answered_at INTEGER,
  printed_at  INTEGER,
  attempts    INTEGER NOT NULL DEFAULT 0,
  command_id  INTEGER UNIQUE,
  return_code INTEGER,
  reason      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_queue ON deliveries(printer_id, state, id);
