-- The server's tables in PostgreSQL: the change log (the truth) and the records materialised
-- from it, with the same rows a device store holds so reports read them the same way.
CREATE TABLE IF NOT EXISTS server_schema (
    version integer NOT NULL
);

CREATE TABLE IF NOT EXISTS log (
    seq         bigint PRIMARY KEY,
    doc_id      text NOT NULL,
    kind        smallint NOT NULL,
    scope       text NOT NULL,
    hash        bytea NOT NULL UNIQUE,
    bytes       bytea NOT NULL,
    device      text NOT NULL,
    received_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS log_by_scope ON log (scope, seq);
CREATE INDEX IF NOT EXISTS log_by_doc ON log (doc_id, seq);
-- Pushed changes Automerge could not apply: kept apart, never handed out.
CREATE TABLE IF NOT EXISTS quarantine (
    hash        bytea PRIMARY KEY,
    doc_id      text NOT NULL,
    kind        smallint NOT NULL,
    scope       text NOT NULL,
    bytes       bytea NOT NULL,
    device      text NOT NULL,
    received_at bigint NOT NULL,
    why         text NOT NULL
);
-- Schema 6: the position up to which the materialiser has tried every logged change and
-- quarantined those Automerge cannot apply; pulls hand out no further. (One row, made by
-- `create_schema`.)
CREATE TABLE IF NOT EXISTS log_checked (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    through bigint NOT NULL
);
-- A document's kind and union council, fixed by its first change.
CREATE TABLE IF NOT EXISTS log_documents (
    doc_id text PRIMARY KEY,
    kind   smallint NOT NULL,
    scope  text NOT NULL
);
-- Codes a phone exchanges for its token (kept as their SHA-256), each valid once.
CREATE TABLE IF NOT EXISTS enrolments (
    code_hash  text PRIMARY KEY,
    user_name  text NOT NULL,
    role       text NOT NULL,
    scopes     text NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint
);
-- Values the server keeps for itself, such as a hub's relay positions.
CREATE TABLE IF NOT EXISTS server_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    id         text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_name  text NOT NULL,
    role       text NOT NULL,
    scopes     text NOT NULL,
    created_at bigint NOT NULL
);
ALTER TABLE devices ADD COLUMN IF NOT EXISTS last_seen bigint;
-- Schema 4: revoked devices are kept, marked with when.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS revoked_at bigint;
-- Tokens a `rotate` replaced, so that a device hears it was revoked, not that its token is
-- unknown.
CREATE TABLE IF NOT EXISTS revoked_tokens (
    token_hash text PRIMARY KEY,
    device     text NOT NULL,
    revoked_at bigint NOT NULL
);
-- Phones enrolled at a hub (a device here) that the hub revoked and reported upstream.
CREATE TABLE IF NOT EXISTS hub_revoked (
    hub         text NOT NULL,
    id          text NOT NULL,
    user_name   text NOT NULL,
    role        text NOT NULL,
    scopes      text NOT NULL,
    created_at  bigint NOT NULL,
    last_seen   bigint,
    revoked_at  bigint NOT NULL,
    reported_at bigint NOT NULL,
    PRIMARY KEY (hub, id)
);

-- How far into the log the records are materialised; one row.
CREATE TABLE IF NOT EXISTS materialised (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    upto bigint NOT NULL
);
INSERT INTO materialised (upto) VALUES (0) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS places (
    code    text PRIMARY KEY,
    level   text NOT NULL,
    parent  text,
    name_en text NOT NULL,
    name_ur text NOT NULL,
    demo    boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS places_by_parent ON places (level, parent);

-- Each record's Automerge document; `unreadable` says why its row cannot be written yet.
CREATE TABLE IF NOT EXISTS record_documents (
    doc_id     text PRIMARY KEY,
    kind       text NOT NULL,
    bytes      bytea NOT NULL,
    unreadable text
);
CREATE INDEX IF NOT EXISTS record_documents_unreadable ON record_documents (doc_id)
    WHERE unreadable IS NOT NULL;
-- Schema 6: changes the materialiser found Automerge cannot apply, and why, for the log's
-- quarantine.
CREATE TABLE IF NOT EXISTS refused_changes (
    hash bytea PRIMARY KEY,
    why  text NOT NULL
);
-- Changes whose dependencies have not arrived yet, applied when they do.
CREATE TABLE IF NOT EXISTS waiting_changes (
    hash   bytea PRIMARY KEY,
    doc_id text NOT NULL,
    bytes  bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS waiting_changes_by_doc ON waiting_changes (doc_id);
CREATE TABLE IF NOT EXISTS record_conflicts (
    doc_id text NOT NULL,
    field  text NOT NULL,
    winner jsonb NOT NULL,
    losers jsonb NOT NULL,
    PRIMARY KEY (doc_id, field)
);

CREATE TABLE IF NOT EXISTS households (
    id               text PRIMARY KEY,
    uc_code          text NOT NULL,
    village_code     text NOT NULL,
    household_number text NOT NULL,
    head_name        text,
    surveyed_on      date NOT NULL,
    surveyed_by      text NOT NULL,
    deleted          boolean NOT NULL,
    -- The household this one was merged into, as written; `merged_into` is where it is shown.
    merge_target     text,
    merged_into      text,
    body             jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS households_by_uc ON households (uc_code, village_code);
-- Schema 2: whether the household consented, as reports count households without consent.
ALTER TABLE households ADD COLUMN IF NOT EXISTS consent boolean;
UPDATE households SET consent = (body->>'consent')::boolean WHERE consent IS NULL;
CREATE INDEX IF NOT EXISTS households_merging ON households (merge_target) WHERE merge_target IS NOT NULL;
CREATE INDEX IF NOT EXISTS households_merged ON households (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE IF NOT EXISTS children (
    id                  text PRIMARY KEY,
    -- Where the child is shown (after merges), and the household its record names.
    household_id        text NOT NULL,
    origin_household_id text NOT NULL,
    sex                 text NOT NULL,
    age_years           integer NOT NULL,
    schooling           text NOT NULL,
    out_of_school       boolean NOT NULL,
    stage               text NOT NULL,
    enrolled_on         date,
    last_visit          date,
    deleted             boolean NOT NULL,
    body                jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS children_by_household ON children (household_id);
CREATE INDEX IF NOT EXISTS children_by_origin ON children (origin_household_id);

CREATE TABLE IF NOT EXISTS follow_ups (
    id         text PRIMARY KEY,
    child_id   text NOT NULL,
    visited_on date NOT NULL,
    outcome    text NOT NULL,
    deleted    boolean NOT NULL,
    body       jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS follow_ups_by_child ON follow_ups (child_id);

CREATE TABLE IF NOT EXISTS schools (
    id           text PRIMARY KEY,
    uc_code      text NOT NULL,
    village_code text,
    emis_code    text,
    name         text NOT NULL,
    functional   boolean NOT NULL,
    body         jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS schools_by_uc ON schools (uc_code);

CREATE TABLE IF NOT EXISTS needs (
    id            text PRIMARY KEY,
    school_id     text NOT NULL,
    category      text NOT NULL,
    status        text NOT NULL,
    identified_on date NOT NULL,
    resolved_on   date,
    body          jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS needs_by_school ON needs (school_id);

-- Schema 3: what reports count, copied onto each child's row under one covering index, so a
-- district's figures are one range of one index: no join, and never a record's JSON body.
ALTER TABLE children ADD COLUMN IF NOT EXISTS reasons text;
UPDATE children SET reasons = coalesce(
    (SELECT string_agg(r, ',') FROM jsonb_array_elements_text(body->'reasons_out_of_school') r), '')
 WHERE reasons IS NULL;
-- What the retention checks found (`daakhla_domain::lifecycle::retention_code`), written with
-- the stage.
ALTER TABLE children ADD COLUMN IF NOT EXISTS retention text NOT NULL DEFAULT '';
-- Where the child is shown, copied from its household by the triggers below.
ALTER TABLE children ADD COLUMN IF NOT EXISTS uc_code text;
ALTER TABLE children ADD COLUMN IF NOT EXISTS village_code text;
ALTER TABLE children ADD COLUMN IF NOT EXISTS surveyed_on date;
ALTER TABLE children ADD COLUMN IF NOT EXISTS shown boolean;
UPDATE children c SET uc_code = h.uc_code, village_code = h.village_code, surveyed_on = h.surveyed_on,
       shown = NOT h.deleted AND h.merged_into IS NULL AND NOT c.deleted
  FROM households h WHERE h.id = c.household_id AND c.shown IS NULL;

CREATE OR REPLACE FUNCTION children_area() RETURNS trigger AS $$
BEGIN
    SELECT h.uc_code, h.village_code, h.surveyed_on,
           NOT h.deleted AND h.merged_into IS NULL AND NOT NEW.deleted
      INTO NEW.uc_code, NEW.village_code, NEW.surveyed_on, NEW.shown
      FROM households h WHERE h.id = NEW.household_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER children_area BEFORE INSERT OR UPDATE OF household_id, deleted
    ON children FOR EACH ROW EXECUTE FUNCTION children_area();
CREATE OR REPLACE FUNCTION households_area() RETURNS trigger AS $$
BEGIN
    UPDATE children SET uc_code = NEW.uc_code, village_code = NEW.village_code,
           surveyed_on = NEW.surveyed_on,
           shown = NOT NEW.deleted AND NEW.merged_into IS NULL AND NOT deleted
     WHERE household_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE TRIGGER households_area
    AFTER INSERT OR UPDATE OF uc_code, village_code, surveyed_on, deleted, merged_into
    ON households FOR EACH ROW EXECUTE FUNCTION households_area();

ALTER TABLE follow_ups ADD COLUMN IF NOT EXISTS milestone text;
ALTER TABLE follow_ups ADD COLUMN IF NOT EXISTS dropped_out boolean;
UPDATE follow_ups SET milestone = body->'outcome'->>'milestone',
                      dropped_out = coalesce((body->'outcome'->>'dropped_out')::boolean, false)
 WHERE dropped_out IS NULL;
CREATE INDEX IF NOT EXISTS households_for_reports ON households (uc_code, surveyed_on)
    INCLUDE (deleted, merged_into, consent, village_code, id);
CREATE INDEX IF NOT EXISTS children_for_reports ON children (uc_code)
    INCLUDE (shown, village_code, sex, age_years, out_of_school, stage, enrolled_on, surveyed_on,
             reasons, retention);

-- Schema 5: the rows are written by the same writers as a device store's
-- (`daakhla_store::rows`), so the tables hold the same columns: a child's name, and the
-- names' search keys (filled for older rows by `pg::backfill_search_keys`).
ALTER TABLE households ADD COLUMN IF NOT EXISTS head_key text NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN IF NOT EXISTS name text;
UPDATE children SET name = coalesce(body->>'name', '') WHERE name IS NULL;
ALTER TABLE children ADD COLUMN IF NOT EXISTS name_key text NOT NULL DEFAULT '';
-- A child's lifecycle is written right after its row.
ALTER TABLE children ALTER COLUMN stage SET DEFAULT '';
