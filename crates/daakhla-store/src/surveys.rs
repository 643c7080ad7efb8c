//! Household surveys: saving them whole, and the field's questions about households.

use crate::documents::{Editor, RecordKind};
use crate::follow_ups::write_child;
use crate::rows::{self, SqliteRows};
use crate::{Store, StoreError, id_column, write_in_chunks};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::{ChildId, HouseholdId};
use daakhla_domain::likeness::search_key;
use daakhla_domain::validation::{Checker, Context, FieldPath, Rule, Validate, Violations};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A household as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HouseholdSummary {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: HouseholdId,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    pub surveyed_on: String,
    pub children: u32,
    pub out_of_school: u32,
    pub to_follow_up: u32,
}

/// A household or child whose number or name matched a search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchHit {
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub household_id: HouseholdId,
    pub village_code: String,
    pub household_number: String,
    pub head_name: Option<String>,
    /// Set when the match was a child's name.
    pub child_id: Option<String>,
    pub child_name: Option<String>,
    /// How it matched: 0 the household number, 1 the whole name, 2 every word of the search
    /// a word of the name, 3 the start of one, 4 the text as typed.
    pub rank: u8,
}

/// A page of search hits, best first, and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    pub total: u32,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Saved {
    pub saved: usize,
    /// Surveys the store already held exactly as given, skipped.
    pub unchanged: usize,
}

/// Whether a batch brings new surveys or replaces stored ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Save {
    Add,
    Replace,
}

impl Store {
    /// Saves new surveys. Every survey is checked first; if any breaks a rule nothing is
    /// saved. Then each household and its roster is committed whole. Surveys already stored
    /// exactly as given are skipped, so an interrupted import can simply be run again.
    pub fn add_surveys(
        &mut self,
        surveys: &[HouseholdSurvey],
        ctx: &Context,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Saved, StoreError> {
        self.save_surveys(surveys, Save::Add, ctx, progress)
    }

    /// Checks new surveys by every rule `add_surveys` applies, the store's own included (a
    /// household number taken in the village, unknown places), and writes nothing: a form
    /// checked step by step says what saving would say.
    pub fn check_new_surveys(
        &self,
        surveys: &[HouseholdSurvey],
        ctx: &Context,
    ) -> Result<(), StoreError> {
        self.check_surveys(surveys, Save::Add, ctx).map(|_| ())
    }

    /// Checks edited surveys by every rule `replace_surveys` applies, and writes nothing.
    pub fn check_replaced_surveys(
        &self,
        surveys: &[HouseholdSurvey],
        ctx: &Context,
    ) -> Result<(), StoreError> {
        self.check_surveys(surveys, Save::Replace, ctx).map(|_| ())
    }

    /// Replaces stored surveys with edited versions of them (see
    /// `daakhla_domain::input::apply_survey_patch`), with the same checks as `add_surveys`.
    pub fn replace_surveys(
        &mut self,
        surveys: &[HouseholdSurvey],
        ctx: &Context,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Saved, StoreError> {
        self.save_surveys(surveys, Save::Replace, ctx, progress)
    }

    fn save_surveys(
        &mut self,
        surveys: &[HouseholdSurvey],
        save: Save,
        ctx: &Context,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Saved, StoreError> {
        let unchanged = self.check_surveys(surveys, save, ctx)?;
        let fresh: Vec<&HouseholdSurvey> = surveys
            .iter()
            .zip(&unchanged)
            .filter(|(_, same)| !**same)
            .map(|(s, _)| s)
            .collect();
        let skipped = surveys.len() - fresh.len();
        progress(skipped);
        write_in_chunks(
            self,
            &fresh,
            &mut |done| progress(skipped + done),
            |editor, s| write_survey(editor, s),
        )?;
        Ok(Saved {
            saved: fresh.len(),
            unchanged: skipped,
        })
    }

    /// Checks every survey; tells, for each, whether the store already holds it exactly.
    fn check_surveys(
        &self,
        surveys: &[HouseholdSurvey],
        save: Save,
        ctx: &Context,
    ) -> Result<Vec<bool>, StoreError> {
        let mut all = Vec::new();
        let mut unchanged = Vec::with_capacity(surveys.len());
        let mut numbers_in_batch: HashMap<(&str, &str), usize> = HashMap::new();
        let mut households_in_batch: HashSet<HouseholdId> = HashSet::new();
        // Each child id with the survey of the batch that lists it first.
        let mut children_in_batch: HashMap<ChildId, usize> = HashMap::new();
        for (index, survey) in surveys.iter().enumerate() {
            let mut c = Checker::new(*ctx);
            survey.check(&FieldPath::root(), &mut c);
            unchanged.push(self.check_survey_against_store(survey, save, &mut c)?);
            let household = &survey.household;
            // One record twice in a batch would be written twice, the second over the first.
            if !households_in_batch.insert(household.id) {
                c.push(
                    FieldPath::root().key("household").key("id"),
                    Rule::ListedTwice,
                );
            } else {
                let key = (
                    household.village_code.as_str(),
                    household.household_number.as_str(),
                );
                if numbers_in_batch.insert(key, index).is_some() {
                    c.push(
                        FieldPath::root().key("household").key("household_number"),
                        Rule::HouseholdNumberTaken {
                            village_code: household.village_code.clone(),
                        },
                    );
                }
                for (i, child) in survey.children.iter().enumerate() {
                    // Twice in one roster is the survey's own rule; here, across surveys.
                    if *children_in_batch.entry(child.id).or_insert(index) != index {
                        c.push(
                            FieldPath::root().key("children").index(i).key("id"),
                            Rule::ListedTwice,
                        );
                    }
                }
            }
            if let Err(mut found) = c.finish() {
                // A number taken in the store and earlier in the batch is one mistake.
                let mut seen = Vec::new();
                found.0.retain(|v| {
                    let first = !seen.contains(v);
                    seen.push(v.clone());
                    first
                });
                all.extend(found.in_batch(index, surveys.len()).0);
            }
        }
        Violations(all).into_result().map_err(StoreError::Invalid)?;
        Ok(unchanged)
    }

    /// Adds the rules that need the store. Returns true when adding a survey the store
    /// already holds exactly as given: re-running an interrupted import skips what it saved.
    fn check_survey_against_store(
        &self,
        survey: &HouseholdSurvey,
        save: Save,
        c: &mut Checker,
    ) -> Result<bool, StoreError> {
        let household = &survey.household;
        let at = FieldPath::root().key("household");
        let id = household.id.to_string();
        let stored: bool = self
            .conn
            .query_row("SELECT 1 FROM households WHERE id = ?1", [&id], |_| Ok(()))
            .optional()?
            .is_some();
        match (save, stored) {
            (Save::Add, true) if self.survey(household.id)? == *survey => return Ok(true),
            (Save::Add, true) => c.push(at.key("id"), Rule::AlreadyStored { id: id.clone() }),
            (Save::Replace, false) => c.push(at.key("id"), Rule::UnknownRecord { id: id.clone() }),
            _ => {}
        }

        self.check_place_codes(&at, &household.uc_code, Some(&household.village_code), c)?;

        let taken: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM households WHERE village_code = ?1 AND household_number = ?2 AND id != ?3
                   AND NOT deleted AND merged_into IS NULL",
                params![household.village_code, household.household_number, id],
                |row| row.get(0),
            )
            .optional()?;
        if taken.is_some() {
            c.push(
                at.key("household_number"),
                Rule::HouseholdNumberTaken {
                    village_code: household.village_code.clone(),
                },
            );
        }

        for (i, child) in survey.children.iter().enumerate() {
            let owner: Option<String> = self
                .conn
                .query_row(
                    "SELECT household_id FROM children WHERE id = ?1",
                    [child.id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            let child_at = FieldPath::root().key("children").index(i).key("id");
            match owner {
                Some(owner) if owner != id => c.push(child_at, Rule::WrongHousehold),
                Some(_) if save == Save::Add => c.push(
                    child_at,
                    Rule::AlreadyStored {
                        id: child.id.to_string(),
                    },
                ),
                _ => {}
            }
        }
        Ok(false)
    }

    /// A stored survey, whole.
    pub fn survey(&self, id: HouseholdId) -> Result<HouseholdSurvey, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM households WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        let body = body.ok_or_else(|| StoreError::NotFound {
            kind: "household",
            id: id.to_string(),
        })?;
        let household = serde_json::from_str(&body)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM children WHERE household_id = ?1 AND NOT deleted ORDER BY rowid",
        )?;
        // A child moved here by a merge is this household's child, whatever its record says.
        let children = stmt
            .query_map([id.to_string()], |row| row.get::<_, String>(0))?
            .map(|body| {
                let mut child: daakhla_domain::child::Child = serde_json::from_str(&body?)?;
                child.household_id = id;
                Ok(child)
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(HouseholdSurvey {
            household,
            children,
        })
    }

    /// Every stored survey, household by household, in survey order.
    pub fn for_each_survey(
        &self,
        mut each: impl FnMut(HouseholdSurvey) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM households WHERE NOT deleted AND merged_into IS NULL ORDER BY surveyed_on, id")?;
        let ids: Vec<String> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        for id in ids {
            let id = id.parse().map_err(|_| StoreError::NotFound {
                kind: "household",
                id,
            })?;
            each(self.survey(id)?)?;
        }
        Ok(())
    }

    /// The households surveyed in a village or, with `uc`, a whole union council, in order of
    /// household number.
    pub fn households(
        &self,
        village: Option<&str>,
        uc: Option<&str>,
    ) -> Result<Vec<HouseholdSummary>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT h.id, h.village_code, h.household_number, h.head_name, h.surveyed_on,
                    count(c.id), coalesce(sum(c.out_of_school), 0),
                    coalesce(sum(c.stage IN ('out_of_school', 'following_up', 'dropped_out_again')), 0)
             FROM households h LEFT JOIN children c ON c.household_id = h.id AND NOT c.deleted
             WHERE (?1 IS NULL OR h.village_code = ?1) AND (?2 IS NULL OR h.uc_code = ?2)
               AND NOT h.deleted AND h.merged_into IS NULL
             GROUP BY h.id
             ORDER BY h.village_code, length(h.household_number), h.household_number",
        )?;
        let rows = stmt.query_map(params![village, uc], |row| {
            Ok(HouseholdSummary {
                id: id_column(row, 0)?,
                village_code: row.get(1)?,
                household_number: row.get(2)?,
                head_name: row.get(3)?,
                surveyed_on: row.get(4)?,
                children: row.get(5)?,
                out_of_school: row.get(6)?,
                to_follow_up: row.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The households whose survey was written on `device` or by one of `people`: their
    /// document's first change says so (its stamp's device and author).
    pub fn households_surveyed_by(
        &self,
        device: &str,
        people: &[String],
    ) -> Result<HashSet<HouseholdId>, StoreError> {
        let people = serde_json::to_string(people)?;
        let mut stmt = self.conn.prepare(
            "SELECT d.id FROM documents d
               JOIN changes first ON first.seq = (SELECT min(seq) FROM changes WHERE doc_id = d.id)
              WHERE d.kind = 'household'
                AND (first.device = ?1 OR first.author IN (SELECT value FROM json_each(?2)))",
        )?;
        let ids = stmt.query_map(params![device, people], |row| id_column(row, 0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// The first `limit` hits of `search_page`.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        Ok(self.search_page(text, 0, limit)?.hits)
    }

    /// Households whose number is `text`, and households and children whose name sounds like
    /// it: compared as the duplicate check compares names (`likeness::search_key`: Urdu
    /// script and Roman Urdu, ي or ی, ك or ک alike), each word of `text` a whole word of the
    /// name or, when it has two consonants or more, the start of one; or whose name contains
    /// `text` as typed (ignoring case in Latin script). Ranked: the number, the whole name,
    /// every word whole, words begun, then text contained; `total` counts every hit, the page
    /// is `limit` of them from `offset`.
    pub fn search_page(
        &self,
        text: &str,
        offset: usize,
        limit: usize,
    ) -> Result<SearchPage, StoreError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(SearchPage::default());
        }
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let key = search_key(text);
        let words: Vec<&str> = key.split_whitespace().collect();
        // ?1 the text, ?2 the pattern, ?3 the whole key, then each word.
        let mut args: Vec<String> = vec![text.into(), pattern, key.clone()];
        let mut whole = Vec::new();
        let mut begun = Vec::new();
        for word in &words {
            args.push(word.to_string());
            let at = args.len();
            whole.push(format!("instr(k, ' ' || ?{at} || ' ') > 0"));
            begun.push(if word.chars().count() >= 2 {
                format!("instr(k, ' ' || ?{at}) > 0")
            } else {
                format!("instr(k, ' ' || ?{at} || ' ') > 0")
            });
        }
        let sounds = if words.is_empty() {
            // Nothing to sound out ("a", "%"): the text as typed only (?3 is empty).
            "WHEN ?3 != '' THEN NULL".to_string()
        } else {
            format!(
                "WHEN k = ?3 THEN 1 WHEN {} THEN 2 WHEN {} THEN 3",
                whole.join(" AND "),
                begun.join(" AND ")
            )
        };
        let sql = format!(
            "WITH named AS (
                 SELECT h.id AS household_id, h.village_code, h.household_number, h.head_name,
                        NULL AS child_id, NULL AS child_name, h.head_key AS k, h.head_name AS name,
                        h.household_number = ?1 AS by_number
                   FROM households h
                  WHERE NOT h.deleted AND h.merged_into IS NULL
                 UNION ALL
                 SELECT h.id, h.village_code, h.household_number, h.head_name, c.id, c.name,
                        c.name_key, c.name, 0
                   FROM children c JOIN households h ON h.id = c.household_id
                  WHERE NOT c.deleted AND NOT h.deleted AND h.merged_into IS NULL
             ),
             ranked AS (
                 SELECT *, CASE WHEN by_number THEN 0 {sounds}
                                WHEN name LIKE ?2 ESCAPE '\\' THEN 4 END AS rank
                   FROM named
             )
             SELECT household_id, village_code, household_number, head_name, child_id, child_name, rank,
                    count(*) OVER ()
               FROM ranked WHERE rank IS NOT NULL
              ORDER BY rank, name NOT LIKE ?2 ESCAPE '\\', name, length(household_number),
                       household_number, child_id
              LIMIT {limit} OFFSET {offset}"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut total = 0;
        let rows = stmt.query_map(rusqlite::params_from_iter(&args), |row| {
            Ok((
                SearchHit {
                    household_id: id_column(row, 0)?,
                    village_code: row.get(1)?,
                    household_number: row.get(2)?,
                    head_name: row.get(3)?,
                    child_id: row.get(4)?,
                    child_name: row.get(5)?,
                    rank: row.get(6)?,
                },
                row.get::<_, u32>(7)?,
            ))
        })?;
        let mut hits = Vec::new();
        for row in rows {
            let (hit, count) = row?;
            total = count;
            hits.push(hit);
        }
        if hits.is_empty() && offset > 0 {
            // Past the end: the total is still what it is.
            total = self.search_page(text, 0, 1)?.total;
        }
        Ok(SearchPage { hits, total })
    }
}

/// Writes a survey whole: the household and each child, documents and rows.
pub(crate) fn write_survey(editor: &Editor, survey: &HouseholdSurvey) -> Result<(), StoreError> {
    let h = &survey.household;
    editor.record(RecordKind::Household, &h.id.to_string(), h)?;
    rows::write_household(&mut SqliteRows(editor.tx), h)?;
    for child in &survey.children {
        editor.record(RecordKind::Child, &child.id.to_string(), child)?;
        write_child(editor.tx, child)?;
    }
    Ok(())
}

/// Schema 10's Rust step: the search keys of the names already stored.
pub(crate) fn backfill_search_keys(tx: &rusqlite::Transaction) -> Result<(), StoreError> {
    for table in ["households", "children"] {
        let (key, name) = match table {
            "households" => ("head_key", "head_name"),
            _ => ("name_key", "name"),
        };
        let rows: Vec<(String, Option<String>)> = tx
            .prepare(&format!("SELECT id, {name} FROM {table}"))?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut update = tx.prepare(&format!("UPDATE {table} SET {key} = ?2 WHERE id = ?1"))?;
        for (id, text) in rows {
            update.execute(params![id, search_key(text.as_deref().unwrap_or_default())])?;
        }
    }
    Ok(())
}
