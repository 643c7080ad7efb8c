//! The row writers' seam (`daakhla_store::rows::RowSql`) over a PostgreSQL transaction: the
//! rows themselves are defined once, in the store.

use super::{Sql, TxSql};
use crate::ServerError;
use bytes::BytesMut;
use daakhla_crdt::{ActorId, RecordDoc};
use daakhla_domain::RecordKind;
use daakhla_store::rows::{Cell, Param, RowSql};
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

    fn mark_unreadable(&mut self, doc_id: &str, why: Option<&str>) -> Result<(), ServerError> {
        Sql::execute(
            self,
            "UPDATE record_documents SET unreadable = $2 WHERE doc_id = $1",
            &[&doc_id, &why],
        )?;
        Ok(())
    }
}
