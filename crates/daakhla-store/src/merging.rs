//! Deleting and merging. A delete is a tombstone field that syncs. A merge marks one
//! household as merged into another and moves its children there; because two devices may
//! merge concurrently (even two households into each other), where each household and child
//! is shown is worked out from all the merges the store holds, the same way on every device.

use crate::follow_ups::write_follow_up;
use crate::surveys::write_survey;
use crate::{Store, StoreError, write_in_chunks};
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::{ChildId, FollowUpId, HouseholdId};
use daakhla_domain::validation::{FieldPath, Rule, Violation, Violations};
use rusqlite::OptionalExtension;

impl Store {
    /// Marks household `from` as the same as `into` and moves its children there. Both must
    /// be stored and shown (not deleted, not merged away). A child on both rosters (the same
    /// sex, age within a year, a name that sounds alike) is kept once: the other record is
    /// deleted, unless only it has follow-ups (then the first goes), or both have (then both
    /// stay). Of two records the one with the larger id goes, so two devices merging the same
    /// households either way round delete the same record. Returns each child kept once, as
    /// (the record deleted, the record kept), all in one transaction.
    pub fn merge_households(
        &mut self,
        from: HouseholdId,
        into: HouseholdId,
    ) -> Result<Vec<(ChildId, ChildId)>, StoreError> {
        self.check_two_shown([("id", from), ("merged_into", into)])?;
        let mut merged = self.survey(from)?;
        let mut kept = self.survey(into)?;
        let mut twice = Vec::new();
        for (a, b) in daakhla_domain::likeness::same_children(&merged, &kept) {
            let (small, large) = if a < b { (a, b) } else { (b, a) };
            let pair = match (self.has_follow_ups(small)?, self.has_follow_ups(large)?) {
                (_, false) => (large, small),
                (false, true) => (small, large),
                (true, true) => continue,
            };
            twice.push(pair);
        }
        merged.household.merged_into = Some(into);
        for child in merged.children.iter_mut().chain(kept.children.iter_mut()) {
            child.household_id = into;
            child.deleted |= twice.iter().any(|(gone, _)| *gone == child.id);
        }
        let mut changed = vec![merged];
        if kept.children.iter().any(|c| c.deleted) {
            changed.push(kept);
        }
        write_in_chunks(self, &changed, &mut |_| {}, write_survey)?;
        Ok(twice)
    }

    fn has_follow_ups(&self, child: ChildId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM follow_ups WHERE child_id = ?1 AND NOT deleted",
                [child.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Deletes a household and its children: tombstones that sync, so they cannot come back.
    pub fn delete_household(&mut self, id: HouseholdId) -> Result<(), StoreError> {
        let mut survey = self.survey(id)?;
        survey.household.deleted = true;
        for child in &mut survey.children {
            child.deleted = true;
        }
        self.write_survey_as_is(survey)
    }

    /// Deletes a follow-up recorded by mistake; the child's stage is worked out again.
    pub fn delete_follow_up(&mut self, id: FollowUpId) -> Result<(), StoreError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM follow_ups WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        let body = body.ok_or_else(|| StoreError::NotFound {
            kind: "follow-up",
            id: id.to_string(),
        })?;
        let mut follow_up: FollowUp = serde_json::from_str(&body)?;
        follow_up.deleted = true;
        write_in_chunks(self, &[follow_up], &mut |_| {}, write_follow_up)
    }

    /// Both households are stored and shown, and not one and the same; each problem named by
    /// the request's field for it.
    pub(crate) fn check_two_shown(
        &self,
        [(first_field, first), (second_field, second)]: [(&'static str, HouseholdId); 2],
    ) -> Result<(), StoreError> {
        let at = FieldPath::root();
        let mut problems = Vec::new();
        if first == second {
            problems.push(Violation::new(at.key(second_field), Rule::WrongHousehold));
        }
        for (field, id) in [(first_field, first), (second_field, second)] {
            if !self.is_shown(id)? {
                problems.push(Violation::new(
                    at.key(field),
                    Rule::UnknownRecord { id: id.to_string() },
                ));
            }
        }
        Violations(problems)
            .into_result()
            .map_err(StoreError::Invalid)
    }

    fn is_shown(&self, id: HouseholdId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM households WHERE id = ?1 AND NOT deleted AND merged_into IS NULL",
                [id.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Writes a stored survey changed by this module, without the entry rules (a merged or
    /// deleted household is not a new survey).
    fn write_survey_as_is(&mut self, survey: HouseholdSurvey) -> Result<(), StoreError> {
        write_in_chunks(self, &[survey], &mut |_| {}, write_survey)
    }
}
