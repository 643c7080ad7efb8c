-- Schema 0009: a received change Automerge could not apply without failing (one crafted to
-- point at operations its record lacks) is kept with the reason, and never tried again.
ALTER TABLE changes ADD COLUMN unappliable TEXT;
