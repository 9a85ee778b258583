-- Publications that are URLs: web servers speaking BERG Cloud's contract
-- (meta.json, /edition/, …). An operator's are for everyone (owner_id
-- NULL); a user's are for their own printers only. meta is the raw
-- meta.json last read, meta_etag its ETag; failing_since and last_error
-- say that it stopped answering (it is marked so in the catalogue, not
-- dropped). Names share one namespace with the plugins'. Times are unix
-- milliseconds.
CREATE TABLE url_publications (
  name          TEXT    NOT NULL PRIMARY KEY,
  url           TEXT    NOT NULL,
  owner_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,
  meta          BLOB    NOT NULL,
  meta_etag     TEXT    NOT NULL DEFAULT '',
  icon          BLOB,
  created_at    INTEGER NOT NULL,
  checked_at    INTEGER NOT NULL,
  failing_since INTEGER,
  last_error    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX url_publications_owner ON url_publications(owner_id);

-- The ETag of a subscription's last printed edition: an edition with the
-- same ETag is nothing new (BERG's rule), compared without quotes and W/.
ALTER TABLE subscriptions ADD COLUMN last_etag TEXT NOT NULL DEFAULT '';
