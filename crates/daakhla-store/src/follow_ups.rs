//! Children and their follow-ups: each child's lifecycle is recomputed from its visits
//! whenever one is added, in the same transaction, so lists and reports read it directly.

use crate::documents::RecordKind;
use crate::rows::{self, SqliteRows};
use crate::{Store, StoreError, coded_column, id_column, write_in_chunks};
use chrono::NaiveDate;
use daakhla_domain::child::Child;
use daakhla_domain::codes::{ChildSex, Coded, ReasonOutOfSchool};
use daakhla_domain::followup::FollowUp;
use daakhla_domain::ids::{ChildId, HouseholdId};
use daakhla_domain::lifecycle::{Lifecycle, Stage, child_facts, lifecycle};
use daakhla_domain::validation::{Checker, Context, FieldPath, Rule, Violations};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

/// A child's story: the survey row, every follow-up in order, and where it all stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChildStory {
    pub child: Child,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    pub surveyed_on: NaiveDate,
    pub follow_ups: Vec<FollowUp>,
    pub lifecycle: Lifecycle,
}

/// An out-of-school child the resource person still has to visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpDue {
    pub child_id: ChildId,
    pub name: String,
    pub sex: ChildSex,
    pub age_years: u8,
    pub household_id: HouseholdId,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    pub stage: Stage,
    pub last_visit: Option<String>,
    pub reasons: Vec<ReasonOutOfSchool>,
    /// The household's survey date, as stored (`YYYY-MM-DD`).
    pub surveyed_on: String,
}

/// Writes a child's row and its lifecycle (read from the follow-ups stored); its household
/// is stored.
pub(crate) fn write_child(tx: &Transaction, child: &Child) -> Result<(), StoreError> {
    rows::write_child(&mut SqliteRows(tx), child)?.map_err(|_| StoreError::NotFound {
        kind: "household",
        id: child.household_id.to_string(),
    })
}

/// Writes a follow-up: its document and change, its row, and its child's lifecycle.
pub(crate) fn write_follow_up(
    editor: &crate::documents::Editor,
    follow_up: &FollowUp,
) -> Result<(), StoreError> {
    editor.record(RecordKind::FollowUp, &follow_up.id.to_string(), follow_up)?;
    rows::write_follow_up(&mut SqliteRows(editor.tx), follow_up)?.map_err(|_| {
        StoreError::NotFound {
            kind: "child",
            id: follow_up.child_id.to_string(),
        }
    })
}

/// Schema 7's Rust step: the retention column of every enrolled child already stored.
pub(crate) fn backfill_retention(tx: &Transaction) -> Result<(), StoreError> {
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM children WHERE enrolled_on IS NOT NULL")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let id: ChildId = id.parse().map_err(|_| StoreError::NotFound {
            kind: "child",
            id: id.clone(),
        })?;
        if let Some((child, _)) = stored_child(tx, id)? {
            rows::set_lifecycle(&mut SqliteRows(tx), &child, &stored_follow_ups(tx, id)?)?;
        }
    }
    Ok(())
}

fn stored_follow_ups(
    conn: &rusqlite::Connection,
    child: ChildId,
) -> Result<Vec<FollowUp>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM follow_ups WHERE child_id = ?1 ORDER BY visited_on, id",
    )?;
    let bodies = stmt.query_map([child.to_string()], |row| row.get::<_, String>(0))?;
    bodies
        .map(|body| Ok(serde_json::from_str(&body?)?))
        .collect()
}

fn stored_child(
    conn: &rusqlite::Connection,
    id: ChildId,
) -> Result<Option<(Child, NaiveDate)>, StoreError> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT c.body, h.surveyed_on FROM children c JOIN households h ON h.id = c.household_id WHERE c.id = ?1",
            [id.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((body, surveyed_on)) = row else {
        return Ok(None);
    };
    let surveyed_on = surveyed_on.parse().map_err(|_| StoreError::NotFound {
        kind: "survey date",
        id: id.to_string(),
    })?;
    Ok(Some((serde_json::from_str(&body)?, surveyed_on)))
}

impl Store {
    /// Saves follow-ups. Each is checked against its child's survey and earlier visits (those
    /// stored and those earlier in the batch); if any breaks a rule nothing is saved.
    pub fn add_follow_ups(
        &mut self,
        follow_ups: &[FollowUp],
        ctx: &Context,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(), StoreError> {
        let mut all = Vec::new();
        for (index, follow_up) in follow_ups.iter().enumerate() {
            let mut c = Checker::new(*ctx);
            let at = FieldPath::root();
            let already: bool = self
                .conn
                .query_row(
                    "SELECT 1 FROM follow_ups WHERE id = ?1",
                    [follow_up.id.to_string()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if already || follow_ups[..index].iter().any(|f| f.id == follow_up.id) {
                c.push(
                    at.key("id"),
                    Rule::AlreadyStored {
                        id: follow_up.id.to_string(),
                    },
                );
            }
            match stored_child(&self.conn, follow_up.child_id)? {
                None => c.push(
                    at.key("child_id"),
                    Rule::UnknownRecord {
                        id: follow_up.child_id.to_string(),
                    },
                ),
                Some((_, surveyed_on)) => {
                    let mut earlier = stored_follow_ups(&self.conn, follow_up.child_id)?;
                    earlier.extend(
                        follow_ups[..index]
                            .iter()
                            .filter(|f| f.child_id == follow_up.child_id)
                            .cloned(),
                    );
                    follow_up.check_against(&child_facts(surveyed_on, &earlier), &at, &mut c);
                }
            }
            if let Err(found) = c.finish() {
                all.extend(found.in_batch(index, follow_ups.len()).0);
            }
        }
        Violations(all).into_result().map_err(StoreError::Invalid)?;

        write_in_chunks(self, follow_ups, progress, write_follow_up)
    }

    /// A child's survey row and follow-ups, in order, with the stage they add up to.
    pub fn child_story(&self, id: ChildId) -> Result<ChildStory, StoreError> {
        let (child, surveyed_on) =
            stored_child(&self.conn, id)?.ok_or_else(|| StoreError::NotFound {
                kind: "child",
                id: id.to_string(),
            })?;
        let (village_code, household_number, head_name) = self.conn.query_row(
            "SELECT village_code, household_number, head_name FROM households WHERE id = ?1",
            [child.household_id.to_string()],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let follow_ups = stored_follow_ups(&self.conn, id)?;
        let lifecycle = lifecycle(&child, &follow_ups);
        Ok(ChildStory {
            child,
            village_code,
            household_number,
            head_name,
            surveyed_on,
            follow_ups,
            lifecycle,
        })
    }

    /// The children enrolled through a follow-up and not dropped out again, whose retention
    /// checks fall due: by village and household number.
    pub fn enrolled_children(&self) -> Result<Vec<ChildId>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.id FROM children c JOIN households h ON h.id = c.household_id
              WHERE c.stage IN ('enrolled', 'retained')
                AND NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
              ORDER BY h.village_code, length(h.household_number), h.household_number, c.rowid",
        )?;
        let ids = stmt.query_map([], |row| id_column(row, 0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Every follow-up of every child, in visit order: for exports.
    pub fn all_follow_ups(&self) -> Result<Vec<FollowUp>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM follow_ups WHERE NOT deleted ORDER BY visited_on, id")?;
        let bodies = stmt.query_map([], |row| row.get::<_, String>(0))?;
        bodies
            .map(|body| Ok(serde_json::from_str(&body?)?))
            .collect()
    }

    /// The out-of-school children still to be visited in a union council or village, by
    /// village and household number: the resource person's to-do list. Read from the
    /// children's own columns (their place and survey date are copies of the household's),
    /// never from a record's body.
    pub fn follow_ups_due(
        &self,
        uc: Option<&str>,
        village: Option<&str>,
    ) -> Result<Vec<FollowUpDue>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.name, c.sex, c.age_years, h.id, c.village_code, h.household_number, h.head_name,
                    c.stage, c.last_visit, c.reasons, c.surveyed_on
               FROM children c JOIN households h ON h.id = c.household_id
              WHERE c.stage IN ('out_of_school', 'following_up', 'dropped_out_again') AND c.shown
                AND (?1 IS NULL OR c.uc_code = ?1) AND (?2 IS NULL OR c.village_code = ?2)
              ORDER BY c.village_code, length(h.household_number), h.household_number, c.rowid",
        )?;
        let rows = stmt.query_map(params![uc, village], |row| {
            let reasons: String = row.get(10)?;
            Ok(FollowUpDue {
                child_id: id_column(row, 0)?,
                name: row.get(1)?,
                sex: coded_column(row, 2)?,
                age_years: row.get(3)?,
                household_id: id_column(row, 4)?,
                village_code: row.get(5)?,
                household_number: row.get(6)?,
                head_name: row.get(7)?,
                stage: coded_column(row, 8)?,
                last_visit: row.get(9)?,
                reasons: reasons
                    .split(',')
                    .filter_map(ReasonOutOfSchool::from_code)
                    .collect(),
                surveyed_on: row.get(11)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
