//! The change log in PostgreSQL. PostgreSQL runs write transactions concurrently and a
//! sequence can commit out of order, so appends take a transaction-wide advisory lock and
//! number their changes from the highest position: a position is never committed after a
//! higher one, even with several servers on one database.

use super::Sql;
use crate::ServerError;
use crate::auth::{Device, DeviceEntry, Enrolment, Role, TokenOwner};
use crate::backend::{ChangeHash, ChangeLog, Documents, Logged, Quarantined, Unappliable};
use daakhla_wire::{Kind, WireChange};
use postgres::Statement;
use std::collections::{HashMap, HashSet};

/// The columns of the changes an append adds, as arrays bound in one statement.
#[derive(Default)]
struct NewRows {
    seq: Vec<i64>,
    doc_id: Vec<String>,
    kind: Vec<i16>,
    scope: Vec<String>,
    hash: Vec<Vec<u8>>,
    bytes: Vec<Vec<u8>>,
}

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

    fn device(&mut self, token_hash: &str) -> Result<TokenOwner, ServerError> {
        if let Some(row) = self.sql().query_opt(
            "SELECT id, user_name, role, scopes, revoked_at FROM devices WHERE token_hash = $1",
            &[&token_hash],
        )? {
            return match row.get::<_, Option<i64>>(4) {
                None => Ok(TokenOwner::Active(Device::from_columns(
                    row.get(0),
                    row.get(1),
                    row.get(2),
                    row.get(3),
                )?)),
                Some(at) => Ok(TokenOwner::Revoked {
                    device: row.get(0),
                    at,
                }),
            };
        }
        Ok(self
            .sql()
            .query_opt(
                "SELECT device, revoked_at FROM revoked_tokens WHERE token_hash = $1",
                &[&token_hash],
            )?
            .map_or(TokenOwner::Unknown, |row| TokenOwner::Revoked {
                device: row.get(0),
                at: row.get(1),
            }))
    }

    fn touch_device(&mut self, id: &str, now: i64) -> Result<(), ServerError> {
        self.sql().execute(
            "UPDATE devices SET last_seen = $2::bigint WHERE id = $1 AND (last_seen IS NULL OR last_seen < $2::bigint - 60)",
            &[&id, &now],
        )?;
        Ok(())
    }

    fn devices(&mut self) -> Result<Vec<DeviceEntry>, ServerError> {
        let mut devices = self
            .sql()
            .query(
                "SELECT id, user_name, role, scopes, created_at, last_seen, revoked_at FROM devices",
                &[],
            )?
            .into_iter()
            .map(|row| {
                Ok(DeviceEntry {
                    device: Device::from_columns(row.get(0), row.get(1), row.get(2), row.get(3))?,
                    created_at: row.get(4),
                    last_seen: row.get(5),
                    revoked_at: row.get(6),
                    hub: None,
                })
            })
            .collect::<Result<Vec<_>, ServerError>>()?;
        // In Rust, as SQLite orders them: PostgreSQL's collation may differ.
        devices.sort_by(|a, b| (&a.device.user, &a.device.id).cmp(&(&b.device.user, &b.device.id)));
        Ok(devices)
    }

    fn revoke_device(&mut self, id: &str, now: i64) -> Result<bool, ServerError> {
        self.sql().execute(
            "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &now],
        )?;
        Ok(self
            .sql()
            .query_opt("SELECT 1 FROM devices WHERE id = $1", &[&id])?
            .is_some())
    }

    fn replace_token(&mut self, id: &str, token_hash: &str, now: i64) -> Result<bool, ServerError> {
        let mut tx = self.client.transaction()?;
        // Locked, so two rotations at once cannot both keep a token.
        let old: Option<String> = tx
            .query_opt(
                "SELECT token_hash FROM devices WHERE id = $1 AND revoked_at IS NULL FOR UPDATE",
                &[&id],
            )?
            .map(|row| row.get(0));
        let Some(old) = old else {
            return Ok(false);
        };
        tx.execute(
            "INSERT INTO revoked_tokens (token_hash, device, revoked_at) VALUES ($1, $2, $3)",
            &[&old, &id, &now],
        )?;
        tx.execute(
            "UPDATE devices SET token_hash = $2 WHERE id = $1",
            &[&id, &token_hash],
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
        let mut tx = self.client.transaction()?;
        let upsert = tx.prepare(
            "INSERT INTO hub_revoked (hub, id, user_name, role, scopes, created_at, last_seen, revoked_at, reported_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (hub, id) DO UPDATE SET user_name = excluded.user_name, role = excluded.role,
               scopes = excluded.scopes, created_at = excluded.created_at, last_seen = excluded.last_seen,
               revoked_at = excluded.revoked_at, reported_at = excluded.reported_at",
        )?;
        for phone in phones {
            tx.execute(
                &upsert,
                &[
                    &hub,
                    &phone.device.id,
                    &phone.device.user,
                    &phone.device.role.code(),
                    &phone.device.scopes_json(),
                    &phone.created_at,
                    &phone.last_seen,
                    &phone.revoked_at.unwrap_or(now),
                    &now,
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn hub_revoked(&mut self) -> Result<Vec<(String, DeviceEntry)>, ServerError> {
        let mut phones = self
            .sql()
            .query(
                "SELECT hub, id, user_name, role, scopes, created_at, last_seen, revoked_at FROM hub_revoked",
                &[],
            )?
            .into_iter()
            .map(|row| {
                Ok((
                    row.get::<_, String>(0),
                    DeviceEntry {
                        device: Device::from_columns(
                            row.get(1),
                            row.get(2),
                            row.get(3),
                            row.get(4),
                        )?,
                        created_at: row.get(5),
                        last_seen: row.get(6),
                        revoked_at: Some(row.get(7)),
                        hub: None,
                    },
                ))
            })
            .collect::<Result<Vec<_>, ServerError>>()?;
        phones.sort_by(|(a_hub, a), (b_hub, b)| {
            (a_hub, &a.device.user, &a.device.id).cmp(&(b_hub, &b.device.user, &b.device.id))
        });
        Ok(phones)
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
                &serde_json::to_string(scopes)?,
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
            "SELECT user_name, role, scopes, token_hash FROM devices WHERE id = $1 AND revoked_at IS NULL",
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

    fn documents(&mut self, doc_ids: &[String]) -> Result<Documents, ServerError> {
        let rows = self.sql().query(
            "SELECT doc_id, kind, scope FROM log_documents WHERE doc_id = ANY($1)",
            &[&doc_ids],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let kind = Kind::from_wire_code(row.get::<_, i16>(1) as u8)?;
                Some((row.get(0), (kind, row.get(2))))
            })
            .collect())
    }

    /// In one transaction of a few round trips, whatever the push's size: the hashes the log
    /// has already, then the new changes and their documents as arrays.
    fn append(
        &mut self,
        device: &str,
        changes: &[WireChange],
        hashes: &[ChangeHash],
    ) -> Result<usize, ServerError> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK])?;
        let last: i64 = tx
            .query_one("SELECT coalesce(max(seq), 0) FROM log", &[])?
            .get(0);
        let all: Vec<&[u8]> = hashes.iter().map(|h| h.0.as_slice()).collect();
        let mut known: HashSet<Vec<u8>> = tx
            .query("SELECT hash FROM log WHERE hash = ANY($1)", &[&all])?
            .into_iter()
            .map(|row| row.get(0))
            .collect();
        let mut rows = NewRows::default();
        for (change, hash) in changes.iter().zip(hashes) {
            // A change sent twice in one push is logged once.
            if !known.insert(hash.0.to_vec()) {
                continue;
            }
            rows.seq.push(last + 1 + rows.seq.len() as i64);
            rows.doc_id.push(change.doc_id.to_string());
            rows.kind.push(i16::from(change.kind.wire_code()));
            rows.scope.push(change.scope.clone());
            rows.hash.push(hash.0.to_vec());
            rows.bytes.push(change.bytes.clone());
        }
        let new = rows.seq.len();
        if new > 0 {
            let now = chrono::Utc::now().timestamp();
            tx.execute(
                "INSERT INTO log (seq, doc_id, kind, scope, hash, bytes, device, received_at)
                 SELECT seq, doc_id, kind, scope, hash, bytes, $7, $8
                   FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::text[], $5::bytea[], $6::bytea[])
                     AS t(seq, doc_id, kind, scope, hash, bytes)",
                &[
                    &rows.seq,
                    &rows.doc_id,
                    &rows.kind,
                    &rows.scope,
                    &rows.hash,
                    &rows.bytes,
                    &device,
                    &now,
                ],
            )?;
            tx.execute(
                "INSERT INTO log_documents (doc_id, kind, scope)
                 SELECT DISTINCT ON (doc_id) doc_id, kind, scope
                   FROM unnest($1::text[], $2::smallint[], $3::text[]) AS t(doc_id, kind, scope)
                 ON CONFLICT DO NOTHING",
                &[&rows.doc_id, &rows.kind, &rows.scope],
            )?;
        }
        tx.commit()?;
        Ok(new)
    }

    fn end(&mut self) -> Result<u64, ServerError> {
        let end: i64 = self
            .sql()
            .query_opt("SELECT coalesce(max(seq), 0) FROM log", &[])?
            .map_or(0, |row| row.get(0));
        Ok(end as u64)
    }

    fn checked(&mut self) -> Result<u64, ServerError> {
        let through: i64 = self
            .sql()
            .query_opt("SELECT through FROM log_checked", &[])?
            .map_or(0, |row| row.get(0));
        Ok(through as u64)
    }

    fn hashes_between(&mut self, after: u64, through: u64) -> Result<Vec<ChangeHash>, ServerError> {
        let rows = self.sql().query(
            "SELECT hash FROM log WHERE seq > $1 AND seq <= $2 ORDER BY seq",
            &[&(after as i64), &(through as i64)],
        )?;
        rows.into_iter()
            .map(|row| {
                ChangeHash::try_from(row.get::<_, &[u8]>(0))
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
        let mut tx = self.client.transaction()?;
        let checked: i64 = tx
            .query_one("SELECT through FROM log_checked FOR UPDATE", &[])?
            .get(0);
        if checked != from as i64 {
            return Ok(false);
        }
        let hashes: Vec<&[u8]> = refused.iter().map(|r| r.hash.0.as_slice()).collect();
        let why: Vec<&str> = refused.iter().map(|r| r.why.as_str()).collect();
        if !refused.is_empty() {
            tx.execute(
                "INSERT INTO quarantine (hash, doc_id, kind, scope, bytes, device, received_at, why)
                 SELECT l.hash, l.doc_id, l.kind, l.scope, l.bytes, l.device, $3, r.why
                   FROM unnest($1::bytea[], $2::text[]) AS r(hash, why) JOIN log l ON l.hash = r.hash
                 ON CONFLICT (hash) DO NOTHING",
                &[&hashes, &why, &chrono::Utc::now().timestamp()],
            )?;
        }
        tx.execute("UPDATE log_checked SET through = $1", &[&(through as i64)])?;
        tx.commit()?;
        Ok(true)
    }

    fn quarantined(&mut self) -> Result<Vec<Quarantined>, ServerError> {
        let rows = self.sql().query(
            "SELECT doc_id, kind, scope, device, received_at, why FROM quarantine ORDER BY received_at, doc_id",
            &[],
        )?;
        rows.into_iter()
            .map(|row| {
                let kind: i16 = row.get(1);
                Ok(Quarantined {
                    doc_id: row.get(0),
                    kind: Kind::from_wire_code(kind as u8).ok_or_else(|| {
                        ServerError::Internal(format!("bad kind {kind} in the quarantine"))
                    })?,
                    scope: row.get(2),
                    device: row.get(3),
                    received_at: row.get(4),
                    why: row.get(5),
                })
            })
            .collect()
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
        through: u64,
        scopes: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<Logged>, ServerError> {
        let scopes: Option<Vec<&str>> = scopes.map(|s| s.iter().map(String::as_str).collect());
        let through = i64::try_from(through).unwrap_or(i64::MAX);
        let rows = self.sql().query(
            "SELECT seq, device, doc_id, kind, scope, bytes FROM log
              WHERE seq > $1 AND seq <= $4 AND ($2::text[] IS NULL OR scope = ANY($2))
                AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE q.hash = log.hash)
              ORDER BY seq LIMIT $3",
            &[&(after as i64), &scopes, &(limit as i64), &through],
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
