//! Where report rows come from: a device store's or the server's SQLite file, or the
//! server's PostgreSQL database. Both hold the same tables (households, children,
//! follow_ups, schools, needs, places), so every report is one set of SQL queries; where the
//! two dialects differ (reading JSON) is a method of `Dialect`.

use crate::ReportError;
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A text field of a JSON column: `column.field`.
    pub(crate) fn json_text(self, column: &str, field: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{field}')"),
            Dialect::Postgres => format!("({column}->>'{field}')"),
        }
    }
}

/// A query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Text(String),
    Date(NaiveDate),
}

/// A value in a result row: queries select only counts, integers, texts and dates cast to
/// text, so three shapes cover both databases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    pub(crate) fn int(&self) -> i64 {
        match self {
            Cell::Int(n) => *n,
            Cell::Text(t) => t.parse().unwrap_or_default(),
            Cell::Null => 0,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn date(&self) -> Option<NaiveDate> {
        self.text().and_then(|t| t.parse().ok())
    }
}

/// Runs read-only queries written with `?` placeholders.
pub trait Source {
    fn dialect(&self) -> Dialect;
    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Cell>>, ReportError>;
}

/// A SQLite database with a Daakhla store's tables (a device, or the server's default).
pub struct SqliteSource<'a>(pub &'a rusqlite::Connection);

impl Source for SqliteSource<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Cell>>, ReportError> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.0.prepare_cached(sql)?;
        // Dates are stored as ISO text, which compares in date order.
        let values: Vec<String> = params
            .iter()
            .map(|p| match p {
                Param::Text(t) => t.clone(),
                Param::Date(d) => d.to_string(),
            })
            .collect();
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(match row.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    ValueRef::Real(x) => Cell::Int(x as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(cells);
        }
        Ok(out)
    }
}

/// The server's PostgreSQL database.
#[cfg(feature = "postgres")]
pub struct PgSource<'a, C: postgres::GenericClient>(pub &'a mut C);

#[cfg(feature = "postgres")]
impl<C: postgres::GenericClient> Source for PgSource<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn rows(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Cell>>, ReportError> {
        use postgres::types::{ToSql, Type};
        let sql = numbered_placeholders(sql);
        let values: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| match p {
                Param::Text(t) => t as &(dyn ToSql + Sync),
                Param::Date(d) => d as &(dyn ToSql + Sync),
            })
            .collect();
        let rows = self.0.query(sql.as_str(), &values)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = Vec::with_capacity(row.len());
            for (i, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                cells.push(if *ty == Type::INT8 {
                    row.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int)
                } else if *ty == Type::INT4 {
                    row.get::<_, Option<i32>>(i)
                        .map_or(Cell::Null, |n| Cell::Int(n.into()))
                } else if *ty == Type::BOOL {
                    row.get::<_, Option<bool>>(i)
                        .map_or(Cell::Null, |b| Cell::Int(b.into()))
                } else {
                    row.get::<_, Option<String>>(i)
                        .map_or(Cell::Null, Cell::Text)
                });
            }
            out.push(cells);
        }
        Ok(out)
    }
}

/// `?` placeholders as PostgreSQL's `$1, $2, …` (for SQL with no `?` in its strings).
pub fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            super::numbered_placeholders("a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
    }
}
