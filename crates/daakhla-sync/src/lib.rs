//! The device side of sync (docs/sync-protocol.md): send the local changes the server has not
//! acknowledged, in batches, then receive the changes after the device's cursor, in batches.
//! Each batch is acknowledged or applied in one transaction, so a sync cut at any point
//! resumes from the last acknowledged batch, and nothing is lost or doubled.

use daakhla_domain::Lang;
use daakhla_domain::geography::Geography;
use daakhla_store::{IncomingChange, OutgoingChange, Store, StoreError};
use daakhla_wire::{Push, WireChange, WireError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod enrol;
pub mod pack;
pub mod tls;

pub use enrol::{
    Enrolled, EnrolmentLink, RevokedPhone, WhoAmI, enrolment_link, parse_enrolment_link,
};
pub use tls::{Trust, fingerprint, normalise_fingerprint};

/// The store settings a device keeps its server in (the command line and the app share them).
pub const SERVER_KEY: &str = "server_url";
pub const TOKEN_KEY: &str = "server_token";
/// The server's pinned certificate fingerprint, kept at enrolment from a hub's link.
pub const FINGERPRINT_KEY: &str = "server_fingerprint";
/// PEM certificates of an operator's certificate authority, kept at enrolment.
pub const CA_PEM_KEY: &str = "server_ca_pem";
/// Which union councils' places the server was sent, each with a digest of what was sent.
pub const PLACES_SENT_KEY: &str = "server_places_sent";
/// "1" allows plain `http://` to a public address (set on purpose, never by enrolment).
pub const PLAIN_HTTP_KEY: &str = "server_allow_plain_http";

/// How this store trusts its server: the pin and CA kept at enrolment, and whether plain HTTP
/// was allowed on purpose.
pub fn stored_trust(store: &Store) -> Result<Trust, StoreError> {
    let text = |key: &str| -> Result<Option<String>, StoreError> {
        Ok(store.setting(key)?.filter(|v| !v.trim().is_empty()))
    };
    Ok(Trust {
        ca_pem: text(CA_PEM_KEY)?,
        fingerprint: text(FINGERPRINT_KEY)?,
        insecure: text(PLAIN_HTTP_KEY)?.as_deref() == Some("1"),
    })
}

/// Sets the server a store syncs with. A pinned fingerprint belongs to one server: a different
/// address forgets it (a CA stays: it may vouch for the new one too).
pub fn set_server(store: &mut Store, url: &str) -> Result<(), StoreError> {
    let url = url.trim();
    if store.setting(SERVER_KEY)?.as_deref() != Some(url) {
        store.set_setting(FINGERPRINT_KEY, "")?;
    }
    store.set_setting(SERVER_KEY, url)
}

/// Keeps the pin and the CA a device enrolled with (none clears them: a new server is trusted
/// as it was enrolled, not as the last one was). Whether plain HTTP is allowed is not kept.
pub fn remember_trust(store: &mut Store, trust: &Trust) -> Result<(), StoreError> {
    store.set_setting(
        FINGERPRINT_KEY,
        trust.fingerprint.as_deref().unwrap_or_default(),
    )?;
    store.set_setting(CA_PEM_KEY, trust.ca_pem.as_deref().unwrap_or_default())
}

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
    #[error(
        "refusing plain http:// to {url}: {host} is neither this machine nor a private (office) network, so anyone on the way could read and change the token and the records. Nothing was sent. Use the server's https:// address, or allow plain HTTP on purpose if the link is trusted (`--insecure` on the command line)"
    )]
    PlainHttp { url: String, host: String },
    #[error(
        "the server at {url} is not the one this phone was enrolled with: its certificate's fingerprint is {found}, not {expected}. Nothing was sent. If the hub was set up anew, enrol this phone again from its new QR code; otherwise tell your coordinator"
    )]
    WrongServer {
        url: String,
        expected: String,
        found: String,
    },
    #[error("the server at {url} cannot be trusted as set up: {why}")]
    Trust { url: String, why: String },
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
            (SyncError::PlainHttp { url, host }, Lang::Ur) => format!(
                "{url} سے سادہ \"http://\" پر رابطہ نہیں کیا گیا: \"{host}\" نہ یہ مشین ہے نہ کوئی نجی (دفتر کا) نیٹ ورک، اس لیے راستے میں کوئی بھی ٹوکن اور ریکارڈ پڑھ اور بدل سکتا ہے۔ کچھ نہیں بھیجا گیا۔ سرور کا \"https://\" پتہ استعمال کریں، یا اگر راستہ محفوظ ہو تو جان بوجھ کر سادہ HTTP کی اجازت دیں (کمانڈ لائن پر \"--insecure\")"
            ),
            (
                SyncError::WrongServer {
                    url,
                    expected,
                    found,
                },
                Lang::Ur,
            ) => format!(
                "{url} پر موجود سرور وہ نہیں جس کے ساتھ یہ فون رجسٹر ہوا تھا: اس کے سرٹیفکیٹ کا فنگر پرنٹ {found} ہے، {expected} نہیں۔ کچھ نہیں بھیجا گیا۔ اگر ہب نئے سرے سے لگایا گیا ہے تو اس کے نئے QR کوڈ سے یہ فون دوبارہ رجسٹر کریں؛ ورنہ اپنے کوآرڈینیٹر کو بتائیں"
            ),
            (SyncError::Trust { url, why }, Lang::Ur) => {
                format!("{url} کے سرور پر موجودہ ترتیب سے بھروسا نہیں کیا جا سکتا: {why}")
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
    /// Places sent to the server (union councils, tehsils, villages it was not sent before).
    pub places_sent: u64,
    /// The server's reason, when it would not take this device's places.
    pub places_refused: Option<String>,
}

/// How a device reaches a server. `Remote` speaks HTTP; tests wrap it to drop, repeat and
/// reorder messages.
pub trait Transport {
    /// Sends a push; returns the bytes it took on the wire.
    fn push(&self, push: Push) -> Result<u64, SyncError>;
    /// Sends the places the next pushes' records lie in (`POST /v1/places`); returns the bytes
    /// it took on the wire.
    fn send_places(&self, places: &Geography) -> Result<u64, SyncError>;
    /// Asks for the changes after `after`; returns them and the bytes they took on the wire.
    fn pull(&self, after: u64) -> Result<(daakhla_wire::Pull, u64), SyncError>;

    /// A hub tells its central server which of its phones it revoked
    /// (`POST /v1/hub/revoked`). A link that cannot carry it says so, and the hub tries again
    /// at its next round.
    fn report_revoked(&self, phones: &[RevokedPhone]) -> Result<(), SyncError> {
        let _ = phones;
        Err(SyncError::Unreachable {
            url: String::new(),
            why: "this link does not carry revocations".into(),
        })
    }
}

/// A server, as a device reaches it over HTTPS (or plain HTTP on loopback and private
/// networks, or where allowed on purpose).
pub struct Remote {
    url: String,
    token: String,
    http: reqwest::blocking::Client,
    /// The host of a plain `http://` address that is not local: every request is refused
    /// before anything is sent.
    plain_http_to: Option<String>,
    /// The pinned fingerprint, and what the pin saw when it refused a certificate.
    pin: Option<(String, Arc<Mutex<Option<String>>>)>,
}

impl Remote {
    /// A server trusted by the web's certificate authorities (or reached over plain HTTP on
    /// this machine or a private network).
    pub fn new(url: &str, token: &str) -> Remote {
        Remote::with_trust(url, token, &Trust::default())
            .expect("the default trust needs no file and no fingerprint")
    }

    /// A server trusted as `trust` says: an operator's CA besides the web's, or one pinned
    /// certificate. Fails on a CA that holds no certificate or a fingerprint that is not one.
    pub fn with_trust(url: &str, token: &str, trust: &Trust) -> Result<Remote, SyncError> {
        let url = url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&url).ok();
        let scheme = parsed.as_ref().map(|u| u.scheme().to_string());
        let host = parsed
            .as_ref()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        if trust.fingerprint.is_some() && scheme.as_deref() != Some("https") {
            return Err(SyncError::Trust {
                url,
                why: "a server pinned by its certificate's fingerprint is reached at its https:// address only".into(),
            });
        }
        let plain_http_to =
            (scheme.as_deref() == Some("http") && !trust.insecure && !tls::is_local_host(&host))
                .then_some(host);
        let tls = tls::client_tls(&url, trust)?;
        let pin = match (&trust.fingerprint, tls.refused) {
            (Some(pin), Some(seen)) => Some((
                tls::normalise_fingerprint(pin).unwrap_or_else(|| pin.clone()),
                seen,
            )),
            _ => None,
        };
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(Duration::from_secs(120))
            .use_preconfigured_tls(tls.config)
            // A Daakhla server never redirects: a redirect could lead to plain HTTP elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(pin.is_some())
            .build()
            .map_err(|e| SyncError::Trust {
                url: url.clone(),
                why: e.to_string(),
            })?;
        Ok(Remote {
            url,
            token: token.to_string(),
            http,
            plain_http_to,
            pin,
        })
    }

    /// The server's address, as requests go to it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Refuses before anything is sent when the address is plain HTTP beyond this network.
    fn ready(&self) -> Result<(), SyncError> {
        match &self.plain_http_to {
            Some(host) => Err(SyncError::PlainHttp {
                url: self.url.clone(),
                host: host.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The body of the server's answer to a GET of `path`, sent with this device's token.
    fn get(&self, path: &str) -> Result<Vec<u8>, SyncError> {
        self.ready()?;
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

    /// A request that failed: the pin refusing the server's certificate, or the network.
    fn unreachable(&self, e: reqwest::Error) -> SyncError {
        if let Some((expected, seen)) = &self.pin
            && let Some(found) = seen.lock().unwrap_or_else(|e| e.into_inner()).take()
        {
            return SyncError::WrongServer {
                url: self.url.clone(),
                expected: expected.clone(),
                found,
            };
        }
        // reqwest's own sentence is "error sending request": the reason is in its sources.
        let mut why = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            why.push_str(": ");
            why.push_str(&cause.to_string());
            source = cause.source();
        }
        SyncError::Unreachable {
            url: self.url.clone(),
            why,
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
        self.ready()?;
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

    fn send_places(&self, places: &Geography) -> Result<u64, SyncError> {
        self.ready()?;
        let body = serde_json::to_vec(places).expect("a geography serialises");
        let size = body.len() as u64;
        let response = self
            .http
            .post(format!("{}/v1/places", self.url))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
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

    fn report_revoked(&self, phones: &[RevokedPhone]) -> Result<(), SyncError> {
        self.ready()?;
        let body = serde_json::json!({ "revoked": phones }).to_string();
        let response = self
            .http
            .post(format!("{}/v1/hub/revoked", self.url))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .map_err(|e| self.unreachable(e))?;
        self.check(response)?;
        Ok(())
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

/// Sends the server the places (union council, its tehsil and villages) this store records in
/// that it was not sent as they are now, so it can show their records in its reports. A refusal
/// (places outside the device's scope...) does not stop the records: they go, and the
/// server's dashboard says they sit in places it does not know.
fn send_places(
    store: &mut Store,
    remote: &dyn Transport,
    summary: &mut Summary,
) -> Result<(), SyncError> {
    let mut sent: BTreeMap<String, String> = store
        .setting(PLACES_SENT_KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let ucs = store.union_councils_recorded_in()?;
    // One union council at a time: a refusal of one (outside this device's scope) keeps
    // none of the others from the server.
    for uc in ucs {
        let places = store.geography_of_union_councils(std::slice::from_ref(&uc))?;
        if places.union_councils.is_empty() {
            continue;
        }
        let digest = places_digest(&places);
        if sent.get(&uc) == Some(&digest) {
            continue;
        }
        match remote.send_places(&places) {
            Ok(bytes) => {
                summary.bytes_sent += bytes;
                summary.places_sent += places.places().count() as u64;
                sent.insert(uc, digest);
                let text = serde_json::to_string(&sent).expect("strings serialise");
                store.set_setting(PLACES_SENT_KEY, &text)?;
            }
            Err(SyncError::Refused { message, .. }) => summary.places_refused = Some(message),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn places_digest(places: &Geography) -> String {
    use sha2::Digest;
    let bytes = serde_json::to_vec(places).expect("a geography serialises");
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Sends this device's new changes, then receives everyone else's.
pub fn sync(
    store: &mut Store,
    remote: &dyn Transport,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, SyncError> {
    let mut summary = Summary::default();
    send_places(store, remote, &mut summary)?;
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
                status: 400 | 403 | 409,
                ..
            }) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_beyond_this_network_is_refused_unless_allowed_on_purpose() {
        let refused = Remote::new("http://203.0.113.7:8080/", "t");
        assert!(matches!(
            refused.ready(),
            Err(SyncError::PlainHttp { host, .. }) if host == "203.0.113.7"
        ));
        let allowed = Remote::with_trust(
            "http://203.0.113.7:8080",
            "t",
            &Trust {
                insecure: true,
                ..Trust::default()
            },
        )
        .unwrap();
        assert!(allowed.ready().is_ok());
        for fine in [
            "http://127.0.0.1:8080",
            "http://192.168.1.5:8080",
            "http://[::1]:8080",
            "https://central.example.org",
        ] {
            assert!(Remote::new(fine, "t").ready().is_ok(), "{fine}");
        }
    }
}
