-- A printer's IANA time zone: its subscriptions' hours are in it.
ALTER TABLE printers ADD COLUMN time_zone VARCHAR(64) NOT NULL DEFAULT 'UTC';

-- A printer's subscription to a publication: its config (a JSON object),
-- when its editions are due (hour and minute in the printer's zone, on the
-- weekdays of days: bit d for time.Weekday d, 0 for every day the
-- publication publishes), and how they print (mode 'button' or 'now').
-- A finished subscription keeps its row with ended_at and end_reason.
CREATE TABLE subscriptions (
  id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  printer_id     BIGINT       NOT NULL,
  publication    VARCHAR(64)  NOT NULL,
  config         MEDIUMTEXT   NOT NULL,
  hour           TINYINT      NOT NULL,
  minute         TINYINT      NOT NULL,
  days           TINYINT      NOT NULL DEFAULT 0,
  mode           VARCHAR(16)  NOT NULL DEFAULT 'button',
  paused         TINYINT      NOT NULL DEFAULT 0,
  delivery_count BIGINT       NOT NULL DEFAULT 0,
  created_at     BIGINT       NOT NULL,
  ended_at       BIGINT,
  end_reason     VARCHAR(1024) NOT NULL DEFAULT '',
  KEY subscriptions_printer (printer_id, id),
  -- The scheduler lists the active ones on every tick.
  KEY subscriptions_active (ended_at, paused),
  CONSTRAINT subscriptions_hour CHECK (hour BETWEEN 0 AND 23),
  CONSTRAINT subscriptions_minute CHECK (minute BETWEEN 0 AND 59),
  CONSTRAINT subscriptions_days CHECK (days BETWEEN 0 AND 127),
  CONSTRAINT subscriptions_mode CHECK (mode IN ('button', 'now')),
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per edition of a subscription per local date (in the printer's
-- zone when it was claimed): the unique key makes each edition once across
-- restarts and instances. The row is written before the edition is
-- rendered; outcome is '' while it is being made, then delivered,
-- nothing_today, finished or failed. token says which run holds it.
-- delivery_id is not a foreign key: old deliveries are pruned.
CREATE TABLE edition_claims (
  id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subscription_id BIGINT       NOT NULL,
  local_date      CHAR(10)     NOT NULL,
  due_at          BIGINT       NOT NULL,
  claimed_at      BIGINT       NOT NULL,
  token           BIGINT       NOT NULL,
  outcome         VARCHAR(16)  NOT NULL DEFAULT '',
  delivery_id     BIGINT,
  reason          VARCHAR(1024) NOT NULL DEFAULT '',
  done_at         BIGINT,
  UNIQUE KEY edition_claims_day (subscription_id, local_date),
  FOREIGN KEY (subscription_id) REFERENCES subscriptions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
