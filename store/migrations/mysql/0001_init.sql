-- Users and their API tokens (only a hash of each token is kept).
CREATE TABLE users (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  email      VARCHAR(255) NOT NULL,
  created_at BIGINT       NOT NULL,
  UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE api_tokens (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT       NOT NULL,
  token_hash   VARCHAR(64)  NOT NULL,
  name         VARCHAR(255) NOT NULL DEFAULT '',
  created_at   BIGINT       NOT NULL,
  UNIQUE KEY api_tokens_hash (token_hash),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Bridges and devices as they report themselves; times are unix milliseconds.
CREATE TABLE bridges (
  address          VARCHAR(16)  NOT NULL PRIMARY KEY,
  model            VARCHAR(255) NOT NULL DEFAULT '',
  firmware_version VARCHAR(255) NOT NULL DEFAULT '',
  ncp_version      VARCHAR(255) NOT NULL DEFAULT '',
  local_ip_address VARCHAR(255) NOT NULL DEFAULT '',
  mac_address      VARCHAR(255) NOT NULL DEFAULT '',
  first_seen_at    BIGINT       NOT NULL,
  last_seen_at     BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE devices (
  address           VARCHAR(16)  NOT NULL PRIMARY KEY,
  hardware_xor      BIGINT       NOT NULL,
  bridge_address    VARCHAR(16)  NOT NULL,
  device_type       BIGINT,
  firmware_build    VARCHAR(255) NOT NULL DEFAULT '',
  loader_build      VARCHAR(255) NOT NULL DEFAULT '',
  protocol_version  BIGINT,
  reset_description BIGINT,
  last_uptime       BIGINT,
  first_seen_at     BIGINT       NOT NULL,
  last_seen_at      BIGINT       NOT NULL,
  key_requested_at  BIGINT,
  KEY devices_hardware_xor (hardware_xor)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A printer is a user's: it follows its device through resets (a new
-- address, the same hardware xor) and has none until it first calls home.
CREATE TABLE printers (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  owner_id       BIGINT       NOT NULL,
  name           VARCHAR(255) NOT NULL,
  hardware_xor   BIGINT       NOT NULL,
  device_address VARCHAR(16),
  created_at     BIGINT       NOT NULL,
  UNIQUE KEY printers_device (device_address),
  KEY printers_owner (owner_id),
  KEY printers_hardware_xor (hardware_xor),
  FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every claim code entered; for a hardware xor the newest wins.
CREATE TABLE claim_codes (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT NOT NULL,
  printer_id   BIGINT NOT NULL,
  hardware_xor BIGINT NOT NULL,
  secret       BIGINT NOT NULL,
  created_at   BIGINT NOT NULL,
  KEY claim_codes_hardware_xor (hardware_xor, id),
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Counters that must never go back, such as the last command id handed out.
CREATE TABLE counters (
  name  VARCHAR(64) NOT NULL PRIMARY KEY,
  value BIGINT      NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO counters (name, value) VALUES ('command_id', 0);

-- Everything printed or to be printed.
CREATE TABLE deliveries (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  printer_id  BIGINT       NOT NULL,
  kind        VARCHAR(32)  NOT NULL,
  command     INT          NOT NULL,
  payload     MEDIUMBLOB   NOT NULL,
  state       VARCHAR(16)  NOT NULL,
  created_at  BIGINT       NOT NULL,
  not_before  BIGINT       NOT NULL,
  expires_at  BIGINT,
  sent_at     BIGINT,
  answered_at BIGINT,
  printed_at  BIGINT,
  attempts    INT          NOT NULL DEFAULT 0,
  command_id  BIGINT,
  return_code INT,
  reason      VARCHAR(1024) NOT NULL DEFAULT '',
  UNIQUE KEY deliveries_command (command_id),
  KEY deliveries_queue (printer_id, state, id),
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
