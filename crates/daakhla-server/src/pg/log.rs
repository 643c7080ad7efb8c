//! The change log in PostgreSQL. PostgreSQL runs write transactions concurrently and a
//! sequence can commit out of order, so appends take a transaction-wide advisory lock and
//! number their changes from the highest position: a position is never committed after a
//! higher one, even with several servers on one database.

use super::Sql;
use crate::ServerError;
use crate::auth::{Device, Enrolment, Role};
use crate::backend::{ChangeLog, Logged};
use daakhla_wire::{Kind, WireChange};
use postgres::Statement;
use std::collections::HashMap;

/// The advisory lock that orders appends.
const APPEND_LOCK: i64 = 7_207_002;

pub struct PgLog {
    client: super::Connection,
    prepared: HashMap<&'static str, Statement>,
}

impl PgLog {
    pub(super) fn new(client: super::Connection) -> PgLog {
        PgLog {
            client,
            prepared: HashMap::new(),
        }
    }

    fn sql(&mut self) -> Sql<'_, postgres::Client> {
        Sql::new(&mut self.client, &mut self.prepared)
    }
}

impl ChangeLog for PgLog {
    fn add_device(&mut self, device: &Device, token_hash: &str) -> Result<(), ServerError> {
        self.sql().execute(
            "INSERT INTO devices (id, token_hash, user_name, role, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &device.id,
                &token_hash,
                &device.user,
                &device.role.code(),
                &device.scopes_json(),
                &chrono::Utc::now().timestamp(),
            ],
        )?;
        Ok(())
    }

    fn device(&mut self, token_hash: &str) -> Result<Option<Device>, ServerError> {
        let Some(row) = self.sql().query_opt(
            "SELECT id, user_name, role, scopes FROM devices WHERE token_hash = $1",
            &[&token_hash],
        )?
        else {
            return Ok(None);
        };
        Device::from_columns(row.get(0), row.get(1), row.get(2), row.get(3)).map(Some)
    }

    fn touch_device(&mut self, id: &str, now: i64) -> Result<(), ServerError> {
        self.sql().execute(
            "UPDATE devices SET last_seen = $2::bigint WHERE id = $1 AND (last_seen IS NULL OR last_seen < $2::bigint - 60)",
            &[&id, &now],
        )?;
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<(Device, Option<i64>)>, ServerError> {
        let mut devices = self
            .sql()
            .query(
                "SELECT id, user_name, role, scopes, last_seen FROM devices",
                &[],
            )?
            .into_iter()
            .map(|row| {
                Ok((
                    Device::from_columns(row.get(0), row.get(1), row.get(2), row.get(3))?,
                    row.get(4),
                ))
            })
            .collect::<Result<Vec<_>, ServerError>>()?;
        devices.sort_by(|(a, _), (b, _)| (&a.user, &a.id).cmp(&(&b.user, &b.id)));
        Ok(devices)
    }

    fn add_enrolment(
        &mut self,
        code_hash: &str,
        user: &str,
        role: Role,
        scopes: &[String],
        expires_at: i64,
    ) -> Result<(), ServerError> {
        self.sql().execute(
            "INSERT INTO enrolments (code_hash, user_name, role, scopes, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &code_hash,
                &user,
                &role.code(),
                &serde_json::to_string(scopes).map_err(|e| ServerError::Internal(e.to_string()))?,
                &expires_at,
            ],
        )?;
        Ok(())
    }

    fn take_enrolment(&mut self, code_hash: &str, now: i64) -> Result<Enrolment, ServerError> {
        // Marked used in the same statement that finds it: two phones with one code cannot
        // both get a token.
        let taken = self.sql().query_opt(
            "UPDATE enrolments SET used_at = $2
              WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
              RETURNING user_name, role, scopes",
            &[&code_hash, &now],
        )?;
        if let Some(row) = taken {
            let device = Device::from_columns(String::new(), row.get(0), row.get(1), row.get(2))?;
            return Ok(Enrolment::Valid {
                user: device.user,
                role: device.role,
                scopes: device.scopes,
            });
        }
        let used: Option<Option<i64>> = self
            .sql()
            .query_opt(
                "SELECT used_at FROM enrolments WHERE code_hash = $1",
                &[&code_hash],
            )?
            .map(|row| row.get(0));
        Ok(match used {
            None => Enrolment::Unknown,
            Some(Some(_)) => Enrolment::Used,
            Some(None) => Enrolment::Expired,
        })
    }

    fn device_by_id(&mut self, id: &str) -> Result<Option<(Device, String)>, ServerError> {
        let Some(row) = self.sql().query_opt(
            "SELECT user_name, role, scopes, token_hash FROM devices WHERE id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let device = Device::from_columns(id.to_string(), row.get(0), row.get(1), row.get(2))?;
        Ok(Some((device, row.get(3))))
    }

    fn document(&mut self, doc_id: &str) -> Result<Option<(Kind, String)>, ServerError> {
        let row = self.sql().query_opt(
            "SELECT kind, scope FROM log_documents WHERE doc_id = $1",
            &[&doc_id],
        )?;
        Ok(row.and_then(|row| {
            let kind: i16 = row.get(0);
            Kind::from_wire_code(kind as u8).map(|k| (k, row.get(1)))
        }))
    }

    fn append(&mut self, device: &str, changes: &[WireChange]) -> Result<usize, ServerError> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])?;
        let mut last: i64 = tx
            .query_one("SELECT coalesce(max(seq), 0) FROM log", &[])?
            .get(0);
        let insert = tx.prepare(
            "INSERT INTO log (seq, doc_id, kind, scope, hash, bytes, device, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hash) DO NOTHING",
        )?;
        let document = tx.prepare(
            "INSERT INTO log_documents (doc_id, kind, scope) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )?;
        let now = chrono::Utc::now().timestamp();
        let mut new = 0;
        for change in changes {
            let hash = daakhla_crdt::change_from_bytes(change.bytes.clone())
                .map_err(|e| ServerError::BadRequest(e.to_string()))?
                .hash();
            let doc_id = change.doc_id.to_string();
            let kind = i16::from(change.kind.wire_code());
            let inserted = tx.execute(
                &insert,
                &[
                    &(last + 1),
                    &doc_id,
                    &kind,
                    &change.scope,
                    &hash.0.as_slice(),
                    &change.bytes,
                    &device,
                    &now,
                ],
            )?;
            if inserted == 1 {
                last += 1;
                new += 1;
            }
            tx.execute(&document, &[&doc_id, &kind, &change.scope])?;
        }
        tx.commit()?;
        Ok(new)
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, ServerError> {
        Ok(self
            .sql()
            .query_opt("SELECT value FROM server_meta WHERE key = $1", &[&key])?
            .map(|row| row.get(0)))
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), ServerError> {
        self.sql().execute(
            "INSERT INTO server_meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn settings_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, String)>, ServerError> {
        let mut rows: Vec<(String, String)> = self
            .sql()
            .query(
                "SELECT key, value FROM server_meta WHERE starts_with(key, $1)",
                &[&prefix],
            )?
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        rows.sort();
        Ok(rows)
    }

    fn count_after(&mut self, after: u64, except: &str) -> Result<u64, ServerError> {
        let count: i64 = self
            .sql()
            .query_opt(
                "SELECT count(*) FROM log WHERE seq > $1 AND device <> $2",
                &[&(after as i64), &except],
            )?
            .map_or(0, |row| row.get(0));
        Ok(count as u64)
    }

    fn read(
        &mut self,
        after: u64,
        scopes: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<Logged>, ServerError> {
        let scopes: Option<Vec<&str>> = scopes.map(|s| s.iter().map(String::as_str).collect());
        let rows = self.sql().query(
            "SELECT seq, device, doc_id, kind, scope, bytes FROM log
              WHERE seq > $1 AND ($2::text[] IS NULL OR scope = ANY($2))
              ORDER BY seq LIMIT $3",
            &[&(after as i64), &scopes, &(limit as i64)],
        )?;
        rows.into_iter()
            .map(|row| {
                let doc_id: String = row.get(2);
                let kind: i16 = row.get(3);
                Ok(Logged {
                    seq: row.get::<_, i64>(0) as u64,
                    device: row.get(1),
                    change: WireChange {
                        doc_id: doc_id.parse().map_err(|_| {
                            ServerError::Internal(format!("bad id {doc_id} in the log"))
                        })?,
                        kind: Kind::from_wire_code(kind as u8).ok_or_else(|| {
                            ServerError::Internal(format!("bad kind {kind} in the log"))
                        })?,
                        scope: row.get(4),
                        bytes: row.get(5),
                    },
                })
            })
            .collect()
    }
}
