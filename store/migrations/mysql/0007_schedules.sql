-- A subscription's schedule is a cron spec (scheduler.Spec: one or more
-- 5-field specs joined by "; ") in its printer's zone. The old time of day
-- and weekday mask become the spec that says the same: minute hour * * days
-- (a mask of 0 or all seven days is *, as before: every day the publication
-- publishes).
ALTER TABLE subscriptions ADD COLUMN schedule VARCHAR(255) NOT NULL DEFAULT '';
UPDATE subscriptions SET schedule = CONCAT(minute, ' ', hour, ' * * ', CASE
    WHEN days = 0 OR days = 127 THEN '*'
    WHEN days = 62 THEN '1-5'
    WHEN days = 65 THEN '0,6'
    ELSE SUBSTRING(CONCAT(IF(days & 1, ',0', ''), IF(days & 2, ',1', ''), IF(days & 4, ',2', ''), IF(days & 8, ',3', ''),
      IF(days & 16, ',4', ''), IF(days & 32, ',5', ''), IF(days & 64, ',6', '')), 2)
  END);

-- The claims of editions are per scheduled moment now, not per date: the
-- local wall-clock moment YYYY-MM-DDTHH:MM. An old claim was for its date
-- at the subscription's time of day.
ALTER TABLE edition_claims CHANGE local_date local_moment CHAR(16) NOT NULL;
UPDATE edition_claims c JOIN subscriptions s ON s.id = c.subscription_id
  SET c.local_moment = CONCAT(c.local_moment, 'T', LPAD(s.hour, 2, '0'), ':', LPAD(s.minute, 2, '0'));

ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_hour;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_minute;
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_days;
ALTER TABLE subscriptions DROP COLUMN hour, DROP COLUMN minute, DROP COLUMN days;

-- next_at is the due index: the subscription's next moment to make (unix
-- ms), 0 while it is to be worked out (new, changed, resumed, its printer
-- moved zone), NULL while it makes nothing (paused or ended). A tick asks
-- only for the rows due within its lead.
ALTER TABLE subscriptions ADD COLUMN next_at BIGINT;
UPDATE subscriptions SET next_at = CASE WHEN ended_at IS NULL AND paused = 0 THEN 0 END;
CREATE INDEX subscriptions_due ON subscriptions(next_at);
DROP INDEX subscriptions_active ON subscriptions;

-- The time zone rules next_at was worked out with: a fingerprint of each
-- zone's changes in the two years from year (scheduler.CheckZones). When
-- the zone database says otherwise, the zone's subscriptions are worked
-- out again.
CREATE TABLE zone_rules (
  zone        VARCHAR(64)  NOT NULL PRIMARY KEY,
  year        INT          NOT NULL,
  fingerprint VARCHAR(64)  NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
