-- A name each account chooses, shown on the notes it sends, in its
-- friends' lists and in printers' histories, so that no one's email is
-- printed or shown to their friends. '' for accounts made before it: they
-- are shown as "a friend" until they choose one.
ALTER TABLE users ADD COLUMN name VARCHAR(64) NOT NULL DEFAULT '';
