//! Rows without documents in PostgreSQL, by COPY: the reference data set reports are checked
//! and timed against (1.8 million records). The same rows `records.rs` writes from
//! documents; such records have no document and never sync.

use crate::ServerError;
use daakhla_domain::codes::Coded;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::lifecycle::{lifecycle, retention_code};
use daakhla_domain::school::{InfrastructureNeed, School};
use postgres::Transaction;
use std::collections::HashMap;
use std::io::Write;

/// One COPY text-format field: `\N` for none, backslashes and control characters escaped.
fn field(out: &mut String, value: Option<&str>) {
    match value {
        None => out.push_str("\\N"),
        Some(text) => {
            for ch in text.chars() {
                match ch {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    _ => out.push(ch),
                }
            }
        }
    }
}

/// Rows for one COPY, each a list of fields.
struct Copy {
    text: String,
}

impl Copy {
    fn new() -> Copy {
        Copy {
            text: String::new(),
        }
    }

    fn row(&mut self, fields: &[Option<&str>]) {
        for (i, value) in fields.iter().enumerate() {
            if i > 0 {
                self.text.push('\t');
            }
            field(&mut self.text, *value);
        }
        self.text.push('\n');
    }

    fn send(self, tx: &mut Transaction, table: &str) -> Result<(), ServerError> {
        let mut writer = tx.copy_in(&format!("COPY {table} FROM STDIN"))?;
        writer
            .write_all(self.text.as_bytes())
            .map_err(|e| ServerError::Internal(format!("COPY {table}: {e}")))?;
        writer.finish()?;
        Ok(())
    }
}

fn json(record: &impl serde::Serialize) -> Result<String, ServerError> {
    serde_json::to_string(record).map_err(|e| ServerError::Internal(e.to_string()))
}

fn flag(value: bool) -> Option<&'static str> {
    Some(if value { "t" } else { "f" })
}

/// Writes records as rows only, in one transaction.
pub(super) fn load_rows_only(
    tx: &mut Transaction,
    surveys: &[HouseholdSurvey],
    follow_ups: &[FollowUp],
    schools: &[School],
    needs: &[InfrastructureNeed],
) -> Result<(), ServerError> {
    let mut visits: HashMap<_, Vec<&FollowUp>> = HashMap::new();
    for f in follow_ups {
        visits.entry(f.child_id).or_default().push(f);
    }
    let (mut households, mut children, mut follow_up_rows) =
        (Copy::new(), Copy::new(), Copy::new());
    for survey in surveys {
        let h = &survey.household;
        let surveyed_on = h.surveyed_on.to_string();
        households.row(&[
            Some(&h.id.to_string()),
            Some(&h.uc_code),
            Some(&h.village_code),
            Some(&h.household_number),
            h.head_name.as_deref(),
            flag(h.consent),
            Some(&surveyed_on),
            Some(&h.surveyed_by),
            flag(h.deleted),
            h.merged_into.map(|id| id.to_string()).as_deref(),
            Some(&json(h)?),
        ]);
        for child in &survey.children {
            let theirs: Vec<FollowUp> = visits
                .get(&child.id)
                .map(|v| v.iter().map(|f| (*f).clone()).collect())
                .unwrap_or_default();
            let life = lifecycle(child, &theirs);
            let id = child.id.to_string();
            let household = child.household_id.to_string();
            children.row(&[
                Some(&id),
                Some(&household),
                Some(&household),
                Some(child.sex.code()),
                Some(&child.age_on(h.surveyed_on).unwrap_or_default().to_string()),
                Some(child.schooling.status().code()),
                flag(child.is_out_of_school()),
                Some(life.stage.code()),
                life.enrolled_on.map(|d| d.to_string()).as_deref(),
                life.last_visit.map(|d| d.to_string()).as_deref(),
                flag(child.deleted),
                Some(&json(child)?),
                Some(&child.reason_codes()),
                Some(&retention_code(child, &theirs)),
            ]);
            for f in theirs {
                follow_up_rows.row(&[
                    Some(&f.id.to_string()),
                    Some(&id),
                    Some(&f.visited_on.to_string()),
                    Some(f.outcome.kind().code()),
                    flag(f.deleted),
                    Some(&json(&f)?),
                    f.outcome.milestone().map(|m| m.code()),
                    flag(f.outcome.dropped_out()),
                ]);
            }
        }
    }
    households.send(
        tx,
        "households (id, uc_code, village_code, household_number, head_name, consent, surveyed_on, surveyed_by, deleted, merge_target, body)",
    )?;
    children.send(
        tx,
        "children (id, household_id, origin_household_id, sex, age_years, schooling, out_of_school, stage, enrolled_on, last_visit, deleted, body, reasons, retention)",
    )?;
    follow_up_rows.send(
        tx,
        "follow_ups (id, child_id, visited_on, outcome, deleted, body, milestone, dropped_out)",
    )?;
    let mut school_rows = Copy::new();
    for school in schools {
        school_rows.row(&[
            Some(&school.id.to_string()),
            Some(&school.uc_code),
            school.village_code.as_deref(),
            school.emis_code.as_deref(),
            Some(&school.name),
            flag(school.functional),
            Some(&json(school)?),
        ]);
    }
    school_rows.send(
        tx,
        "schools (id, uc_code, village_code, emis_code, name, functional, body)",
    )?;
    let mut need_rows = Copy::new();
    for need in needs {
        need_rows.row(&[
            Some(&need.id.to_string()),
            Some(&need.school_id.to_string()),
            Some(need.category.code()),
            Some(need.status().code()),
            Some(&need.identified_on.to_string()),
            need.resolved_on.map(|d| d.to_string()).as_deref(),
            Some(&json(need)?),
        ]);
    }
    need_rows.send(
        tx,
        "needs (id, school_id, category, status, identified_on, resolved_on, body)",
    )?;
    Ok(())
}
