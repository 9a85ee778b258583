-- Who a device belongs to, and through which bridge (core/doc.go, "What
-- a bridge can and cannot prove"). A device attached to a printer is
-- paired once it is heard with its key: paired_bridge is the bridge it was
-- heard through then, and only that bridge's socket may speak for it
-- until its owner confirms a move to another (moved_bridge, where it has
-- shown up since). claim_id is the claim code whose key it was sent.
ALTER TABLE devices
  ADD COLUMN claim_id      BIGINT,
  ADD COLUMN paired_bridge VARCHAR(16),
  ADD COLUMN paired_at     BIGINT,
  ADD COLUMN moved_bridge  VARCHAR(16),
  ADD COLUMN moved_at      BIGINT,
  -- The server instance that last heard the device (its sockets speak for
  -- it there): another instance leaves it alone while it is heard.
  ADD COLUMN seen_by       VARCHAR(255);

-- Devices already attached to a printer were paired through the bridge
-- they were last seen behind.
UPDATE devices d JOIN printers p ON p.device_address = d.address
  SET d.paired_bridge = d.bridge_address, d.paired_at = d.last_seen_at;

-- A claim code pairs one device: once a device is paired with it, it is
-- spent, and only its own printer may enter it again.
ALTER TABLE claim_codes
  ADD COLUMN paired_at BIGINT,
  ADD KEY claim_codes_secret (hardware_xor, secret);
UPDATE claim_codes c JOIN (SELECT MAX(c2.id) AS id FROM claim_codes c2 JOIN printers p ON p.id = c2.printer_id
                           WHERE p.device_address IS NOT NULL GROUP BY c2.printer_id) newest ON newest.id = c.id
  SET c.paired_at = c.created_at;

-- When a reset printer of this hardware was claimed by another account:
-- the old owner is told.
ALTER TABLE printers ADD COLUMN handed_on_at BIGINT;

-- What happened to a printer that its owner should know of: paired, moved
-- behind another bridge, handed on. Times are unix milliseconds.
CREATE TABLE printer_events (
  id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  printer_id BIGINT       NOT NULL,
  created_at BIGINT       NOT NULL,
  kind       VARCHAR(32)  NOT NULL,
  message    TEXT         NOT NULL,
  KEY printer_events_printer (printer_id, id),
  FOREIGN KEY (printer_id) REFERENCES printers(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
