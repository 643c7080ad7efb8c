//! The seam over a SQLite connection (in practice a transaction): a device store, or the
//! server's records file.

use super::{Cell, Param, RowSql, Table};
use crate::StoreError;
use daakhla_crdt::{ActorId, RecordDoc};
use daakhla_domain::RecordKind;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use serde_json::Value;

pub struct SqliteRows<'a>(pub &'a rusqlite::Connection);

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Param::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Param::Text(None) | Param::Date(None) => ToSqlOutput::Owned(SqlValue::Null),
            Param::Int(n) => ToSqlOutput::Owned(SqlValue::Integer(*n)),
            Param::Bool(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
            // ISO dates compare in date order as text.
            Param::Date(Some(date)) => ToSqlOutput::Owned(SqlValue::Text(date.to_string())),
            Param::Json(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        })
    }
}

impl RowSql for SqliteRows<'_> {
    type Error = StoreError;

    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<usize, StoreError> {
        Ok(self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(params))?)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(cells(row)?);
        }
        Ok(out)
    }

    /// A statement a row: in SQLite each is a call, not a round trip.
    fn upsert_all(
        &mut self,
        table: &'static Table,
        rows: &[Vec<Param<'_>>],
    ) -> Result<(), StoreError> {
        let mut stmt = self.0.prepare_cached(table.upsert())?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row))?;
        }
        Ok(())
    }

    fn update_all(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: &[Vec<Param<'_>>],
    ) -> Result<(), StoreError> {
        let set: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ?{}", i + 2))
            .collect();
        let mut stmt = self.0.prepare_cached(&format!(
            "UPDATE {table} SET {} WHERE id = ?1",
            set.join(", ")
        ))?;
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row))?;
        }
        Ok(())
    }

    fn lookup(
        &mut self,
        table: &'static str,
        key: &'static str,
        columns: &'static [&'static str],
        keys: &[String],
    ) -> Result<Vec<Vec<Cell>>, StoreError> {
        let columns: String = columns.iter().map(|c| format!(", {c}")).collect();
        let mut stmt = self.0.prepare_cached(&format!(
            "SELECT {key}{columns} FROM {table} WHERE {key} = ?1"
        ))?;
        let mut out = Vec::new();
        for wanted in keys {
            let mut rows = stmt.query([wanted])?;
            while let Some(row) = rows.next()? {
                out.push(cells(row)?);
            }
        }
        Ok(out)
    }

    fn unreadable_records(&mut self) -> Result<Vec<(String, RecordKind, Value)>, StoreError> {
        let waiting: Vec<(String, String, Vec<u8>)> = self
            .0
            .prepare_cached("SELECT id, kind, bytes FROM documents WHERE unreadable IS NOT NULL")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let reader = ActorId::from(b"daakhla-reader".as_slice());
        let mut out = Vec::with_capacity(waiting.len());
        for (id, kind, bytes) in waiting {
            // A kind this build does not know stays unreadable.
            let Some(kind) = RecordKind::from_code(&kind) else {
                continue;
            };
            let record = Value::Object(RecordDoc::load(&bytes, &reader)?.read()?.fields);
            out.push((id, kind, record));
        }
        Ok(out)
    }

    fn mark_unreadable(&mut self, marks: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        // Most records are shown at once: their mark is already none, and stays unwritten.
        let mut stmt = self.0.prepare_cached(
            "UPDATE documents SET unreadable = ?2 WHERE id = ?1 AND unreadable IS NOT ?2",
        )?;
        for (doc_id, why) in marks {
            stmt.execute(rusqlite::params![doc_id, why])?;
        }
        Ok(())
    }
}

fn cells(row: &rusqlite::Row) -> Result<Vec<Cell>, StoreError> {
    let columns = row.as_ref().column_count();
    let mut cells = Vec::with_capacity(columns);
    for i in 0..columns {
        cells.push(match row.get_ref(i)? {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(n) => Cell::Int(n),
            ValueRef::Real(x) => Cell::Int(x as i64),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
        });
    }
    Ok(cells)
}
