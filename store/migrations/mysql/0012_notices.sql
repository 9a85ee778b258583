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
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT       NOT NULL,
  kind       VARCHAR(32)  NOT NULL,
  printer_id BIGINT,
  subject    VARCHAR(255) NOT NULL DEFAULT '',
  detail     TEXT         NOT NULL,
  dedupe     VARCHAR(128),
  created_at BIGINT       NOT NULL,
  read_at    BIGINT,
  fanned_at  BIGINT,
  KEY notices_user (user_id, id),
  UNIQUE KEY notices_dedupe (user_id, dedupe),
  KEY notices_fan (fanned_at),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Which channels an owner wants for a kind of notice: bits 1 the web
-- app's list, 2 Web Push, 4 the webhook. No row: all of them.
CREATE TABLE notice_prefs (
  user_id  BIGINT      NOT NULL,
  kind     VARCHAR(32) NOT NULL,
  channels INT         NOT NULL,
  PRIMARY KEY (user_id, kind),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Browsers and installed apps that take an owner's notices by Web Push:
-- the push service's endpoint (endpoint_hash is its SHA-256, to keep it
-- unique) and the keys the payload is encrypted to.
CREATE TABLE push_endpoints (
  id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT       NOT NULL,
  endpoint      TEXT         NOT NULL,
  endpoint_hash VARCHAR(64)  NOT NULL,
  p256dh        VARCHAR(128) NOT NULL,
  auth          VARCHAR(64)  NOT NULL,
  agent         VARCHAR(255) NOT NULL DEFAULT '',
  created_at    BIGINT       NOT NULL,
  UNIQUE KEY push_endpoints_hash (endpoint_hash),
  KEY push_endpoints_user (user_id),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- An owner's webhook: notices are POSTed to url as JSON, signed with
-- HMAC-SHA256 under secret.
CREATE TABLE webhooks (
  user_id    BIGINT      NOT NULL PRIMARY KEY,
  url        TEXT        NOT NULL,
  secret     VARCHAR(64) NOT NULL,
  created_at BIGINT      NOT NULL,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Each notice's sends to a push endpoint or the webhook (target_id: the
-- endpoint's id, or the user's for the webhook), sent at least once like
-- prints: pending until the far end answers 2xx, tried again with back-off
-- (next_at) until attempts run out. The webhook's are its delivery log.
CREATE TABLE notice_sends (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  notice_id   BIGINT       NOT NULL,
  user_id     BIGINT       NOT NULL,
  channel     VARCHAR(16)  NOT NULL,
  target_id   BIGINT       NOT NULL,
  target      VARCHAR(255) NOT NULL DEFAULT '',
  state       VARCHAR(16)  NOT NULL DEFAULT 'pending',
  attempts    INT          NOT NULL DEFAULT 0,
  next_at     BIGINT       NOT NULL,
  last_status INT          NOT NULL DEFAULT 0,
  last_error  TEXT         NOT NULL,
  created_at  BIGINT       NOT NULL,
  done_at     BIGINT,
  KEY notice_sends_due (state, next_at),
  KEY notice_sends_user (user_id, channel, id),
  FOREIGN KEY (notice_id) REFERENCES notices(id) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How long a printer may be unheard of before its owner is told, in
-- minutes (0: never).
ALTER TABLE printers ADD COLUMN offline_notice_minutes INT NOT NULL DEFAULT 1440;

-- Keys the server makes once and keeps, shared by its instances: the
-- VAPID key pair of Web Push.
CREATE TABLE server_keys (
  name       VARCHAR(64) NOT NULL PRIMARY KEY,
  value      TEXT        NOT NULL,
  created_at BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
