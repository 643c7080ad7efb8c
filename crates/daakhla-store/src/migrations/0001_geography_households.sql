-- Schema 1: geography, household surveys and their rosters.
-- Never edit a migration that has shipped: add a new one.

CREATE TABLE places (
    code    TEXT PRIMARY KEY,
    level   TEXT NOT NULL,
    parent  TEXT REFERENCES places(code),
    name_en TEXT NOT NULL,
    name_ur TEXT NOT NULL,
    demo    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX places_by_parent ON places(parent);

-- One row a household survey. `body` is the whole record as JSON; the other columns are
-- copies of its fields that queries filter and sort on.
CREATE TABLE households (
    id               TEXT PRIMARY KEY,
    -- Codes, not references: a record received from another device may name a place this
    -- store's geography does not list yet. Places are checked when a household is entered.
    uc_code          TEXT NOT NULL,
    village_code     TEXT NOT NULL,
    household_number TEXT NOT NULL,
    head_name        TEXT,
    consent          INTEGER NOT NULL,
    surveyed_on      TEXT NOT NULL,
    surveyed_by      TEXT NOT NULL,
    body             TEXT NOT NULL
);
CREATE INDEX households_by_uc ON households(uc_code);
-- Not UNIQUE: a number is checked when a household is entered, but two devices offline can
-- still survey one household twice; both records must arrive, to be found and merged.
CREATE INDEX households_by_number ON households(village_code, household_number);

CREATE TABLE children (
    id            TEXT PRIMARY KEY,
    household_id  TEXT NOT NULL REFERENCES households(id),
    name          TEXT NOT NULL,
    sex           TEXT NOT NULL,
    age_years     INTEGER NOT NULL,
    schooling     TEXT NOT NULL,
    out_of_school INTEGER NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX children_by_household ON children(household_id);
