-- Schema 7: what reports count, copied onto each child's row under one covering index, so a
-- district's figures are one range of one index: no join, and never a record's JSON body.
-- A child's reasons out of school, as their codes joined by commas, in the record's order.
ALTER TABLE children ADD COLUMN reasons TEXT NOT NULL DEFAULT '';
UPDATE children SET reasons = coalesce(
    (SELECT group_concat(value, ',') FROM json_each(body, '$.reasons_out_of_school')), '');
-- What the retention checks found, a letter a milestone (`daakhla_domain::lifecycle::
-- retention_code`); written with the stage, and for rows already here by this migration's
-- Rust step.
ALTER TABLE children ADD COLUMN retention TEXT NOT NULL DEFAULT '';
-- Where the child is shown, copied from its household by the triggers below: its union
-- council, village, survey date, and whether it is shown at all (neither it nor its household
-- deleted, the household not merged away).
ALTER TABLE children ADD COLUMN uc_code TEXT;
ALTER TABLE children ADD COLUMN village_code TEXT;
ALTER TABLE children ADD COLUMN surveyed_on TEXT;
ALTER TABLE children ADD COLUMN shown INTEGER NOT NULL DEFAULT 0;
UPDATE children SET (uc_code, village_code, surveyed_on, shown) = (
    SELECT h.uc_code, h.village_code, h.surveyed_on,
           NOT h.deleted AND h.merged_into IS NULL AND NOT children.deleted
      FROM households h WHERE h.id = children.household_id);

CREATE TRIGGER children_area_on_insert AFTER INSERT ON children BEGIN
    UPDATE children SET (uc_code, village_code, surveyed_on, shown) = (
        SELECT h.uc_code, h.village_code, h.surveyed_on,
               NOT h.deleted AND h.merged_into IS NULL AND NOT NEW.deleted
          FROM households h WHERE h.id = NEW.household_id)
     WHERE id = NEW.id;
END;
CREATE TRIGGER children_area_on_move AFTER UPDATE OF household_id, deleted ON children BEGIN
    UPDATE children SET (uc_code, village_code, surveyed_on, shown) = (
        SELECT h.uc_code, h.village_code, h.surveyed_on,
               NOT h.deleted AND h.merged_into IS NULL AND NOT NEW.deleted
          FROM households h WHERE h.id = NEW.household_id)
     WHERE id = NEW.id;
END;
CREATE TRIGGER households_area_on_insert AFTER INSERT ON households BEGIN
    UPDATE children SET uc_code = NEW.uc_code, village_code = NEW.village_code,
           surveyed_on = NEW.surveyed_on,
           shown = NOT NEW.deleted AND NEW.merged_into IS NULL AND NOT deleted
     WHERE household_id = NEW.id;
END;
CREATE TRIGGER households_area_on_change
    AFTER UPDATE OF uc_code, village_code, surveyed_on, deleted, merged_into ON households BEGIN
    UPDATE children SET uc_code = NEW.uc_code, village_code = NEW.village_code,
           surveyed_on = NEW.surveyed_on,
           shown = NOT NEW.deleted AND NEW.merged_into IS NULL AND NOT deleted
     WHERE household_id = NEW.id;
END;

-- A retention check's milestone, and whether it found the child out of school again.
ALTER TABLE follow_ups ADD COLUMN milestone TEXT;
ALTER TABLE follow_ups ADD COLUMN dropped_out INTEGER NOT NULL DEFAULT 0;
UPDATE follow_ups SET milestone = json_extract(body, '$.outcome.milestone'),
                      dropped_out = coalesce(json_extract(body, '$.outcome.dropped_out'), 0)
 WHERE outcome = 'retention_check';

CREATE INDEX households_for_reports
    ON households(uc_code, surveyed_on, deleted, merged_into, consent, village_code, id);
CREATE INDEX children_for_reports
    ON children(uc_code, shown, village_code, sex, age_years, out_of_school, stage, enrolled_on,
                surveyed_on, reasons, retention);
