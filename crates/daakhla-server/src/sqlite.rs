//! The server's data in SQLite files, its default: the change log in `log.sqlite`, and the
//! records materialised into a Daakhla store, `records.sqlite`.
//!
//! Positions are assigned inside the single write transaction that appends them, and SQLite
//! runs one write transaction at a time, so a position is never committed after a higher
//! one.

use crate::ServerError;
use crate::auth::{Device, Enrolment, Role};
use crate::backend::{ChangeLog, Logged, Records};
use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::validation::Context;
use daakhla_store::{FieldConflict, IncomingChange, PlaceRow, Store};
use daakhla_wire::{Kind, WireChange};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS log (
    seq         INTEGER PRIMARY KEY,
    doc_id      TEXT NOT NULL,
    kind        INTEGER NOT NULL,
    scope       TEXT NOT NULL,
    hash        BLOB NOT NULL UNIQUE,
    bytes       BLOB NOT NULL,
    device      TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_by_scope ON log(scope, seq);
-- A document's kind and union council, fixed by its first change.
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    kind   INTEGER NOT NULL,
    scope  TEXT NOT NULL
);
-- Codes a phone exchanges for its token (kept as their SHA-256), each valid once.
CREATE TABLE IF NOT EXISTS enrolments (
    code_hash  TEXT PRIMARY KEY,
    user       TEXT NOT NULL,
    role       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
-- Values the server keeps for itself, such as a hub's relay positions.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user       TEXT NOT NULL,
    role       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
";

pub struct SqliteLog {
    conn: Connection,
}

impl SqliteLog {
    pub fn open(path: &Path) -> Result<SqliteLog, ServerError> {
        let conn = Connection::open(path)?;
        // An admin command (`device add`, `pack import`) may write while the server runs.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        // Logs written before devices' last sync was kept.
        let has_last_seen: bool = conn
            .prepare("SELECT 1 FROM pragma_table_info('devices') WHERE name = 'last_seen'")?
            .exists([])?;
        if !has_last_seen {
            conn.execute_batch("ALTER TABLE devices ADD COLUMN last_seen INTEGER")?;
        }
        Ok(SqliteLog { conn })
    }
}

impl ChangeLog for SqliteLog {
    fn add_device(&mut self, device: &Device, token_hash: &str) -> Result<(), ServerError> {
        self.conn.execute(
            "INSERT INTO devices (id, token_hash, user, role, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                device.id,
                token_hash,
                device.user,
                device.role.code(),
                device.scopes_json(),
                chrono::Utc::now().timestamp()
            ],
        )?;
        Ok(())
    }

    fn device(&mut self, token_hash: &str) -> Result<Option<Device>, ServerError> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT id, user, role, scopes FROM devices WHERE token_hash = ?1",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(id, user, role, scopes)| Device::from_columns(id, user, role, scopes))
            .transpose()
    }

    fn touch_device(&mut self, id: &str, now: i64) -> Result<(), ServerError> {
        self.conn
            .prepare_cached(
                "UPDATE devices SET last_seen = ?2 WHERE id = ?1 AND (last_seen IS NULL OR last_seen < ?2 - 60)",
            )?
            .execute(params![id, now])?;
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<(Device, Option<i64>)>, ServerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, user, role, scopes, last_seen FROM devices ORDER BY user, id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.map(|row| {
            let (id, user, role, scopes, last_seen) = row?;
            Ok((Device::from_columns(id, user, role, scopes)?, last_seen))
        })
        .collect()
    }

    fn add_enrolment(
        &mut self,
        code_hash: &str,
        user: &str,
        role: Role,
        scopes: &[String],
        expires_at: i64,
    ) -> Result<(), ServerError> {
        self.conn.execute(
            "INSERT INTO enrolments (code_hash, user, role, scopes, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                code_hash,
                user,
                role.code(),
                serde_json::to_string(scopes).map_err(|e| ServerError::Internal(e.to_string()))?,
                expires_at
            ],
        )?;
        Ok(())
    }

    fn take_enrolment(&mut self, code_hash: &str, now: i64) -> Result<Enrolment, ServerError> {
        let tx = self.conn.transaction()?;
        let row: Option<(String, String, String, i64, Option<i64>)> = tx
            .query_row(
                "SELECT user, role, scopes, expires_at, used_at FROM enrolments WHERE code_hash = ?1",
                [code_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let enrolment = match row {
            None => Enrolment::Unknown,
            Some((.., Some(_))) => Enrolment::Used,
            Some((_, _, _, expires_at, None)) if expires_at <= now => Enrolment::Expired,
            Some((user, role, scopes, _, None)) => {
                tx.execute(
                    "UPDATE enrolments SET used_at = ?2 WHERE code_hash = ?1",
                    params![code_hash, now],
                )?;
                let device = Device::from_columns(String::new(), user, role, scopes)?;
                Enrolment::Valid {
                    user: device.user,
                    role: device.role,
                    scopes: device.scopes,
                }
            }
        };
        tx.commit()?;
        Ok(enrolment)
    }

    fn device_by_id(&mut self, id: &str) -> Result<Option<(Device, String)>, ServerError> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT user, role, scopes, token_hash FROM devices WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(user, role, scopes, token_hash)| {
            Device::from_columns(id.to_string(), user, role, scopes).map(|d| (d, token_hash))
        })
        .transpose()
    }

    fn document(&mut self, doc_id: &str) -> Result<Option<(Kind, String)>, ServerError> {
        let row: Option<(u8, String)> = self
            .conn
            .prepare_cached("SELECT kind, scope FROM documents WHERE doc_id = ?1")?
            .query_row([doc_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(kind, scope)| Kind::from_wire_code(kind).map(|k| (k, scope))))
    }

    fn append(&mut self, device: &str, changes: &[WireChange]) -> Result<usize, ServerError> {
        let tx = self.conn.transaction()?;
        let now = chrono::Utc::now().timestamp();
        let mut new = 0;
        for change in changes {
            let hash = daakhla_crdt::change_from_bytes(change.bytes.clone())
                .map_err(|e| ServerError::BadRequest(e.to_string()))?
                .hash();
            new += tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO log (doc_id, kind, scope, hash, bytes, device, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    change.doc_id.to_string(),
                    change.kind.wire_code(),
                    change.scope,
                    hash.0.to_vec(),
                    change.bytes,
                    device,
                    now
                ])?;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO documents (doc_id, kind, scope) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![
                change.doc_id.to_string(),
                change.kind.wire_code(),
                change.scope
            ])?;
        }
        tx.commit()?;
        Ok(new)
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), ServerError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn settings_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, String)>, ServerError> {
        let mut stmt = self.conn.prepare(
            "SELECT key, value FROM meta WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key",
        )?;
        let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn count_after(&mut self, after: u64, except: &str) -> Result<u64, ServerError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM log WHERE seq > ?1 AND device != ?2",
            params![after as i64, except],
            |r| r.get(0),
        )?)
    }

    fn read(
        &mut self,
        after: u64,
        scopes: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<Logged>, ServerError> {
        let scopes_json = scopes.map(|s| serde_json::to_string(s).expect("strings serialise"));
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, device, doc_id, kind, scope, bytes FROM log
              WHERE seq > ?1 AND (?2 IS NULL OR scope IN (SELECT value FROM json_each(?2)))
              ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![after as i64, scopes_json, limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u8>(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, device, doc_id, kind, scope, bytes) = row?;
            Ok(Logged {
                seq: seq as u64,
                device,
                change: WireChange {
                    doc_id: doc_id.parse().map_err(|_| {
                        ServerError::Internal(format!("bad id {doc_id} in the log"))
                    })?,
                    kind: Kind::from_wire_code(kind).ok_or_else(|| {
                        ServerError::Internal(format!("bad kind {kind} in the log"))
                    })?,
                    scope,
                    bytes,
                },
            })
        })
        .collect()
    }
}

/// The records in a Daakhla store, materialised the way a device's are.
pub struct StoreRecords {
    store: Store,
}

impl StoreRecords {
    /// Opens the records store, creating it with the reference geography the first time.
    pub fn open(path: &Path) -> Result<StoreRecords, ServerError> {
        let mut store = if path.exists() {
            Store::open(path)?
        } else {
            let mut store = Store::create(path)?;
            store.import_geography(&crate::reference_geography()?, &today())?;
            store
        };
        store.set_author("server");
        Ok(StoreRecords { store })
    }
}

impl Records for StoreRecords {
    fn import_geography(&mut self, geo: &Geography) -> Result<usize, ServerError> {
        self.store
            .import_geography(geo, &today())
            .map_err(|e| match e {
                daakhla_store::StoreError::Invalid(v) => ServerError::BadRequest(v.to_string()),
                other => other.into(),
            })
    }

    fn place(&mut self, code: &str) -> Result<Option<PlaceRow>, ServerError> {
        Ok(self.store.place(code)?)
    }

    fn places(&mut self, level: Level, parent: Option<&str>) -> Result<Vec<PlaceRow>, ServerError> {
        Ok(self.store.places(level, parent)?)
    }

    fn cursor(&mut self) -> Result<u64, ServerError> {
        Ok(self
            .store
            .pull_cursor()?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0))
    }

    fn apply(&mut self, changes: &[Logged]) -> Result<(), ServerError> {
        let after = self.cursor()?;
        let Some(last) = changes.last().map(|r| r.seq).filter(|&last| last > after) else {
            return Ok(());
        };
        let incoming: Vec<IncomingChange> = changes
            .iter()
            .filter(|r| r.seq > after)
            .map(|r| IncomingChange {
                doc_id: r.change.doc_id.to_string(),
                kind: r.change.kind,
                bytes: r.change.bytes.clone(),
            })
            .collect();
        self.store.receive(&incoming, Some(&last.to_string()))?;
        Ok(())
    }

    fn snapshot(&mut self) -> Result<BTreeMap<String, String>, ServerError> {
        Ok(self.store.snapshot()?)
    }

    fn conflicts(&mut self) -> Result<Vec<FieldConflict>, ServerError> {
        Ok(self.store.conflicts()?)
    }

    fn read_reports(
        &mut self,
        read: &mut dyn FnMut(
            &mut dyn daakhla_reports::Source,
        ) -> Result<(), daakhla_reports::ReportError>,
    ) -> Result<(), ServerError> {
        Ok(read(&mut self.store.report_source())?)
    }

    fn load_rows_only(&mut self, records: &crate::backend::RowsOnly) -> Result<(), ServerError> {
        Ok(self.store.load_rows_only(
            records.surveys,
            records.follow_ups,
            records.schools,
            records.needs,
        )?)
    }

    fn refresh_statistics(&mut self) -> Result<(), ServerError> {
        Ok(self.store.analyze()?)
    }

    fn for_each_stored(
        &mut self,
        kind: daakhla_domain::RecordKind,
        ucs: Option<&[String]>,
        each: &mut dyn FnMut(daakhla_domain::record::StoredRecord) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        self.store.for_each_stored(kind, ucs, each)
    }
}

fn today() -> Context {
    Context {
        today: chrono::Utc::now().date_naive(),
    }
}
