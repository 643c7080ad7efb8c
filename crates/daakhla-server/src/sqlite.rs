//! The server's data in SQLite files, its default: the change log in `log.sqlite`, and the
//! records materialised into a Daakhla store, `records.sqlite`.
//!
//! Positions are assigned inside the single write transaction that appends them, and SQLite
//! runs one write transaction at a time, so a position is never committed after a higher
//! one.

use crate::ServerError;
use crate::auth::{Device, DeviceEntry, Enrolment, Role, TokenOwner};
use crate::backend::{ChangeHash, ChangeLog, Logged, Quarantined, Records, Unappliable};
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
CREATE INDEX IF NOT EXISTS log_by_doc ON log(doc_id, seq);
-- Pushed changes Automerge could not apply: kept apart, never handed out.
CREATE TABLE IF NOT EXISTS quarantine (
    hash        BLOB PRIMARY KEY,
    doc_id      TEXT NOT NULL,
    kind        INTEGER NOT NULL,
    scope       TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    device      TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    why         TEXT NOT NULL
);
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
-- Tokens that no longer work because a `rotate` replaced them, kept so that a device hears
-- it was revoked rather than that its token is unknown. (A revoked device's own token stays
-- in `devices`, with `revoked_at`.)
CREATE TABLE IF NOT EXISTS revoked_tokens (
    token_hash TEXT PRIMARY KEY,
    device     TEXT NOT NULL,
    revoked_at INTEGER NOT NULL
);
-- Phones enrolled at a hub (a device here) that the hub revoked and reported upstream.
CREATE TABLE IF NOT EXISTS hub_revoked (
    hub         TEXT NOT NULL,
    id          TEXT NOT NULL,
    user        TEXT NOT NULL,
    role        TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER,
    revoked_at  INTEGER NOT NULL,
    reported_at INTEGER NOT NULL,
    PRIMARY KEY (hub, id)
);
";

/// The `meta` key of `ChangeLog::checked`.
const CHECKED_KEY: &str = "checked_through";

/// Adds a column to a table of a log written before the column was.
fn add_column(conn: &Connection, table: &str, column: &str, kind: &str) -> rusqlite::Result<()> {
    let has: bool = conn
        .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
        .exists([table, column])?;
    if !has {
        conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {kind}"))?;
    }
    Ok(())
}

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
        // Logs written before devices' last sync, and revocations, were kept.
        add_column(&conn, "devices", "last_seen", "INTEGER")?;
        add_column(&conn, "devices", "revoked_at", "INTEGER")?;
        // A log from before the materialiser checked changes had each checked as it was
        // pushed: all of it may be handed out.
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value)
             SELECT ?1, coalesce(max(seq), 0) FROM log",
            [CHECKED_KEY],
        )?;
        Ok(SqliteLog { conn })
    }
}

impl SqliteLog {
    /// A write transaction that takes SQLite's write lock at once: another request's write
    /// then waits for it (the busy timeout) instead of failing halfway.
    fn write(&mut self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
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

    fn device(&mut self, token_hash: &str) -> Result<TokenOwner, ServerError> {
        let row: Option<(String, String, String, String, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT id, user, role, scopes, revoked_at FROM devices WHERE token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()?;
        match row {
            Some((id, user, role, scopes, None)) => Ok(TokenOwner::Active(Device::from_columns(
                id, user, role, scopes,
            )?)),
            Some((device, .., Some(at))) => Ok(TokenOwner::Revoked { device, at }),
            None => Ok(self
                .conn
                .prepare_cached(
                    "SELECT device, revoked_at FROM revoked_tokens WHERE token_hash = ?1",
                )?
                .query_row([token_hash], |r| {
                    Ok(TokenOwner::Revoked {
                        device: r.get(0)?,
                        at: r.get(1)?,
                    })
                })
                .optional()?
                .unwrap_or(TokenOwner::Unknown)),
        }
    }

    fn touch_device(&mut self, id: &str, now: i64) -> Result<(), ServerError> {
        self.conn
            .prepare_cached(
                "UPDATE devices SET last_seen = ?2 WHERE id = ?1 AND (last_seen IS NULL OR last_seen < ?2 - 60)",
            )?
            .execute(params![id, now])?;
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<DeviceEntry>, ServerError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, user, role, scopes, created_at, last_seen, revoked_at FROM devices ORDER BY user, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
                (r.get(4)?, r.get(5)?, r.get(6)?),
            ))
        })?;
        rows.map(|row| {
            let ((id, user, role, scopes), (created_at, last_seen, revoked_at)) = row?;
            Ok(DeviceEntry {
                device: Device::from_columns(id, user, role, scopes)?,
                created_at,
                last_seen,
                revoked_at,
                hub: None,
            })
        })
        .collect()
    }

    fn revoke_device(&mut self, id: &str, now: i64) -> Result<bool, ServerError> {
        self.conn.execute(
            "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, now],
        )?;
        Ok(self
            .conn
            .prepare("SELECT 1 FROM devices WHERE id = ?1")?
            .exists([id])?)
    }

    fn replace_token(&mut self, id: &str, token_hash: &str, now: i64) -> Result<bool, ServerError> {
        let tx = self.write()?;
        let old: Option<String> = tx
            .query_row(
                "SELECT token_hash FROM devices WHERE id = ?1 AND revoked_at IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(old) = old else {
            return Ok(false);
        };
        tx.execute(
            "INSERT INTO revoked_tokens (token_hash, device, revoked_at) VALUES (?1, ?2, ?3)",
            params![old, id, now],
        )?;
        tx.execute(
            "UPDATE devices SET token_hash = ?2 WHERE id = ?1",
            params![id, token_hash],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn note_hub_revoked(
        &mut self,
        hub: &str,
        phones: &[DeviceEntry],
        now: i64,
    ) -> Result<(), ServerError> {
        let tx = self.write()?;
        for phone in phones {
            tx.prepare_cached(
                "INSERT INTO hub_revoked (hub, id, user, role, scopes, created_at, last_seen, revoked_at, reported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (hub, id) DO UPDATE SET user = excluded.user, role = excluded.role,
                   scopes = excluded.scopes, created_at = excluded.created_at, last_seen = excluded.last_seen,
                   revoked_at = excluded.revoked_at, reported_at = excluded.reported_at",
            )?
            .execute(params![
                hub,
                phone.device.id,
                phone.device.user,
                phone.device.role.code(),
                phone.device.scopes_json(),
                phone.created_at,
                phone.last_seen,
                phone.revoked_at.unwrap_or(now),
                now
            ])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn hub_revoked(&mut self) -> Result<Vec<(String, DeviceEntry)>, ServerError> {
        let mut stmt = self.conn.prepare(
            "SELECT hub, id, user, role, scopes, created_at, last_seen, revoked_at FROM hub_revoked ORDER BY hub, user, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                (r.get(5)?, r.get(6)?, r.get(7)?),
            ))
        })?;
        rows.map(|row| {
            let ((hub, id, user, role, scopes), (created_at, last_seen, revoked_at)): (
                (String, _, _, _, _),
                (i64, Option<i64>, i64),
            ) = row?;
            Ok((
                hub,
                DeviceEntry {
                    device: Device::from_columns(id, user, role, scopes)?,
                    created_at,
                    last_seen,
                    revoked_at: Some(revoked_at),
                    hub: None,
                },
            ))
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
                serde_json::to_string(scopes)?,
                expires_at
            ],
        )?;
        Ok(())
    }

    fn take_enrolment(&mut self, code_hash: &str, now: i64) -> Result<Enrolment, ServerError> {
        let tx = self.write()?;
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
                "SELECT user, role, scopes, token_hash FROM devices WHERE id = ?1 AND revoked_at IS NULL",
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

    fn append(
        &mut self,
        device: &str,
        changes: &[WireChange],
        hashes: &[ChangeHash],
    ) -> Result<usize, ServerError> {
        let tx = self.write()?;
        let now = chrono::Utc::now().timestamp();
        let mut new = 0;
        for (change, hash) in changes.iter().zip(hashes) {
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

    fn end(&mut self) -> Result<u64, ServerError> {
        let end: i64 = self
            .conn
            .query_row("SELECT coalesce(max(seq), 0) FROM log", [], |r| r.get(0))?;
        Ok(end as u64)
    }

    fn checked(&mut self) -> Result<u64, ServerError> {
        let checked: String = self.conn.query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [CHECKED_KEY],
            |r| r.get(0),
        )?;
        checked
            .parse()
            .map_err(|_| ServerError::Internal(format!("bad checked position {checked}")))
    }

    fn hashes_between(&mut self, after: u64, through: u64) -> Result<Vec<ChangeHash>, ServerError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT hash FROM log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq")?;
        let rows = stmt.query_map(params![after as i64, through as i64], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        rows.map(|hash| {
            let hash = hash?;
            ChangeHash::try_from(hash.as_slice())
                .map_err(|_| ServerError::Internal("a bad hash in the log".into()))
        })
        .collect()
    }

    fn settle(
        &mut self,
        from: u64,
        through: u64,
        refused: &[Unappliable],
    ) -> Result<bool, ServerError> {
        let tx = self.write()?;
        let checked: String = tx.query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [CHECKED_KEY],
            |r| r.get(0),
        )?;
        if checked != from.to_string() {
            return Ok(false);
        }
        let now = chrono::Utc::now().timestamp();
        for change in refused {
            let hash = change.hash.0.as_slice();
            tx.prepare_cached(
                "INSERT OR IGNORE INTO quarantine (hash, doc_id, kind, scope, bytes, device, received_at, why)
                 SELECT hash, doc_id, kind, scope, bytes, device, ?2, ?3 FROM log WHERE hash = ?1",
            )?
            .execute(params![hash, now, change.why])?;
        }
        tx.execute(
            "UPDATE meta SET value = ?2 WHERE key = ?1",
            params![CHECKED_KEY, through.to_string()],
        )?;
        tx.commit()?;
        Ok(true)
    }

    fn quarantined(&mut self) -> Result<Vec<Quarantined>, ServerError> {
        let mut stmt = self.conn.prepare(
            "SELECT doc_id, kind, scope, device, received_at, why FROM quarantine ORDER BY received_at, doc_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u8>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        rows.map(|row| {
            let (doc_id, kind, scope, device, received_at, why) = row?;
            Ok(Quarantined {
                kind: Kind::from_wire_code(kind).ok_or_else(|| {
                    ServerError::Internal(format!("bad kind {kind} in the quarantine"))
                })?,
                doc_id,
                scope,
                device,
                received_at,
                why,
            })
        })
        .collect()
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
        through: u64,
        scopes: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<Logged>, ServerError> {
        let scopes_json = scopes.map(|s| serde_json::to_string(s).expect("strings serialise"));
        let through = i64::try_from(through).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, device, doc_id, kind, scope, bytes FROM log
              WHERE seq > ?1 AND seq <= ?4
                AND (?2 IS NULL OR scope IN (SELECT value FROM json_each(?2)))
                AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.hash = log.hash)
              ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![after as i64, scopes_json, limit as i64, through],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u8>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
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
        // The records are derived from the log, their cursor committed with them: after a
        // power cut they may lose their last batches, never their consistency, and are
        // caught up again from the log. So their commits need not wait for the disk; the log
        // itself, the truth, keeps `FULL`.
        store
            .connection()
            .pragma_update(None, "synchronous", "NORMAL")?;
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

    fn refused_among(&mut self, hashes: &[ChangeHash]) -> Result<Vec<Unappliable>, ServerError> {
        Ok(self.store.unappliable_among(hashes)?)
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
        Ok(read(&mut daakhla_reports::SqliteSource(
            self.store.connection(),
        ))?)
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
