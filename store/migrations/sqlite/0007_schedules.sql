-- A subscription's schedule is a cron spec (scheduler.Spec: one or more
-- 5-field specs joined by "; ") in its printer's zone. The old time of day
-- and weekday mask become the spec that says the same: minute hour * * days
-- (a mask of 0 or all seven days is *, as before: every day the publication
-- publishes).
ALTER TABLE subscriptions ADD COLUMN schedule TEXT NOT NULL DEFAULT '';
UPDATE subscriptions SET schedule = minute || ' ' || hour || ' * * ' || CASE
    WHEN days = 0 OR days = 127 THEN '*'
    WHEN days = 62 THEN '1-5'
    WHEN days = 65 THEN '0,6'
    ELSE substr((CASE WHEN days & 1 THEN ',0' ELSE '' END) || (CASE WHEN days & 2 THEN ',1' ELSE '' END) ||
      (CASE WHEN days & 4 THEN ',2' ELSE '' END) || (CASE WHEN days & 8 THEN ',3' ELSE '' END) ||
      (CASE WHEN days & 16 THEN ',4' ELSE '' END) || (CASE WHEN days & 32 THEN ',5' ELSE '' END) ||
      (CASE WHEN days & 64 THEN ',6' ELSE '' END), 2)
  END;

-- The claims of editions are per scheduled moment now, not per date: the
-- local wall-clock moment YYYY-MM-DDTHH:MM. An old claim was for its date
-- at the subscription's time of day.
ALTER TABLE edition_claims RENAME COLUMN local_date TO local_moment;
UPDATE edition_claims SET local_moment = local_moment || 'T' ||
  (SELECT printf('%02d:%02d', hour, minute) FROM subscriptions WHERE subscriptions.id = edition_claims.subscription_id);

ALTER TABLE subscriptions DROP COLUMN hour;
ALTER TABLE subscriptions DROP COLUMN minute;
ALTER TABLE subscriptions DROP COLUMN days;

-- next_at is the due index: the subscription's next moment to make (unix
-- ms), 0 while it is to be worked out (new, changed, resumed, its printer
-- moved zone), NULL while it makes nothing (paused or ended). A tick asks
-- only for the rows due within its lead.
ALTER TABLE subscriptions ADD COLUMN next_at INTEGER;
UPDATE subscriptions SET next_at = CASE WHEN ended_at IS NULL AND paused = 0 THEN 0 END;
CREATE INDEX subscriptions_due ON subscriptions(next_at);
DROP INDEX subscriptions_active;

-- The time zone rules next_at was worked out with: a fingerprint of each
-- zone's changes in the two years from year (scheduler.CheckZones). When
-- the zone database says otherwise, the zone's subscriptions are worked
-- out again.
CREATE TABLE zone_rules (
  zone        TEXT    NOT NULL PRIMARY KEY,
  year        INTEGER NOT NULL,
  fingerprint TEXT    NOT NULL
);
