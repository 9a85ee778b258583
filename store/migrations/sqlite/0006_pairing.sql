-- Who a device belongs to, and through which bridge (core/doc.go, "What
-- a bridge can and cannot prove"). A device attached to a printer is
-- paired once it is heard with its key: paired_bridge is the bridge it was
-- heard through then, and only that bridge's socket may speak for it
-- until its owner confirms a move to another (moved_bridge, where it has
-- shown up since). claim_id is the claim code whose key it was sent.
ALTER TABLE devices ADD COLUMN claim_id INTEGER;
ALTER TABLE devices ADD COLUMN paired_bridge TEXT;
ALTER TABLE devices ADD COLUMN paired_at INTEGER;
ALTER TABLE devices ADD COLUMN moved_bridge TEXT;
ALTER TABLE devices ADD COLUMN moved_at INTEGER;
-- The server instance that last heard the device (its sockets speak for
-- it there): another instance leaves it alone while it is heard.
ALTER TABLE devices ADD COLUMN seen_by TEXT;

-- Devices already attached to a printer were paired through the bridge
-- they were last seen behind.
UPDATE devices SET paired_bridge = bridge_address, paired_at = last_seen_at
  WHERE address IN (SELECT device_address FROM printers WHERE device_address IS NOT NULL);

-- A claim code pairs one device: once a device is paired with it, it is
-- spent, and only its own printer may enter it again.
ALTER TABLE claim_codes ADD COLUMN paired_at INTEGER;
CREATE INDEX claim_codes_secret ON claim_codes(hardware_xor, secret);
UPDATE claim_codes SET paired_at = created_at
  WHERE id IN (SELECT MAX(c.id) FROM claim_codes c JOIN printers p ON p.id = c.printer_id
               WHERE p.device_address IS NOT NULL GROUP BY c.printer_id);

-- When a reset printer of this hardware was claimed by another account:
-- the old owner is told.
ALTER TABLE printers ADD COLUMN handed_on_at INTEGER;

-- What happened to a printer that its owner should know of: paired, moved
-- behind another bridge, handed on. Times are unix milliseconds.
CREATE TABLE printer_events (
  id         INTEGER PRIMARY KEY,
  printer_id INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  kind       TEXT    NOT NULL,
  message    TEXT    NOT NULL
);
CREATE INDEX printer_events_printer ON printer_events(printer_id, id);
