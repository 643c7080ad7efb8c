-- Schema 3: every record is also an Automerge document, and every edit a change that syncs.
-- The materialised tables above stay what queries read; they are rewritten from the
-- documents in the same transaction as each change.

-- This device's identity: its id and the Automerge actor its changes are written as.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    -- Why the document's record cannot be shown (e.g. written by a newer Daakhla); the
    -- document is kept and synced all the same.
    unreadable TEXT
);

-- Every change of every document, local or received, in the order this device got them.
-- A received change waiting for a change it depends on is kept with applied = 0.
CREATE TABLE changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id  TEXT NOT NULL,
    hash    BLOB NOT NULL UNIQUE,
    bytes   BLOB NOT NULL,
    local   INTEGER NOT NULL,
    pushed  INTEGER NOT NULL DEFAULT 0,
    applied INTEGER NOT NULL DEFAULT 1,
    -- Why the server refused this local change; it is kept, and not sent again.
    held_back TEXT,
    actor   TEXT NOT NULL,
    at      INTEGER NOT NULL,
    author  TEXT NOT NULL,
    device  TEXT NOT NULL,
    fields  TEXT NOT NULL
);
CREATE INDEX changes_by_doc ON changes(doc_id, seq);
CREATE INDEX changes_to_push ON changes(seq) WHERE local AND NOT pushed;
CREATE INDEX changes_waiting ON changes(doc_id) WHERE NOT applied;

-- Fields two devices wrote concurrently, until someone writes them again.
CREATE TABLE conflicts (
    doc_id TEXT NOT NULL REFERENCES documents(id),
    field  TEXT NOT NULL,
    winner TEXT NOT NULL,
    losers TEXT NOT NULL,
    PRIMARY KEY (doc_id, field)
);

-- Deletes are tombstones, and a household found to be another is merged into it. The rows
-- stay; queries show only what is neither deleted nor merged away.
ALTER TABLE households ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
-- The household this one was merged into, as its document says...
ALTER TABLE households ADD COLUMN merge_target TEXT;
-- ...and where it ends up once chains are followed and concurrent merges into each other are
-- settled (the smallest id stays). NULL: shown as itself.
ALTER TABLE households ADD COLUMN merged_into TEXT;
CREATE INDEX households_merging ON households(merge_target) WHERE merge_target IS NOT NULL;
ALTER TABLE children ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
-- The household the child's document names; `household_id` is where it is shown.
ALTER TABLE children ADD COLUMN origin_household_id TEXT;
UPDATE children SET origin_household_id = household_id;
CREATE INDEX children_by_origin ON children(origin_household_id);
ALTER TABLE follow_ups ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
-- What sync revisits after every batch must cost nothing when there is nothing to revisit.
CREATE INDEX documents_unreadable ON documents(id) WHERE unreadable IS NOT NULL;
CREATE INDEX households_merged ON households(id) WHERE merged_into IS NOT NULL;
CREATE INDEX children_moved ON children(id) WHERE household_id != origin_household_id;
CREATE INDEX changes_held_back ON changes(doc_id) WHERE held_back IS NOT NULL;
