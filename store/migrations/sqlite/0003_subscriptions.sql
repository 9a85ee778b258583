-- A printer's IANA time zone: its subscriptions' hours are in it.
ALTER TABLE printers ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- A printer's subscription to a publication: its config (a JSON object),
-- when its editions are due (hour and minute in the printer's zone, on the
-- weekdays of days: bit d for time.Weekday d, 0 for every day the
-- publication publishes), and how they print (mode 'button' or 'now').
-- A finished subscription keeps its row with ended_at and end_reason.
CREATE TABLE subscriptions (
  id             INTEGER PRIMARY KEY,
  printer_id     INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
  publication    TEXT    NOT NULL,
  config         TEXT    NOT NULL DEFAULT '{}',
  hour           INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
  minute         INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 59),
  days           INTEGER NOT NULL DEFAULT 0 CHECK (days BETWEEN 0 AND 127),
  mode           TEXT    NOT NULL DEFAULT 'button' CHECK (mode IN ('button', 'now')),
  paused         INTEGER NOT NULL DEFAULT 0,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL,
  ended_at       INTEGER,
  end_reason     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX subscriptions_printer ON subscriptions(printer_id, id);
-- The scheduler lists the active ones on every tick.
CREATE INDEX subscriptions_active ON subscriptions(ended_at, paused);

-- One row per edition of a subscription per local date (in the printer's
-- zone when it was claimed): the unique key makes each edition once across
-- restarts and instances. The row is written before the edition is
-- rendered; outcome is '' while it is being made, then delivered,
-- nothing_today, finished or failed. token says which run holds it.
-- delivery_id is not a foreign key: old deliveries are pruned.
CREATE TABLE edition_claims (
  id              INTEGER PRIMARY KEY,
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  local_date      TEXT    NOT NULL,
  due_at          INTEGER NOT NULL,
  claimed_at      INTEGER NOT NULL,
  token           INTEGER NOT NULL,
  outcome         TEXT    NOT NULL DEFAULT '',
  delivery_id     INTEGER,
  reason          TEXT    NOT NULL DEFAULT '',
  done_at         INTEGER,
  UNIQUE (subscription_id, local_date)
);
