//! The materialised rows of every record kind, defined once for every database that holds
//! them: a device store and the server's SQLite (`SqliteRows`, here), and the server's
//! PostgreSQL (its own `RowSql` in `daakhla-server`). What each kind's row holds (`tables`)
//! and how a record's document becomes rows, waits for its parent and settles merges
//! (`materialise`) are written here; a backend supplies only the seam, `RowSql`.

mod materialise;
mod sqlite;
mod tables;

pub use materialise::{
    in_apply_order, relink, set_lifecycle, show, show_waiting, write_child, write_follow_up,
    write_household, write_need, write_records, write_school,
};
pub use sqlite::SqliteRows;
pub use tables::{
    CHILDREN, FOLLOW_UPS, HOUSEHOLDS, LIFECYCLE, NEEDS, SCHOOLS, Table, WHOLE_CHILDREN,
    child_values, follow_up_values, household_values, lifecycle_values, need_values, school_values,
};

use chrono::NaiveDate;
use daakhla_domain::RecordKind;
use serde_json::Value;
use std::borrow::Cow;

/// A value bound to a statement, typed so each database stores it natively: SQLite keeps
/// dates as ISO text, booleans as integers and JSON as text; PostgreSQL as `date`, `boolean`
/// and `jsonb`.
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    Text(Option<Cow<'a, str>>),
    Int(i64),
    Bool(bool),
    Date(Option<NaiveDate>),
    /// A record's body, serialised once.
    Json(String),
}

impl<'a> Param<'a> {
    pub fn str(text: &'a str) -> Param<'a> {
        Param::Text(Some(Cow::Borrowed(text)))
    }

    pub fn string(text: String) -> Param<'a> {
        Param::Text(Some(Cow::Owned(text)))
    }

    pub fn opt_str(text: Option<&'a str>) -> Param<'a> {
        Param::Text(text.map(Cow::Borrowed))
    }

    pub fn body(record: &impl serde::Serialize) -> Result<Param<'a>, RowError> {
        Ok(Param::Json(serde_json::to_string(record)?))
    }
}

/// A value read back: what the writers read (a date, a body, a code) in the shapes both
/// databases answer with.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Date(NaiveDate),
    Json(Value),
    Blob(Vec<u8>),
}

impl Cell {
    pub fn into_text(self) -> Option<String> {
        match self {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }

    /// A date stored as a date or as ISO text.
    pub fn date(&self) -> Result<Option<NaiveDate>, RowError> {
        match self {
            Cell::Date(date) => Ok(Some(*date)),
            Cell::Text(text) => text
                .parse()
                .map(Some)
                .map_err(|_| RowError::NotADate(text.clone())),
            _ => Ok(None),
        }
    }

    /// A record's body, stored as JSON text or as JSON.
    pub fn body<T: serde::de::DeserializeOwned>(self) -> Result<T, RowError> {
        Ok(match self {
            Cell::Text(text) => serde_json::from_str(&text)?,
            Cell::Json(value) => serde_json::from_value(value)?,
            other => return Err(RowError::NotABody(format!("{other:?}"))),
        })
    }

    pub fn into_blob(self) -> Option<Vec<u8>> {
        match self {
            Cell::Blob(bytes) => Some(bytes),
            _ => None,
        }
    }
}

/// A stored row that does not read as what its writer wrote.
#[derive(Debug, thiserror::Error)]
pub enum RowError {
    #[error("a stored record could not be read: {0}")]
    Body(#[from] serde_json::Error),
    #[error("a stored date could not be read: {0:?}")]
    NotADate(String),
    #[error("a stored record's body is not JSON: {0}")]
    NotABody(String),
}

/// The one seam between the row writers and a database. Statements are `'static` (each
/// backend prepares one once) and written with `?` placeholders, numbered in order.
pub trait RowSql {
    type Error: From<RowError>;

    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<usize, Self::Error>;

    fn query(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<Vec<Vec<Cell>>, Self::Error>;

    /// Inserts or rewrites (every column but the id) each row, its values in the order of
    /// `table.all_columns()`. No two rows share an id.
    fn upsert_all(
        &mut self,
        table: &'static Table,
        rows: &[Vec<Param<'_>>],
    ) -> Result<(), Self::Error>;

    /// Sets `columns` of existing rows: each row is an id, then the columns' values.
    fn update_all(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: &[Vec<Param<'_>>],
    ) -> Result<(), Self::Error>;

    /// The rows of `table` whose `key` column is one of `keys`, each as its key and then the
    /// values of `columns`.
    fn lookup(
        &mut self,
        table: &'static str,
        key: &'static str,
        columns: &'static [&'static str],
        keys: &[String],
    ) -> Result<Vec<Vec<Cell>>, Self::Error>;

    /// Every document whose record could not be shown yet, with the record it holds now.
    fn unreadable_records(&mut self) -> Result<Vec<(String, RecordKind, Value)>, Self::Error>;

    /// Notes for each document why its record cannot be shown (none: it is shown).
    fn mark_unreadable(&mut self, marks: &[(&str, Option<&str>)]) -> Result<(), Self::Error>;
}
