-- Devices are kept in the order of their addresses (WITHOUT ROWID: the
-- primary key is the table's own order, not an index beside it). The
-- heartbeats of a flush are written in address order, so one batch of
-- them changes a few neighbouring pages rather than a page a device,
-- however the devices first called home. A rebuild: no table refers to
-- devices.
CREATE TABLE devices_by_address (
  address           TEXT    PRIMARY KEY,
  hardware_xor      INTEGER NOT NULL,
  bridge_address    TEXT    NOT NULL,
  device_type       INTEGER,
  firmware_build    TEXT    NOT NULL DEFAULT '',
  loader_build      TEXT    NOT NULL DEFAULT '',
  protocol_version  INTEGER,
  reset_description INTEGER,
  last_uptime       INTEGER,
  first_seen_at     INTEGER NOT NULL,
  last_seen_at      INTEGER NOT NULL,
  key_requested_at  INTEGER,
  claim_id          INTEGER,
  paired_bridge     TEXT,
  paired_at         INTEGER,
  moved_bridge      TEXT,
  moved_at          INTEGER,
  seen_by           TEXT
) WITHOUT ROWID;

INSERT INTO devices_by_address (address, hardware_xor, bridge_address, device_type, firmware_build, loader_build,
  protocol_version, reset_description, last_uptime, first_seen_at, last_seen_at, key_requested_at,
  claim_id, paired_bridge, paired_at, moved_bridge, moved_at, seen_by)
SELECT address, hardware_xor, bridge_address, device_type, firmware_build, loader_build,
  protocol_version, reset_description, last_uptime, first_seen_at, last_seen_at, key_requested_at,
  claim_id, paired_bridge, paired_at, moved_bridge, moved_at, seen_by FROM devices;

DROP TABLE devices;
ALTER TABLE devices_by_address RENAME TO devices;
CREATE INDEX devices_hardware_xor ON devices(hardware_xor);
