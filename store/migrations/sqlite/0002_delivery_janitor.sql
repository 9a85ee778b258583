-- The janitor expires stale pending deliveries and prunes old history.
CREATE INDEX deliveries_expiry ON deliveries(state, expires_at);
CREATE INDEX deliveries_created ON deliveries(created_at);
