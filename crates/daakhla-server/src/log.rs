//! The server's change log on SQLite: every change any device sent, once, in the order the
//! server took it. The log is the truth; the records database is rebuilt from it.
//!
//! Positions are assigned inside the single write transaction that appends them, and SQLite
//! runs one write transaction at a time, so a position is never committed after a higher
//! one: a pull that passed position N never misses a change committed later below N.

use crate::ServerError;
use crate::auth::{Device, Role};
use daakhla_wire::{Kind, WireChange};
use rusqlite::{Connection, OptionalExtension, params};
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
CREATE TABLE IF NOT EXISTS devices (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user       TEXT NOT NULL,
    role       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
";

/// One logged change and its position.
#[derive(Debug, Clone)]
pub struct Logged {
    pub seq: u64,
    pub device: String,
    pub change: WireChange,
}

pub struct Log {
    conn: Connection,
}

impl Log {
    pub fn open(path: &Path) -> Result<Log, ServerError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Log { conn })
    }

    pub fn add_device(
        &self,
        token_hash: &str,
        user: &str,
        role: Role,
        scopes: &[String],
    ) -> Result<Device, ServerError> {
        let device = Device {
            id: uuid::Uuid::new_v4().to_string(),
            user: user.into(),
            role,
            scopes: scopes.to_vec(),
        };
        self.conn.execute(
            "INSERT INTO devices (id, token_hash, user, role, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                device.id,
                token_hash,
                user,
                serde_json::to_value(role).map_err(|e| ServerError::Internal(e.to_string()))?.as_str(),
                serde_json::to_string(scopes).map_err(|e| ServerError::Internal(e.to_string()))?,
                chrono::Utc::now().timestamp()
            ],
        )?;
        Ok(device)
    }

    pub fn device(&self, token_hash: &str) -> Result<Option<Device>, ServerError> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT id, user, role, scopes FROM devices WHERE token_hash = ?1",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, user, role, scopes)) = row else {
            return Ok(None);
        };
        let role = serde_json::from_value(serde_json::Value::String(role))
            .map_err(|e| ServerError::Internal(e.to_string()))?;
        let scopes =
            serde_json::from_str(&scopes).map_err(|e| ServerError::Internal(e.to_string()))?;
        Ok(Some(Device {
            id,
            user,
            role,
            scopes,
        }))
    }

    /// The kind and union council a document was first sent with.
    pub fn document(&self, doc_id: &str) -> Result<Option<(Kind, String)>, ServerError> {
        let row: Option<(u8, String)> = self
            .conn
            .prepare_cached("SELECT kind, scope FROM documents WHERE doc_id = ?1")?
            .query_row([doc_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.and_then(|(kind, scope)| Kind::from_wire_code(kind).map(|k| (k, scope))))
    }

    /// Appends the changes the log does not have yet, in one transaction. Returns how many
    /// were new.
    pub fn append(&mut self, device: &str, changes: &[WireChange]) -> Result<usize, ServerError> {
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

    /// Up to `limit` changes after position `after`, in the given union councils (all if
    /// `scopes` is none), in log order.
    pub fn read(
        &self,
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
                r.get(1)?,
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

    /// A device by its id, with its token's SHA-256 in hex (what its sync packs are sealed
    /// with).
    pub fn device_by_id(&self, id: &str) -> Result<Option<(Device, String)>, ServerError> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT user, role, scopes, token_hash FROM devices WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((user, role, scopes, token_hash)) = row else {
            return Ok(None);
        };
        let role = serde_json::from_value(serde_json::Value::String(role))
            .map_err(|e| ServerError::Internal(e.to_string()))?;
        let scopes =
            serde_json::from_str(&scopes).map_err(|e| ServerError::Internal(e.to_string()))?;
        let device = Device {
            id: id.to_string(),
            user,
            role,
            scopes,
        };
        Ok(Some((device, token_hash)))
    }
}
