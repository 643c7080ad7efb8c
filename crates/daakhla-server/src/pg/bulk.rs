//! Rows without documents in PostgreSQL, by COPY: the reference data set reports are checked
//! and timed against (1.8 million records). The columns and values are the row writers' own
//! (`daakhla_store::rows`); such records have no document and never sync.

use crate::ServerError;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_store::rows::{
    CHILDREN, FOLLOW_UPS, HOUSEHOLDS, LIFECYCLE, NEEDS, Param, SCHOOLS, Table, child_values,
    follow_up_values, household_values, lifecycle_values, need_values, school_values,
};
use postgres::Transaction;
use std::collections::HashMap;
use std::io::Write;

/// One COPY text-format field: `\N` for none, backslashes and control characters escaped.
fn field(out: &mut String, value: &Param) {
    let text = match value {
        Param::Text(None) | Param::Date(None) => return out.push_str("\\N"),
        Param::Text(Some(text)) => text.as_ref(),
        Param::Json(text) => text,
        Param::Int(n) => return out.push_str(&n.to_string()),
        Param::Bool(b) => return out.push(if *b { 't' } else { 'f' }),
        Param::Date(Some(date)) => return out.push_str(&date.to_string()),
    };
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

/// Rows for one COPY into a table's columns (and, for children, their lifecycle's).
struct Copy {
    columns: Vec<&'static str>,
    table: &'static str,
    text: String,
}

impl Copy {
    fn new(table: &'static Table, more: &[&'static str]) -> Copy {
        Copy {
            columns: table.columns.iter().chain(more).copied().collect(),
            table: table.name,
            text: String::new(),
        }
    }

    fn row(&mut self, fields: &[Param]) {
        debug_assert_eq!(fields.len(), self.columns.len());
        for (i, value) in fields.iter().enumerate() {
            if i > 0 {
                self.text.push('\t');
            }
            field(&mut self.text, value);
        }
        self.text.push('\n');
    }

    fn send(self, tx: &mut Transaction) -> Result<(), ServerError> {
        let copy = format!(
            "COPY {} ({}) FROM STDIN",
            self.table,
            self.columns.join(", ")
        );
        let mut writer = tx.copy_in(&copy)?;
        writer
            .write_all(self.text.as_bytes())
            .map_err(|source| ServerError::Io {
                what: copy.clone(),
                source,
            })?;
        writer.finish()?;
        Ok(())
    }
}

/// Writes records as rows only, in one transaction.
pub(super) fn load_rows_only(
    tx: &mut Transaction,
    surveys: &[HouseholdSurvey],
    follow_ups: &[FollowUp],
    schools: &[School],
    needs: &[InfrastructureNeed],
) -> Result<(), ServerError> {
    let mut visits: HashMap<_, Vec<FollowUp>> = HashMap::new();
    for f in follow_ups {
        visits.entry(f.child_id).or_default().push(f.clone());
    }
    let mut households = Copy::new(&HOUSEHOLDS, &[]);
    let mut children = Copy::new(&CHILDREN, LIFECYCLE);
    let mut follow_up_rows = Copy::new(&FOLLOW_UPS, &[]);
    for survey in surveys {
        let h = &survey.household;
        households.row(&household_values(h)?);
        for child in &survey.children {
            let theirs = visits.get(&child.id).map(Vec::as_slice).unwrap_or_default();
            let mut row = child_values(child, h.surveyed_on)?;
            row.extend(lifecycle_values(child, theirs));
            children.row(&row);
            for f in theirs {
                follow_up_rows.row(&follow_up_values(f)?);
            }
        }
    }
    households.send(tx)?;
    children.send(tx)?;
    follow_up_rows.send(tx)?;
    let mut school_rows = Copy::new(&SCHOOLS, &[]);
    for school in schools {
        school_rows.row(&school_values(school)?);
    }
    school_rows.send(tx)?;
    let mut need_rows = Copy::new(&NEEDS, &[]);
    for need in needs {
        need_rows.row(&need_values(need)?);
    }
    need_rows.send(tx)
}
