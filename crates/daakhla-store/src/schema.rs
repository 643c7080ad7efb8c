//! The store's schema and its migrations. The file's `user_version` is the number of
//! migrations applied; each runs in its own transaction with the version bump, so a crash
//! mid-migration leaves the previous version intact.

use crate::StoreError;
use rusqlite::{Connection, Transaction};

/// Marks a SQLite file as a Daakhla store ("DAKH").
pub const APPLICATION_ID: i64 = 0x4441_4B48;

/// What SQL alone cannot do, run after a migration's SQL in its transaction.
type DataStep = fn(&Transaction) -> Result<(), StoreError>;

/// One step of the schema.
struct Migration {
    sql: &'static str,
    then: Option<DataStep>,
}

/// Applied in order; never edit one that has shipped.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("migrations/0001_geography_households.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0002_follow_ups.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0003_documents.sql"),
        then: Some(crate::documents::backfill),
    },
    Migration {
        sql: include_str!("migrations/0004_schools.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0006_digest_log.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0007_report_columns.sql"),
        then: Some(crate::follow_ups::backfill_retention),
    },
    Migration {
        sql: include_str!("migrations/0008_distinct_households.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0009_unappliable_changes.sql"),
        then: None,
    },
    Migration {
        sql: include_str!("migrations/0010_search_keys.sql"),
        then: Some(crate::surveys::backfill_search_keys),
    },
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

pub(crate) fn version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
}

/// Brings the schema up to `target` (normally `LATEST`).
pub(crate) fn migrate(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let from = version(conn)?;
    for (index, migration) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(from as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        if let Some(then) = migration.then {
            then(&tx)?;
        }
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
