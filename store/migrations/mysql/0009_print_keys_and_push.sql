-- Print keys: a secret address per key through which anyone who holds it
-- prints on one printer (and BERG's direct print, the key's code). Only
-- the SHA-256 of the code is kept; hint is its first characters, to tell
-- keys apart. per_hour and max_bytes are the key's own limits (0: the
-- server's), formats the kinds of content it takes ('' for all).
-- recent_senders is a JSON list of the last names it printed for. Times are
-- unix milliseconds.
CREATE TABLE print_keys (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  printer_id     BIGINT       NOT NULL,
  name           VARCHAR(255) NOT NULL,
  code_hash      VARCHAR(64)  NOT NULL,
  hint           VARCHAR(16)  NOT NULL,
  per_hour       INT          NOT NULL DEFAULT 0,
  max_bytes      BIGINT       NOT NULL DEFAULT 0,
  formats        VARCHAR(255) NOT NULL DEFAULT '',
  created_at     BIGINT       NOT NULL,
  uses           BIGINT       NOT NULL DEFAULT 0,
  last_used_at   BIGINT,
  recent_senders TEXT         NOT NULL,
  UNIQUE KEY print_keys_code (code_hash),
  KEY print_keys_printer (printer_id),
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- BERG's Push API: a subscription to a push publication has an endpoint of
-- its own, named by push_id (40 hex characters, as BERG's subscription ids
-- were). A publication that pushes signs with its credentials: OAuth 1.0
-- (consumer key and secret, token and secret: the secrets are kept, as
-- HMAC needs them) or a bearer token (only its SHA-256 kept).
ALTER TABLE subscriptions ADD COLUMN push_id VARCHAR(64);
CREATE UNIQUE INDEX subscriptions_push ON subscriptions(push_id);

CREATE TABLE publication_credentials (
  publication     VARCHAR(64)  NOT NULL PRIMARY KEY,
  consumer_key    VARCHAR(64)  NOT NULL,
  consumer_secret VARCHAR(128) NOT NULL,
  token           VARCHAR(64)  NOT NULL,
  token_secret    VARCHAR(128) NOT NULL,
  bearer_hash     VARCHAR(64)  NOT NULL,
  created_at      BIGINT       NOT NULL,
  UNIQUE KEY publication_credentials_consumer (consumer_key),
  UNIQUE KEY publication_credentials_bearer (bearer_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What was pushed, for its status URL: the delivery and the subscription
-- it came through.
CREATE TABLE push_deliveries (
  delivery_id     BIGINT NOT NULL PRIMARY KEY,
  subscription_id BIGINT NOT NULL,
  KEY push_deliveries_subscription (subscription_id),
  FOREIGN KEY (delivery_id) REFERENCES deliveries(id) ON DELETE CASCADE,
  FOREIGN KEY (subscription_id) REFERENCES subscriptions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
