-- Schema 10: names as search compares them (`daakhla_domain::likeness::search_key`: each
-- word's consonant skeleton between spaces), so "Sana", "Sanaa" and "ثنا" find each other.
-- Written with every row; for rows already here by this migration's Rust step.
ALTER TABLE households ADD COLUMN head_key TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
