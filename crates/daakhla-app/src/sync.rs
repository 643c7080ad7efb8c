//! Sync with the server from the app: the address and token are remembered, progress can be
//! read while a sync runs, and the last result is kept for the home screen.

use crate::error::{AppError, ErrorKind};
use crate::outbox::{HeldBackNotice, RecordCounts};
use crate::settings::{LAST_SYNC_KEY, SERVER_KEY, TOKEN_KEY};
use crate::setup::{ENROLLED_ROLE_KEY, ENROLLED_SCOPES_KEY, ENROLLED_USER_KEY};
use crate::{App, NoInput};
use daakhla_store::RecordKind;
use daakhla_sync::{Progress, Remote, SyncError, Transport};
use daakhla_wire::Push;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncRequest {
    /// Remembered after the first time: leave null to use the last ones.
    pub server_url: Option<String>,
    pub token: Option<String>,
}

/// Enrols this device: the code from the coordinator, or the whole link a hub's QR code
/// carries (which names the server too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct EnrolRequest {
    pub server_url: Option<String>,
    pub code: String,
}

/// Who the server enrolled this device as, and where it may work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Enrolment {
    pub server_url: String,
    /// Empty when the device was given its token some other way (settings, the command line).
    pub user: String,
    pub places: Vec<EnrolledPlace>,
}

/// A place the device is enrolled for, named when this store knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EnrolledPlace {
    pub code: String,
    pub en: String,
    pub ur: String,
}

/// What the last sync did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncResult {
    /// When it finished, RFC 3339 in UTC.
    pub at: String,
    /// For coordinators and scripts; the screens of a resource person never show it.
    pub server_url: String,
    /// Changes, as the protocol counts them.
    pub sent: u32,
    pub received: u32,
    pub records_updated: u32,
    pub conflicts: u32,
    pub held_back: u32,
    pub kilobytes: u32,
    /// What a person counts: the records sent and received.
    #[serde(default)]
    pub sent_records: RecordCounts,
    #[serde(default)]
    pub received_records: RecordCounts,
    /// Households (or schools) the server would not take from this phone, each named.
    #[serde(default)]
    pub held_back_records: Vec<HeldBackNotice>,
}

/// Where a running sync is; `running` is false between syncs. Counts are records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
pub struct SyncProgress {
    pub running: bool,
    pub stage: SyncStage,
    /// Changes, as the protocol counts them.
    pub sent: u32,
    pub to_send: u32,
    pub received: u32,
    pub records_sent: u32,
    pub records_to_send: u32,
    pub records_received: u32,
    /// How long a request may go unanswered before the sync gives up.
    pub timeout_seconds: u32,
    /// Cancel was pressed; the sync stops at once and keeps what it finished.
    pub cancelling: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncStage {
    #[default]
    Idle,
    /// Waiting for the server's first answer.
    Connecting,
    Sending,
    Receiving,
}

/// A request the server has not answered in this long is given up: on a phone in a village,
/// waiting longer only drains the battery.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

/// Why a guarded sync stopped before the server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    Cancelled,
    TimedOut,
}

/// The server as sync reaches it from the app: each request runs on its own thread and is
/// given up when it takes longer than the timeout or cancel is pressed. What a request given
/// up did on the server is harmless: the store moves only on answers it got (a push sent again
/// is taken once, by its hashes; a pull not applied is fetched again).
struct Guarded<'a> {
    remote: Arc<Remote>,
    url: String,
    app: &'a App,
    timeout: Duration,
    stopped: Cell<Option<Stopped>>,
    /// Records acknowledged, and records received, this sync.
    sent: RefCell<Vec<(String, RecordKind)>>,
    received: RefCell<Vec<(String, RecordKind)>>,
}

impl Guarded<'_> {
    fn run<T: Send + 'static>(
        &self,
        request: impl FnOnce(&Remote) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let (answer, answered) = mpsc::channel();
        let remote = Arc::clone(&self.remote);
        std::thread::spawn(move || {
            // Nobody may be listening any more: a request given up.
            let _ = answer.send(request(&remote));
        });
        let deadline = Instant::now() + self.timeout;
        loop {
            if self.app.cancel.load(Ordering::SeqCst) {
                return Err(self.stop(Stopped::Cancelled));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(self.stop(Stopped::TimedOut));
            }
            match answered.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
                Ok(result) => return result,
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(SyncError::Unreachable {
                        url: self.url.clone(),
                        why: "the request stopped".into(),
                    });
                }
            }
        }
    }

    fn stop(&self, why: Stopped) -> SyncError {
        self.stopped.set(Some(why));
        SyncError::Unreachable {
            url: self.url.clone(),
            why: match why {
                Stopped::Cancelled => "cancelled".into(),
                Stopped::TimedOut => format!("no answer in {} s", self.timeout.as_secs()),
            },
        }
    }
}

impl Transport for Guarded<'_> {
    fn push(&self, push: Push) -> Result<u64, SyncError> {
        let records: Vec<(String, RecordKind)> = push
            .changes
            .iter()
            .map(|c| (c.doc_id.to_string(), c.kind))
            .collect();
        let bytes = self.run(move |remote| remote.push(push))?;
        let mut sent = self.sent.borrow_mut();
        sent.extend(records);
        let mut progress = self.app.progress();
        progress.stage = SyncStage::Sending;
        progress.records_sent = small(distinct(&sent) as u64);
        Ok(bytes)
    }

    fn send_places(&self, places: &daakhla_domain::geography::Geography) -> Result<u64, SyncError> {
        let places = places.clone();
        self.run(move |remote| remote.send_places(&places))
    }

    fn pull(&self, after: u64) -> Result<(daakhla_wire::Pull, u64), SyncError> {
        let pulled = self.run(move |remote| remote.pull(after))?;
        let mut received = self.received.borrow_mut();
        received.extend(
            pulled
                .0
                .changes
                .iter()
                .map(|c| (c.doc_id.to_string(), c.kind)),
        );
        let sent = self.sent.borrow();
        let mine: HashSet<&str> = sent.iter().map(|(id, _)| id.as_str()).collect();
        let theirs: HashSet<&str> = received
            .iter()
            .map(|(id, _)| id.as_str())
            .filter(|id| !mine.contains(id))
            .collect();
        let mut progress = self.app.progress();
        progress.stage = SyncStage::Receiving;
        progress.records_received = small(theirs.len() as u64);
        Ok(pulled)
    }
}

fn distinct(records: &[(String, RecordKind)]) -> usize {
    records
        .iter()
        .map(|(id, _)| id)
        .collect::<HashSet<_>>()
        .len()
}

/// The server the store's pull cursor counts positions of.
const CURSOR_SERVER_KEY: &str = "app_pull_cursor_server";
const PULL_CURSOR_KEY: &str = "pull_cursor";

/// The server the pull cursor belongs to: the one last synced with, or else the one set.
fn cursor_owner(store: &daakhla_store::Store) -> Result<Option<String>, AppError> {
    Ok(match store.setting(CURSOR_SERVER_KEY)? {
        Some(owner) => Some(owner),
        None => store.setting(SERVER_KEY)?,
    })
}

/// Each server numbers its log its own way: a laptop switching between the central server and
/// its own hub keeps a pull cursor for each, so it neither skips nor refetches a whole log.
fn use_cursor_of(
    store: &mut daakhla_store::Store,
    owner: Option<&str>,
    url: &str,
) -> Result<(), AppError> {
    if owner == Some(url) {
        return Ok(());
    }
    if let (Some(owner), Some(cursor)) = (owner, store.pull_cursor()?) {
        store.set_setting(&format!("{PULL_CURSOR_KEY}@{owner}"), &cursor)?;
    }
    let cursor = store
        .setting(&format!("{PULL_CURSOR_KEY}@{url}"))?
        .unwrap_or_else(|| "0".into());
    store.set_setting(PULL_CURSOR_KEY, &cursor)?;
    store.set_setting(CURSOR_SERVER_KEY, url)?;
    Ok(())
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl App {
    /// Syncs with the server; when this laptop runs as a hub, with its hub, then a relay
    /// round to the central server, then with the hub again for what the round brought.
    pub fn sync(&self, request: SyncRequest) -> Result<SyncResult, AppError> {
        let hub = self.running_hub().as_ref().map(|hub| hub.local());
        let mut store = self.store();
        let cursor_owner = cursor_owner(&store)?;
        if let Some(url) = request
            .server_url
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            daakhla_sync::set_server(&mut store, url)?;
        }
        if let Some(token) = request
            .token
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            store.set_setting(TOKEN_KEY, token)?;
        }
        let (url, token, trust) = match hub {
            Some(local) => local,
            None => {
                let (Some(url), Some(token)) =
                    (store.setting(SERVER_KEY)?, store.setting(TOKEN_KEY)?)
                else {
                    return Err(AppError::new(
                        ErrorKind::NotEnrolled,
                        "Give the server's address and this device's token first.",
                        "پہلے سرور کا پتہ اور اس ڈیوائس کا ٹوکن درج کریں۔",
                    ));
                };
                (url, token, daakhla_sync::stored_trust(&store)?)
            }
        };
        use_cursor_of(&mut store, cursor_owner.as_deref(), &url)?;
        let before = crate::outbox::unsent(&store)?;
        *self.progress() = SyncProgress {
            running: true,
            stage: SyncStage::Connecting,
            records_to_send: crate::outbox::waiting(&before).total(),
            timeout_seconds: small(self.sync_timeout().as_secs()),
            ..SyncProgress::default()
        };
        self.cancel.store(false, Ordering::SeqCst);
        let guarded = Guarded {
            remote: Arc::new(Remote::with_trust(&url, &token, &trust)?),
            url: url.clone(),
            app: self,
            timeout: self.sync_timeout(),
            stopped: Cell::new(None),
            sent: RefCell::new(Vec::new()),
            received: RefCell::new(Vec::new()),
        };
        let outcome = (|| {
            let mut summary = self.sync_once(&mut store, &guarded)?;
            if self.running_hub().is_some() {
                drop(store);
                self.relay_if_hub();
                store = self.store();
                let after = self.sync_once(&mut store, &guarded)?;
                summary.received += after.received;
                summary.records += after.records;
                summary.conflicts = after.conflicts;
                summary.bytes_sent += after.bytes_sent;
                summary.bytes_received += after.bytes_received;
            }
            Ok::<_, SyncError>((summary, store))
        })();
        *self.progress() = SyncProgress::default();
        let (summary, store) = match outcome {
            Ok(done) => done,
            Err(e) => return Err(self.sync_failed(e, guarded.stopped.get())),
        };
        let sent = guarded.sent.into_inner();
        let mine: HashSet<&str> = sent.iter().map(|(id, _)| id.as_str()).collect();
        let received = guarded.received.into_inner();
        let unsent = crate::outbox::unsent(&store)?;
        let result = SyncResult {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            server_url: url,
            sent: small(summary.sent),
            received: small(summary.received),
            records_updated: small(summary.records),
            conflicts: small(summary.conflicts),
            held_back: small(summary.held_back),
            kilobytes: small((summary.bytes_sent + summary.bytes_received).div_ceil(1024)),
            sent_records: RecordCounts::of(sent.iter().map(|(id, kind)| (id.as_str(), *kind))),
            received_records: RecordCounts::of(
                received
                    .iter()
                    .filter(|(id, _)| !mine.contains(id.as_str()))
                    .map(|(id, kind)| (id.as_str(), *kind)),
            ),
            held_back_records: crate::outbox::held_back_notices(&store, &unsent)?,
        };
        let text = serde_json::to_string(&result).expect("a sync result serialises");
        let mut store = store;
        store.set_setting(LAST_SYNC_KEY, &text)?;
        Ok(result)
    }

    fn sync_once(
        &self,
        store: &mut daakhla_store::Store,
        remote: &Guarded<'_>,
    ) -> Result<daakhla_sync::Summary, SyncError> {
        daakhla_sync::sync(store, remote, &mut |p| {
            let mut progress = self.progress();
            match p {
                Progress::Sent { sent, total } => {
                    progress.sent = small(sent);
                    progress.to_send = small(total);
                }
                Progress::Received { received } => progress.received = small(received),
            }
        })
    }

    /// A sync that could not finish, said so that a worker knows their records are safe: no
    /// server address, and what stays on this phone in records.
    fn sync_failed(&self, e: SyncError, stopped: Option<Stopped>) -> AppError {
        if stopped.is_none() && !matches!(e, SyncError::Unreachable { .. }) {
            return e.into();
        }
        let safe = match self.store().unsent_records() {
            Ok(records) => crate::outbox::on_this_phone_only(&records),
            Err(e) => return e.into(),
        };
        let (en_safe, ur_safe) = if safe.is_empty() {
            (
                "nothing is waiting to be sent".to_string(),
                "بھیجنے کے لیے کچھ باقی نہیں".to_string(),
            )
        } else {
            // One record is, several are; in Urdu a visit and a need are feminine.
            let one = safe.total() == 1;
            let (your, are) = match (one, safe.visits + safe.needs == 1) {
                (true, true) => ("آپ کی", "ہے"),
                (true, false) => ("آپ کا", "ہے"),
                _ => ("آپ کے", "ہیں"),
            };
            (
                format!(
                    "your {} {} safe on this phone",
                    safe.en,
                    if one { "is" } else { "are" }
                ),
                format!("{your} {} اس فون پر محفوظ {are}", safe.ur),
            )
        };
        match stopped {
            Some(Stopped::Cancelled) => AppError::new(
                ErrorKind::Sync,
                format!("Sync stopped – {en_safe}. Sync again when you are ready."),
                format!("ہم آہنگی روک دی گئی – {ur_safe}۔ جب چاہیں دوبارہ ہم آہنگ کریں۔"),
            ),
            Some(Stopped::TimedOut) => AppError::new(
                ErrorKind::Sync,
                format!(
                    "No answer from the office in {} seconds – {en_safe}. Try again where the signal is better.",
                    self.sync_timeout().as_secs()
                ),
                format!(
                    "دفتر سے {} سیکنڈ میں کوئی جواب نہیں آیا – {ur_safe}۔ بہتر سگنل والی جگہ پر دوبارہ کوشش کریں۔",
                    self.sync_timeout().as_secs()
                ),
            ),
            None => AppError::new(
                ErrorKind::Sync,
                format!("No connection – {en_safe}. Sync again when you have signal."),
                format!("رابطہ نہیں ہو سکا – {ur_safe}۔ سگنل ملنے پر دوبارہ ہم آہنگ کریں۔"),
            ),
        }
    }

    /// Stops a running sync at once: what it finished stays, the rest waits for the next.
    pub fn cancel_sync(&self, _: NoInput) -> Result<SyncProgress, AppError> {
        let mut progress = self.progress();
        if progress.running {
            self.cancel.store(true, Ordering::SeqCst);
            progress.cancelling = true;
        }
        Ok(*progress)
    }

    /// Exchanges an enrolment code for this device's token and remembers the server and the
    /// token, so that sync needs nothing more.
    pub fn enrol(&self, request: EnrolRequest) -> Result<Enrolment, AppError> {
        let code = request.code.trim();
        let (server, code, fingerprint) = match daakhla_sync::parse_enrolment_link(code) {
            Some(link) => (link.server, link.code, link.fingerprint),
            None => match request.server_url.as_deref().map(str::trim) {
                Some(server) if !server.is_empty() => (server.to_string(), code.to_string(), None),
                _ => {
                    return Err(AppError::new(
                        ErrorKind::NotEnrolled,
                        "Give the server's address with the code, or the whole link from the hub's QR code.",
                        "کوڈ کے ساتھ سرور کا پتہ دیں، یا ہب کے QR کوڈ کا پورا لنک۔",
                    ));
                }
            },
        };
        // The pin comes with the hub's link; an operator's CA from `DAAKHLA_CA_FILE`, else
        // the one kept before; plain HTTP beyond this network only as set on purpose.
        let kept = daakhla_sync::stored_trust(&self.store())?;
        let ca_pem = match std::env::var_os("DAAKHLA_CA_FILE") {
            Some(file) => Some(std::fs::read_to_string(&file).map_err(|e| {
                AppError::new(
                    ErrorKind::Sync,
                    format!(
                        "The certificate authority file {}: {e}",
                        file.to_string_lossy()
                    ),
                    format!(
                        "سرٹیفکیٹ اتھارٹی کی فائل \"{}\" پڑھی نہیں جا سکی: {e}",
                        file.to_string_lossy()
                    ),
                )
            })?),
            None => kept.ca_pem,
        };
        let trust = daakhla_sync::Trust {
            ca_pem,
            fingerprint,
            insecure: kept.insecure,
        };
        let enrolled = Remote::enrol_with(&server, &code, &trust)?;
        // Who the token is for decides what the screens show (a resource person never sees
        // the server's address); a server that cannot say leaves the role unknown, hidden.
        let pinned = daakhla_sync::Trust {
            fingerprint: enrolled.fingerprint.clone(),
            ..trust.clone()
        };
        let role = Remote::with_trust(&enrolled.server, &enrolled.token, &pinned)
            .and_then(|remote| remote.whoami())
            .map(|me| me.role)
            .unwrap_or_else(|_| crate::settings::RESOURCE_PERSON.into());
        let mut store = self.store();
        store.set_setting(ENROLLED_ROLE_KEY, &role)?;
        store.set_setting(SERVER_KEY, &enrolled.server)?;
        store.set_setting(TOKEN_KEY, &enrolled.token)?;
        daakhla_sync::remember_trust(
            &mut store,
            &daakhla_sync::Trust {
                fingerprint: enrolled.fingerprint.clone(),
                ..trust
            },
        )?;
        store.set_setting(ENROLLED_USER_KEY, &enrolled.user)?;
        let scopes = serde_json::to_string(&enrolled.scopes).expect("codes serialise");
        store.set_setting(ENROLLED_SCOPES_KEY, &scopes)?;
        crate::settings::refresh_author(&mut store)?;
        Ok(crate::setup::enrolment(&store)?.expect("a server and a token were just kept"))
    }

    pub fn sync_progress(&self, _: NoInput) -> Result<SyncProgress, AppError> {
        Ok(*self.progress())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_keeps_its_own_pull_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = daakhla_store::Store::create(dir.path().join("s.sqlite")).unwrap();
        let (central, hub) = ("http://central", "http://127.0.0.1:8080");
        store.set_setting(SERVER_KEY, central).unwrap();
        store.set_setting(PULL_CURSOR_KEY, "70").unwrap();
        // Synced with the central server before: the cursor is its.
        let owner = cursor_owner(&store).unwrap();
        assert_eq!(owner.as_deref(), Some(central));
        use_cursor_of(&mut store, owner.as_deref(), hub).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("0"));
        store.set_setting(PULL_CURSOR_KEY, "3").unwrap();
        let owner = cursor_owner(&store).unwrap();
        assert_eq!(owner.as_deref(), Some(hub));
        use_cursor_of(&mut store, owner.as_deref(), central).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("70"));
        use_cursor_of(&mut store, Some(central), hub).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("3"));
        // The same server again moves nothing.
        use_cursor_of(&mut store, Some(hub), hub).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("3"));
    }
}
