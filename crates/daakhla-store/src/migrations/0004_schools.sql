-- Schema 4: schools and their infrastructure needs, synced like every other record.
CREATE TABLE schools (
    id           TEXT PRIMARY KEY,
    uc_code      TEXT NOT NULL,
    village_code TEXT,
    emis_code    TEXT,
    name         TEXT NOT NULL,
    functional   INTEGER NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX schools_by_uc ON schools(uc_code);

CREATE TABLE needs (
    id            TEXT PRIMARY KEY,
    school_id     TEXT NOT NULL REFERENCES schools(id),
    category      TEXT NOT NULL,
    status        TEXT NOT NULL,
    identified_on TEXT NOT NULL,
    resolved_on   TEXT,
    body          TEXT NOT NULL
);
CREATE INDEX needs_by_school ON needs(school_id);
