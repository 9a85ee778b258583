-- Publications that are URLs: web servers speaking BERG Cloud's contract
-- (meta.json, /edition/, …). An operator's are for everyone (owner_id
-- NULL); a user's are for their own printers only. meta is the raw
-- meta.json last read, meta_etag its ETag; failing_since and last_error
-- say that it stopped answering (it is marked so in the catalogue, not
-- dropped). Names share one namespace with the plugins'. Times are unix
-- milliseconds.
CREATE TABLE url_publications (
  name          VARCHAR(64)   NOT NULL PRIMARY KEY,
  url           VARCHAR(2048) NOT NULL,
  owner_id      BIGINT,
  meta          MEDIUMBLOB    NOT NULL,
  meta_etag     VARCHAR(255)  NOT NULL DEFAULT '',
  icon          BLOB,
  created_at    BIGINT        NOT NULL,
  checked_at    BIGINT        NOT NULL,
  failing_since BIGINT,
  last_error    VARCHAR(1024) NOT NULL DEFAULT '',
  KEY url_publications_owner (owner_id),
  FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The ETag of a subscription's last printed edition: an edition with the
-- same ETag is nothing new (BERG's rule), compared without quotes and W/.
ALTER TABLE subscriptions ADD COLUMN last_etag VARCHAR(255) NOT NULL DEFAULT '';
