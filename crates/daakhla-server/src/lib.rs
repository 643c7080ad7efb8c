//! The central server. Devices push their changes and pull everyone else's in their union
//! councils over HTTP (see docs/sync-protocol.md). Every change lands once in an append-only
//! log; the records are materialised from the log into a Daakhla store, for reports.

mod auth;
mod error;
mod http;
mod log;
mod packs;

pub use auth::{Device, Role};
pub use error::ServerError;
pub use http::{Running, router, spawn};
pub use packs::{PackImported, PackWritten, ServerPackError};

use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::validation::Context;
use daakhla_store::{IncomingChange, Store};
use daakhla_wire::{Pull, Push};
use log::Log;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The most changes one pull returns.
pub const PULL_LIMIT: usize = 2_000;

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pushed {
    /// Changes in the request.
    pub received: usize,
    /// Of those, changes the server did not have yet.
    pub new: usize,
}

pub struct Server {
    log: Mutex<Log>,
    records: Mutex<Store>,
}

impl Server {
    /// Opens the server's data in `dir` (the change log and the records), creating them with
    /// the reference geography the first time.
    pub fn open(dir: &Path) -> Result<Server, ServerError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServerError::Internal(format!("{}: {e}", dir.display())))?;
        let log = Log::open(&dir.join("log.sqlite"))?;
        let records_path: PathBuf = dir.join("records.sqlite");
        let mut records = if records_path.exists() {
            Store::open(&records_path)?
        } else {
            let mut store = Store::create(&records_path)?;
            let reference: Geography =
                serde_json::from_str(daakhla_domain::geography::REFERENCE_JSON)
                    .map_err(|e| ServerError::Internal(e.to_string()))?;
            store.import_geography(&reference, &today())?;
            store
        };
        records.set_author("server");
        let server = Server {
            log: Mutex::new(log),
            records: Mutex::new(records),
        };
        server.materialise()?;
        Ok(server)
    }

    pub fn import_geography(&self, geo: &Geography) -> Result<usize, ServerError> {
        self.records
            .lock()
            .expect("records lock")
            .import_geography(geo, &today())
            .map_err(|e| match e {
                daakhla_store::StoreError::Invalid(v) => ServerError::BadRequest(v.to_string()),
                other => other.into(),
            })
    }

    /// Adds a device and returns its token, which is shown only this once.
    pub fn add_device(
        &self,
        user: &str,
        role: Role,
        scopes: &[String],
    ) -> Result<(Device, String), ServerError> {
        let token = auth::new_token();
        let device = self.log.lock().expect("log lock").add_device(
            &auth::hash_token(&token),
            user,
            role,
            scopes,
        )?;
        Ok((device, token))
    }

    /// The device a token belongs to.
    pub fn authenticate(&self, token: &str) -> Result<Device, ServerError> {
        self.log
            .lock()
            .expect("log lock")
            .device(&auth::hash_token(token))?
            .ok_or(ServerError::Unauthorized)
    }

    /// Takes a device's changes. Every change is checked first: one outside the device's union
    /// councils, or claiming a document is something it is not, refuses the whole push and
    /// nothing is logged. A change the log already has is taken again without effect.
    pub fn push(&self, device: &Device, push: &Push) -> Result<Pushed, ServerError> {
        let allowed = self.union_councils(device)?;
        let mut log = self.log.lock().expect("log lock");
        for change in &push.changes {
            let doc_id = change.doc_id.to_string();
            if let Some((kind, scope)) = log.document(&doc_id)?
                && (kind != change.kind || scope != change.scope)
            {
                return Err(ServerError::Mismatch {
                    doc_id,
                    known: format!("{kind:?}").to_lowercase(),
                    known_scope: scope,
                });
            }
            if allowed
                .as_ref()
                .is_some_and(|ucs| !ucs.contains(&change.scope))
            {
                return Err(ServerError::OutOfScope {
                    doc_id,
                    scope: change.scope.clone(),
                });
            }
        }
        let new = log.append(&device.id, &push.changes)?;
        drop(log);
        self.materialise()?;
        Ok(Pushed {
            received: push.changes.len(),
            new,
        })
    }

    /// The changes after `after` in the device's union councils, leaving out the device's own.
    pub fn pull(&self, device: &Device, after: u64, limit: usize) -> Result<Pull, ServerError> {
        let allowed = self.union_councils(device)?;
        let scopes: Option<Vec<String>> = allowed.map(|set| set.into_iter().collect());
        let limit = limit.clamp(1, PULL_LIMIT);
        let rows = self
            .log
            .lock()
            .expect("log lock")
            .read(after, scopes.as_deref(), limit + 1)?;
        let more = rows.len() > limit;
        let rows = &rows[..rows.len().min(limit)];
        let cursor = rows.last().map_or(after, |r| r.seq);
        let changes = rows
            .iter()
            .filter(|r| r.device != device.id)
            .map(|r| r.change.clone())
            .collect();
        Ok(Pull {
            cursor,
            more,
            changes,
        })
    }

    /// The union councils a device may see; none means all of them.
    fn union_councils(&self, device: &Device) -> Result<Option<BTreeSet<String>>, ServerError> {
        if device.scopes.iter().any(|s| s == "*") {
            return Ok(None);
        }
        let records = self.records.lock().expect("records lock");
        let mut ucs = BTreeSet::new();
        let mut frontier: Vec<String> = device.scopes.clone();
        while let Some(code) = frontier.pop() {
            match records.place(&code)? {
                Some(place) if place.level == Level::UnionCouncil => {
                    ucs.insert(code);
                }
                Some(place) if place.level != Level::Village => {
                    for level in [Level::District, Level::Tehsil, Level::UnionCouncil] {
                        frontier.extend(
                            records
                                .places(level, Some(&code))?
                                .into_iter()
                                .map(|p| p.code),
                        );
                    }
                }
                // A union council the server's geography does not list yet is still a scope.
                None => {
                    ucs.insert(code);
                }
                Some(_) => {}
            }
        }
        Ok(Some(ucs))
    }

    /// Brings the records up to the end of the log.
    pub fn materialise(&self) -> Result<(), ServerError> {
        let mut records = self.records.lock().expect("records lock");
        loop {
            let after: u64 = records
                .pull_cursor()?
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let rows = self
                .log
                .lock()
                .expect("log lock")
                .read(after, None, PULL_LIMIT)?;
            let Some(last) = rows.last().map(|r| r.seq) else {
                return Ok(());
            };
            let incoming: Vec<IncomingChange> = rows
                .into_iter()
                .map(|r| IncomingChange {
                    doc_id: r.change.doc_id.to_string(),
                    kind: r.change.kind,
                    bytes: r.change.bytes,
                })
                .collect();
            records.receive(&incoming, Some(&last.to_string()))?;
        }
    }

    /// Runs `read` on the materialised records (for reports and tests).
    pub fn with_records<T>(&self, read: impl FnOnce(&Store) -> T) -> T {
        read(&self.records.lock().expect("records lock"))
    }
}

fn today() -> Context {
    Context {
        today: chrono::Utc::now().date_naive(),
    }
}
