-- Schema 7: what reports count, in narrow columns under covering indexes, so a district's
-- figures are read from indexes alone and never from a record's JSON body.
-- A child's reasons out of school, as their codes joined by commas, in the record's order.
ALTER TABLE children ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
UPDATE children SET reasons = coalesce(
    (SELECT group_concat(value, ',') FROM json_each(body, '$.reasons_out_of_school')), '');
-- A retention check's milestone, and whether it found the child out of school again.
ALTER TABLE follow_ups ADD COLUMN milestone TEXT;
ALTER TABLE follow_ups ADD COLUMN dropped_out INTEGER NOT NULL DEFAULT 0;
UPDATE follow_ups SET milestone = json_extract(body, '$.outcome.milestone'),
                      dropped_out = coalesce(json_extract(body, '$.outcome.dropped_out'), 0)
 WHERE outcome = 'retention_check';

CREATE INDEX households_for_reports
    ON households(uc_code, surveyed_on, deleted, merged_into, consent, village_code, id);
CREATE INDEX children_for_reports
    ON children(household_id, deleted, out_of_school, sex, age_years, stage, enrolled_on, reasons, id);
CREATE INDEX follow_ups_for_reports
    ON follow_ups(child_id, outcome, deleted, visited_on, milestone, dropped_out);
