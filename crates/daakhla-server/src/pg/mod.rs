//! The server's data in PostgreSQL, for scale: the same change log and materialised records
//! as the SQLite default, in one database. Each half has its own connection, so a long
//! materialisation never waits behind a pull.

mod bulk;
mod log;
mod records;
mod rows;

pub use log::PgLog;
pub use records::PgRecords;

use crate::ServerError;
use crate::pool::Pool;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, Statement, Transaction};
use std::collections::HashMap;

/// The schema this build writes; a database with a newer one is refused. (4: revoked
/// devices, which an older server would still let in; 5: the device store's row columns;
/// 6: changes checked by the materialiser, not the push.)
const SCHEMA_VERSION: i32 = 6;

/// Connects to the database at `url`, creating the tables the first time.
pub fn open(url: &str) -> Result<(PgLog, PgRecords), ServerError> {
    let mut client = connect(url)?;
    create_schema(&mut client)?;
    let log = PgLog::new(client);
    let records = PgRecords::new(connect(url)?)?;
    Ok((log, records))
}

/// The server's connections to the database at `url`: one to write records, and pools of
/// log connections and records readers opened as requests need them.
pub(crate) fn core(url: &str) -> Result<crate::Core, ServerError> {
    let (log, writer) = open(url)?;
    let (log_url, reader_url) = (url.to_string(), url.to_string());
    Ok(crate::Core {
        logs: Pool::new(
            Box::new(log),
            crate::LOG_HANDLES,
            Box::new(move || Ok(Box::new(PgLog::new(connect(&log_url)?)))),
        ),
        readers: Pool::new(
            Box::new(PgRecords::reader(connect(url)?)),
            crate::RECORD_READERS,
            Box::new(move || Ok(Box::new(PgRecords::reader(connect(&reader_url)?)))),
        ),
        writer: std::sync::Mutex::new(Box::new(writer)),
    })
}

fn connect(url: &str) -> Result<Connection, ServerError> {
    let client = Client::connect(url, NoTls).map_err(|e| {
        ServerError::Internal(format!(
            "cannot use the PostgreSQL database at {}: {e}",
            crate::backend::without_password(url)
        ))
    })?;
    Ok(Connection(Some(client)))
}

/// A client that may be dropped anywhere. The synchronous client blocks on its own runtime
/// when closed, which panics on a thread driving another runtime (the HTTP server's, where
/// the last handle to the server is often dropped), so it is closed on a thread of its own.
pub struct Connection(Option<Client>);

impl std::ops::Deref for Connection {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.0.as_ref().expect("open until dropped")
    }
}

impl std::ops::DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut Client {
        self.0.as_mut().expect("open until dropped")
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            let _ = std::thread::spawn(move || drop(client)).join();
        }
    }
}

/// A connection or transaction whose statements are prepared once per connection: a prepare
/// costs a round trip to the database, as much as running the statement.
pub struct Sql<'a, C> {
    tx: &'a mut C,
    prepared: &'a mut HashMap<&'static str, Statement>,
}

/// Statements in a transaction.
pub type TxSql<'a, 't> = Sql<'a, Transaction<'t>>;

impl<'a, C: GenericClient> Sql<'a, C> {
    pub fn new(tx: &'a mut C, prepared: &'a mut HashMap<&'static str, Statement>) -> Self {
        Sql { tx, prepared }
    }

    fn statement(&mut self, sql: &'static str) -> Result<Statement, ServerError> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        // The row writers shared with device stores are written with `?` placeholders.
        let statement = if sql.contains('?') {
            self.tx
                .prepare(&daakhla_reports::numbered_placeholders(sql))?
        } else {
            self.tx.prepare(sql)?
        };
        self.prepared.insert(sql, statement.clone());
        Ok(statement)
    }

    pub fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, ServerError> {
        let statement = self.statement(sql)?;
        Ok(self.tx.execute(&statement, params)?)
    }

    pub fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, ServerError> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query(&statement, params)?)
    }

    pub fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, ServerError> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query_opt(&statement, params)?)
    }
}

fn create_schema(client: &mut Client) -> Result<(), ServerError> {
    let mut tx = client.transaction()?;
    // Two servers starting at once must not both create the tables.
    tx.execute("SELECT pg_advisory_xact_lock(7207001)", &[])?;
    tx.batch_execute(include_str!("schema.sql"))?;
    // A log from before the materialiser checked changes had each checked as it was pushed:
    // all of it may be handed out.
    tx.execute(
        "INSERT INTO log_checked (through) SELECT coalesce(max(seq), 0) FROM log
         ON CONFLICT DO NOTHING",
        &[],
    )?;
    let version: Option<i32> = tx
        .query_opt("SELECT max(version) FROM server_schema", &[])?
        .and_then(|row| row.get(0));
    match version {
        None => {
            tx.execute(
                "INSERT INTO server_schema (version) VALUES ($1)",
                &[&SCHEMA_VERSION],
            )?;
        }
        Some(v) if v > SCHEMA_VERSION => {
            return Err(ServerError::Internal(format!(
                "the database was written by a newer Daakhla server (schema {v}); this one knows schema {SCHEMA_VERSION}"
            )));
        }
        // The schema file brought an older database up to date above.
        Some(v) if v < SCHEMA_VERSION => {
            if v < 5 {
                backfill_search_keys(&mut tx)?;
            }
            tx.execute("UPDATE server_schema SET version = $1", &[&SCHEMA_VERSION])?;
        }
        Some(_) => {}
    }
    tx.commit()?;
    Ok(())
}

/// Schema 5's Rust step: the search keys of the names already stored.
fn backfill_search_keys(tx: &mut Transaction) -> Result<(), ServerError> {
    use daakhla_domain::likeness::search_key;
    for (select, update) in [
        (
            "SELECT id, head_name FROM households WHERE head_name IS NOT NULL",
            "UPDATE households SET head_key = $2 WHERE id = $1",
        ),
        (
            "SELECT id, name FROM children WHERE name <> ''",
            "UPDATE children SET name_key = $2 WHERE id = $1",
        ),
    ] {
        let update = tx.prepare(update)?;
        for row in tx.query(select, &[])? {
            let (id, name): (&str, &str) = (row.get(0), row.get(1));
            tx.execute(&update, &[&id, &search_key(name)])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_never_show_the_password() {
        use crate::backend::without_password;
        assert_eq!(
            without_password("postgres://daakhla:secret@127.0.0.1:5432/db"),
            "postgres://daakhla@127.0.0.1:5432/db"
        );
        assert_eq!(
            without_password("postgres://127.0.0.1/db"),
            "postgres://127.0.0.1/db"
        );
    }
}
