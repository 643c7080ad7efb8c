//! The row writers' seam (`daakhla_store::rows::RowSql`) over a PostgreSQL transaction: the
//! rows themselves are defined once, in the store.

use super::{Sql, TxSql};
use crate::ServerError;
use bytes::BytesMut;
use daakhla_crdt::{ActorId, RecordDoc};
use daakhla_domain::RecordKind;
use daakhla_store::rows::{Cell, Param, RowSql, Table};
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use serde_json::Value;

/// A row writer's value bound as the type PostgreSQL asks for.
#[derive(Debug)]
pub(super) struct PgParam<'a>(pub &'a Param<'a>);

impl ToSql for PgParam<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Param::Text(None) | Param::Date(None) => Ok(IsNull::Yes),
            Param::Text(Some(text)) => text.as_ref().to_sql(ty, out),
            Param::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Param::Int(n) if *ty == Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
            Param::Int(n) => n.to_sql(ty, out),
            Param::Bool(b) => b.to_sql(ty, out),
            Param::Date(Some(date)) => date.to_sql(ty, out),
            Param::Json(text) => {
                // jsonb's binary form is a version byte, then the text.
                if *ty == Type::JSONB {
                    out.extend_from_slice(&[1]);
                }
                out.extend_from_slice(text.as_bytes());
                Ok(IsNull::No)
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn cell(row: &postgres::Row, i: usize) -> Cell {
    let ty = row.columns()[i].type_();
    let cell = if *ty == Type::INT8 {
        row.get::<_, Option<i64>>(i).map(Cell::Int)
    } else if *ty == Type::INT4 {
        row.get::<_, Option<i32>>(i).map(|n| Cell::Int(n.into()))
    } else if *ty == Type::BOOL {
        row.get::<_, Option<bool>>(i).map(|b| Cell::Int(b.into()))
    } else if *ty == Type::DATE {
        row.get::<_, Option<chrono::NaiveDate>>(i).map(Cell::Date)
    } else if *ty == Type::JSONB || *ty == Type::JSON {
        row.get::<_, Option<Value>>(i).map(Cell::Json)
    } else if *ty == Type::BYTEA {
        row.get::<_, Option<Vec<u8>>>(i).map(Cell::Blob)
    } else {
        row.get::<_, Option<String>>(i).map(Cell::Text)
    };
    cell.unwrap_or(Cell::Null)
}

impl RowSql for TxSql<'_, '_> {
    type Error = ServerError;

    fn execute(&mut self, sql: &'static str, params: &[Param<'_>]) -> Result<usize, ServerError> {
        let bound: Vec<PgParam> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        Ok(Sql::execute(self, sql, &refs)? as usize)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<Vec<Vec<Cell>>, ServerError> {
        let bound: Vec<PgParam> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        Ok(Sql::query(self, sql, &refs)?
            .iter()
            .map(|row| (0..row.len()).map(|i| cell(row, i)).collect())
            .collect())
    }

    fn unreadable_records(&mut self) -> Result<Vec<(String, RecordKind, Value)>, ServerError> {
        let reader = ActorId::from(b"daakhla-server".as_slice());
        let mut out = Vec::new();
        for row in Sql::query(
            self,
            "SELECT doc_id, kind, bytes FROM record_documents WHERE unreadable IS NOT NULL",
            &[],
        )? {
            // A kind this build does not know stays unreadable.
            let Some(kind) = RecordKind::from_code(row.get::<_, &str>(1)) else {
                continue;
            };
            let bytes: &[u8] = row.get(2);
            let record = Value::Object(RecordDoc::load(bytes, &reader)?.read()?.fields);
            out.push((row.get(0), kind, record));
        }
        Ok(out)
    }

    fn mark_unreadable(&mut self, marks: &[(&str, Option<&str>)]) -> Result<(), ServerError> {
        if marks.is_empty() {
            return Ok(());
        }
        let (ids, whys): (Vec<&str>, Vec<Option<&str>>) = marks.iter().copied().unzip();
        Sql::execute(
            self,
            "UPDATE record_documents d SET unreadable = v.why
               FROM unnest($1::text[], $2::text[]) AS v(id, why)
              WHERE d.doc_id = v.id AND d.unreadable IS DISTINCT FROM v.why",
            &[&ids, &whys],
        )?;
        Ok(())
    }

    /// One statement for all the rows: PostgreSQL reads them from JSON into the table's own
    /// column types.
    fn upsert_all(
        &mut self,
        table: &'static Table,
        rows: &[Vec<Param<'_>>],
    ) -> Result<(), ServerError> {
        if rows.is_empty() {
            return Ok(());
        }
        let columns = table.all_columns();
        let sql = interned(table.upsert_from(&format!(
            "SELECT {} FROM json_populate_recordset(NULL::{}, $1::text::json)",
            columns.join(", "),
            table.name
        )));
        Sql::execute(self, sql, &[&rows_as_json(&columns, rows)])?;
        Ok(())
    }

    fn update_all(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: &[Vec<Param<'_>>],
    ) -> Result<(), ServerError> {
        if rows.is_empty() {
            return Ok(());
        }
        let set: Vec<String> = columns.iter().map(|c| format!("{c} = v.{c}")).collect();
        let sql = interned(format!(
            "UPDATE {table} AS t SET {} FROM json_populate_recordset(NULL::{table}, $1::text::json) AS v
              WHERE t.id = v.id",
            set.join(", ")
        ));
        let named: Vec<&str> = std::iter::once("id")
            .chain(columns.iter().copied())
            .collect();
        Sql::execute(self, sql, &[&rows_as_json(&named, rows)])?;
        Ok(())
    }

    fn lookup(
        &mut self,
        table: &'static str,
        key: &'static str,
        columns: &'static [&'static str],
        keys: &[String],
    ) -> Result<Vec<Vec<Cell>>, ServerError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let columns: String = columns.iter().map(|c| format!(", {c}")).collect();
        let sql = interned(format!(
            "SELECT {key}{columns} FROM {table} WHERE {key} = ANY($1)"
        ));
        Ok(Sql::query(self, sql, &[&keys])?
            .iter()
            .map(|row| (0..row.len()).map(|i| cell(row, i)).collect())
            .collect())
    }
}

/// Rows as a JSON array of objects by column, for `json_populate_recordset`.
fn rows_as_json(columns: &[&str], rows: &[Vec<Param<'_>>]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("[");
    for (i, row) in rows.iter().enumerate() {
        out.push_str(if i == 0 { "{" } else { ",{" });
        for (j, (column, param)) in columns.iter().zip(row).enumerate() {
            if j > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{column}\":");
            match param {
                Param::Text(None) | Param::Date(None) => out.push_str("null"),
                Param::Text(Some(text)) => out.push_str(&Value::from(text.as_ref()).to_string()),
                Param::Int(n) => {
                    let _ = write!(out, "{n}");
                }
                Param::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Param::Date(Some(date)) => {
                    let _ = write!(out, "\"{date}\"");
                }
                // A record's body is JSON already.
                Param::Json(text) => out.push_str(text),
            }
        }
        out.push('}');
    }
    out.push(']');
    out
}

/// Statements made from a table's columns, each made once and kept for the life of the
/// process (there are a few), since prepared statements are kept by their text.
fn interned(sql: String) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static MADE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut made = MADE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(sql) = made.get(sql.as_str()) {
        return sql;
    }
    let sql: &'static str = Box::leak(sql.into_boxed_str());
    made.insert(sql);
    sql
}
