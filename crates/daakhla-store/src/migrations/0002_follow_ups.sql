-- Schema 2: enrolment follow-ups, and each child's lifecycle kept beside its row so that the
-- follow-up list and the reports need not replay every visit.

CREATE TABLE follow_ups (
    id         TEXT PRIMARY KEY,
    child_id   TEXT NOT NULL REFERENCES children(id),
    visited_on TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX follow_ups_by_child ON follow_ups(child_id, visited_on);

ALTER TABLE children ADD COLUMN stage TEXT NOT NULL DEFAULT 'out_of_school';
ALTER TABLE children ADD COLUMN enrolled_on TEXT;
ALTER TABLE children ADD COLUMN last_visit TEXT;
UPDATE children SET stage = CASE WHEN out_of_school THEN 'out_of_school' ELSE 'in_school' END;
CREATE INDEX children_by_stage ON children(stage);

-- Search by names and household number.
CREATE INDEX children_by_name ON children(name);
CREATE INDEX households_by_head ON households(head_name);
