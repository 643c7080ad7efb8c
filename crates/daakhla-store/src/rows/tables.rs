//! What each record kind's row holds: its table's columns and, in the same order, the values
//! a record gives them. Row writers (`materialise`) and bulk loaders (SQLite inserts,
//! PostgreSQL's COPY) take both from here.

use super::{Param, RowError};
use daakhla_domain::child::Child;
use daakhla_domain::codes::Coded;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::Household;
use daakhla_domain::lifecycle::{lifecycle, retention_code};
use daakhla_domain::likeness::search_key;
use daakhla_domain::school::{InfrastructureNeed, School};
use std::sync::OnceLock;

/// A table's name and the columns a record writes, the first being its id.
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// Columns written after `columns` (a child's lifecycle, for its whole row).
    pub more: &'static [&'static str],
    upsert: OnceLock<String>,
}

impl Table {
    const fn new(name: &'static str, columns: &'static [&'static str]) -> Table {
        Table::with_more(name, columns, &[])
    }

    const fn with_more(
        name: &'static str,
        columns: &'static [&'static str],
        more: &'static [&'static str],
    ) -> Table {
        Table {
            name,
            columns,
            more,
            upsert: OnceLock::new(),
        }
    }

    /// Every column a row of this table gives, in order.
    pub fn all_columns(&self) -> Vec<&'static str> {
        self.columns.iter().chain(self.more).copied().collect()
    }

    /// Inserts a row, or rewrites every column of the one with its id.
    pub fn upsert(&'static self) -> &'static str {
        self.upsert.get_or_init(|| {
            let placeholders = vec!["?"; self.all_columns().len()].join(", ");
            self.upsert_from(&format!("VALUES ({placeholders})"))
        })
    }

    /// Inserts the rows `rows` gives (a `VALUES` list, or a `SELECT` of every column in
    /// order), rewriting every column but the id of those already there.
    pub fn upsert_from(&self, rows: &str) -> String {
        let columns = self.all_columns();
        let updates: Vec<String> = columns[1..]
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        format!(
            "INSERT INTO {} ({}) {rows} ON CONFLICT (id) DO UPDATE SET {}",
            self.name,
            columns.join(", "),
            updates.join(", ")
        )
    }
}

pub static HOUSEHOLDS: Table = Table::new(
    "households",
    &[
        "id",
        "uc_code",
        "village_code",
        "household_number",
        "head_name",
        "consent",
        "surveyed_on",
        "surveyed_by",
        "deleted",
        "merge_target",
        "head_key",
        "body",
    ],
);

pub fn household_values(h: &Household) -> Result<Vec<Param<'_>>, RowError> {
    Ok(vec![
        Param::string(h.id.to_string()),
        Param::str(&h.uc_code),
        Param::str(&h.village_code),
        Param::str(&h.household_number),
        Param::opt_str(h.head_name.as_deref()),
        Param::Bool(h.consent),
        Param::Date(Some(h.surveyed_on)),
        Param::str(&h.surveyed_by),
        Param::Bool(h.deleted),
        Param::Text(h.merged_into.map(|id| id.to_string().into())),
        Param::string(search_key(h.head_name.as_deref().unwrap_or_default())),
        Param::body(h)?,
    ])
}

/// A child's row but for its lifecycle (`LIFECYCLE`), which its follow-ups decide. It is shown
/// in the household its record names until merges are settled (`relink`).
pub static CHILDREN: Table = Table::new("children", CHILD_COLUMNS);

/// A child's whole row, `CHILDREN`'s columns then `LIFECYCLE`'s (`child_values`, then
/// `lifecycle_values`), for a writer that knows the child's visits: one statement, not two.
pub static WHOLE_CHILDREN: Table = Table::with_more("children", CHILD_COLUMNS, LIFECYCLE);

const CHILD_COLUMNS: &[&str] = &[
    "id",
    "household_id",
    "origin_household_id",
    "name",
    "sex",
    "age_years",
    "schooling",
    "out_of_school",
    "deleted",
    "reasons",
    "name_key",
    "body",
];

/// `surveyed_on`: its household's survey date, which its age is counted at.
pub fn child_values(
    child: &Child,
    surveyed_on: chrono::NaiveDate,
) -> Result<Vec<Param<'_>>, RowError> {
    let household = child.household_id.to_string();
    Ok(vec![
        Param::string(child.id.to_string()),
        Param::string(household.clone()),
        Param::string(household),
        Param::str(&child.name),
        Param::str(child.sex.code()),
        Param::Int(child.age_on(surveyed_on).unwrap_or_default()),
        Param::str(child.schooling.status().code()),
        Param::Bool(child.is_out_of_school()),
        Param::Bool(child.deleted),
        Param::string(child.reason_codes()),
        Param::string(search_key(&child.name)),
        Param::body(child)?,
    ])
}

/// The columns of a child's row its follow-ups decide.
pub const LIFECYCLE: &[&str] = &["stage", "enrolled_on", "last_visit", "retention"];

pub fn lifecycle_values(child: &Child, visits: &[FollowUp]) -> Vec<Param<'static>> {
    let life = lifecycle(child, visits);
    vec![
        Param::str(life.stage.code()),
        Param::Date(life.enrolled_on),
        Param::Date(life.last_visit),
        Param::string(retention_code(child, visits)),
    ]
}

pub static FOLLOW_UPS: Table = Table::new(
    "follow_ups",
    &[
        "id",
        "child_id",
        "visited_on",
        "outcome",
        "deleted",
        "milestone",
        "dropped_out",
        "body",
    ],
);

pub fn follow_up_values(f: &FollowUp) -> Result<Vec<Param<'_>>, RowError> {
    Ok(vec![
        Param::string(f.id.to_string()),
        Param::string(f.child_id.to_string()),
        Param::Date(Some(f.visited_on)),
        Param::str(f.outcome.kind().code()),
        Param::Bool(f.deleted),
        Param::opt_str(f.outcome.milestone().map(|m| m.code())),
        Param::Bool(f.outcome.dropped_out()),
        Param::body(f)?,
    ])
}

pub static SCHOOLS: Table = Table::new(
    "schools",
    &[
        "id",
        "uc_code",
        "village_code",
        "emis_code",
        "name",
        "functional",
        "body",
    ],
);

pub fn school_values(s: &School) -> Result<Vec<Param<'_>>, RowError> {
    Ok(vec![
        Param::string(s.id.to_string()),
        Param::str(&s.uc_code),
        Param::opt_str(s.village_code.as_deref()),
        Param::opt_str(s.emis_code.as_deref()),
        Param::str(&s.name),
        Param::Bool(s.functional),
        Param::body(s)?,
    ])
}

pub static NEEDS: Table = Table::new(
    "needs",
    &[
        "id",
        "school_id",
        "category",
        "status",
        "identified_on",
        "resolved_on",
        "body",
    ],
);

pub fn need_values(n: &InfrastructureNeed) -> Result<Vec<Param<'_>>, RowError> {
    Ok(vec![
        Param::string(n.id.to_string()),
        Param::string(n.school_id.to_string()),
        Param::str(n.category.code()),
        Param::str(n.status().code()),
        Param::Date(Some(n.identified_on)),
        Param::Date(n.resolved_on),
        Param::body(n)?,
    ])
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_upsert_rewrites_every_column_but_the_id() {
        assert_eq!(
            super::SCHOOLS.upsert(),
            "INSERT INTO schools (id, uc_code, village_code, emis_code, name, functional, body) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET uc_code = excluded.uc_code, \
             village_code = excluded.village_code, emis_code = excluded.emis_code, name = excluded.name, \
             functional = excluded.functional, body = excluded.body"
        );
    }
}
