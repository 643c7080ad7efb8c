//! The device side of sync (docs/sync-protocol.md): send the local changes the server has not
//! acknowledged, in batches, then receive the changes after the device's cursor, in batches.
//! Each batch is acknowledged or applied in one transaction, so a sync cut at any point
//! resumes from the last acknowledged batch, and nothing is lost or doubled.

use daakhla_domain::Lang;
use daakhla_store::{IncomingChange, OutgoingChange, Store, StoreError};
use daakhla_wire::{Push, WireChange, WireError};
use serde::Serialize;
use std::time::Duration;

mod enrol;
pub mod pack;

pub use enrol::{Enrolled, WhoAmI, enrolment_link, parse_enrolment_link};

/// Changes sent per request: small enough for a slow link to finish one, large enough to
/// compress well.
pub const PUSH_BATCH: usize = 500;

/// Why a sync stopped. What was acknowledged or applied before stays; the next sync resumes.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server at {url} could not be reached: {why}")]
    Unreachable { url: String, why: String },
    #[error("the server refused ({status}): {message}")]
    Refused {
        status: u16,
        message: String,
        message_ur: String,
        /// The record the refusal is about, when it is about one.
        doc_id: Option<String>,
    },
    #[error("the server's answer could not be read: {0}")]
    Wire(#[from] WireError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("record {0} has no union council, so it cannot be sent")]
    NoScope(String),
}

impl SyncError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (SyncError::Unreachable { url, .. }, Lang::Ur) => {
                format!("سرور {url} سے رابطہ نہیں ہو سکا؛ انٹرنیٹ ملنے پر دوبارہ کوشش کریں")
            }
            (SyncError::Refused { message_ur, .. }, Lang::Ur) => {
                format!("سرور نے انکار کیا: {message_ur}")
            }
            (SyncError::Wire(e), Lang::Ur) => format!("سرور کا جواب پڑھا نہیں جا سکا: {e}"),
            (SyncError::Store(e), Lang::Ur) => e.message(Lang::Ur),
            (SyncError::NoScope(id), Lang::Ur) => {
                format!("ریکارڈ {id} کی یونین کونسل معلوم نہیں، اس لیے بھیجا نہیں جا سکتا")
            }
        }
    }
}

/// Where sync is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Sent { sent: u64, total: u64 },
    Received { received: u64 },
}

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub sent: u64,
    /// Changes this store did not have (its own, pulled back, are not counted).
    pub received: u64,
    /// Records rewritten from what was received.
    pub records: u64,
    /// Fields in conflict on this device after the sync, for a coordinator to review.
    pub conflicts: u64,
    /// Bytes of messages sent and received (compressed, without HTTP headers): mobile data is
    /// paid for by the worker.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Records the server refused from this device (outside its union councils...): kept
    /// here, not sent, listed by `Store::held_back` with the server's reason.
    pub held_back: u64,
}

/// How a device reaches a server. `Remote` speaks HTTP; tests wrap it to drop, repeat and
/// reorder messages.
pub trait Transport {
    /// Sends a push; returns the bytes it took on the wire.
    fn push(&self, push: Push) -> Result<u64, SyncError>;
    /// Asks for the changes after `after`; returns them and the bytes they took on the wire.
    fn pull(&self, after: u64) -> Result<(daakhla_wire::Pull, u64), SyncError>;
}

/// A server, as a device reaches it over HTTP.
pub struct Remote {
    url: String,
    token: String,
    http: reqwest::blocking::Client,
}

impl Remote {
    pub fn new(url: &str, token: &str) -> Remote {
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .build()
            .expect("an HTTP client");
        Remote {
            url: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http,
        }
    }

    /// The body of the server's answer to a GET of `path`, sent with this device's token.
    fn get(&self, path: &str) -> Result<Vec<u8>, SyncError> {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .map_err(|e| self.unreachable(e))?;
        let bytes = self
            .check(response)?
            .bytes()
            .map_err(|e| self.unreachable(e))?;
        // Without a copy: the body is held by nothing else.
        Ok(bytes.into())
    }

    fn unreachable(&self, e: reqwest::Error) -> SyncError {
        SyncError::Unreachable {
            url: self.url.clone(),
            why: e.to_string(),
        }
    }

    fn check(
        &self,
        response: reqwest::blocking::Response,
    ) -> Result<reqwest::blocking::Response, SyncError> {
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let body: serde_json::Value = response
            .bytes()
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let text = |key: &str| body[key].as_str().unwrap_or("no reason given").to_string();
        Err(SyncError::Refused {
            status,
            message: text("error"),
            message_ur: text("error_ur"),
            doc_id: body["doc_id"].as_str().map(str::to_string),
        })
    }
}

impl Transport for Remote {
    fn push(&self, push: Push) -> Result<u64, SyncError> {
        let body = daakhla_wire::encode_push(&push);
        let size = body.len() as u64;
        let response = self
            .http
            .post(format!("{}/v1/push", self.url))
            .bearer_auth(&self.token)
            .header("content-type", "application/x-daakhla-sync")
            .body(body)
            .send()
            .map_err(|e| self.unreachable(e))?;
        self.check(response)?;
        Ok(size)
    }

    fn pull(&self, after: u64) -> Result<(daakhla_wire::Pull, u64), SyncError> {
        let bytes = self.get(&format!("/v1/pull?after={after}"))?;
        Ok((daakhla_wire::decode_pull(&bytes)?, bytes.len() as u64))
    }
}

/// A local change as it travels; the error is the id of a record with no union council.
fn to_wire(change: OutgoingChange) -> Result<WireChange, String> {
    let (Some(scope), Ok(doc_id)) = (change.scope, change.doc_id.parse()) else {
        return Err(change.doc_id);
    };
    Ok(WireChange {
        doc_id,
        kind: change.kind,
        scope,
        bytes: change.bytes,
    })
}

/// Sends this device's new changes, then receives everyone else's.
pub fn sync(
    store: &mut Store,
    remote: &dyn Transport,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, SyncError> {
    let mut summary = Summary::default();
    let total = store.changes_waiting_to_push()?;
    loop {
        let batch = store.changes_to_push(PUSH_BATCH)?;
        let Some(last) = batch.last().map(|c| c.seq) else {
            break;
        };
        let changes = batch
            .into_iter()
            .map(|c| to_wire(c).map_err(SyncError::NoScope))
            .collect::<Result<Vec<_>, SyncError>>()?;
        let sent = changes.len() as u64;
        match remote.push(Push { changes }) {
            Ok(bytes) => summary.bytes_sent += bytes,
            // The server will not take this record from this device: keep its changes here,
            // marked with the reason for the coordinator, and send the others.
            Err(SyncError::Refused {
                doc_id: Some(doc_id),
                message,
                status,
                ..
            }) if status == 403 || status == 409 => {
                store.hold_back(&doc_id, &message)?;
                summary.held_back += 1;
                continue;
            }
            Err(e) => return Err(e),
        }
        store.mark_pushed(last)?;
        summary.sent += sent;
        progress(Progress::Sent {
            sent: summary.sent,
            total,
        });
    }
    loop {
        let after: u64 = store
            .pull_cursor()?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let (pull, size) = remote.pull(after)?;
        summary.bytes_received += size;
        let incoming: Vec<IncomingChange> = pull
            .changes
            .into_iter()
            .map(|c| IncomingChange {
                doc_id: c.doc_id.to_string(),
                kind: c.kind,
                bytes: c.bytes,
            })
            .collect();
        let received = store.receive(&incoming, Some(&pull.cursor.to_string()))?;
        summary.received += received.new_changes as u64;
        summary.records += received.records as u64;
        progress(Progress::Received {
            received: summary.received,
        });
        if !pull.more {
            break;
        }
    }
    summary.conflicts = store.conflicts()?.len() as u64;
    Ok(summary)
}
