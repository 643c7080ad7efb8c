//! The central server. Devices push their changes and pull everyone else's in their union
//! councils over HTTP (see docs/sync-protocol.md). Every change lands once in an append-only
//! log; the records are materialised from the log into a Daakhla store, for reports.

mod auth;
mod backend;
mod dashboard;
mod devices;
mod error;
mod http;
pub mod limit;
mod packs;
#[cfg(feature = "postgres")]
mod pg;
mod places;
mod placing;
mod pool;
pub mod reference;
mod relay;
#[cfg(feature = "scratch")]
pub mod scratch;
mod serving;
mod sqlite;
pub mod tls;

pub use auth::{Device, DeviceEntry, HubOf, Role};
pub use backend::{Location, Quarantined, RowsOnly};
pub use error::ServerError;
pub use http::{MAX_QUERY_BYTES, SMALL_BODY_BYTES, router};
pub use packs::{PackImported, PackWritten, ServerPackError};
pub use places::PlacesTaken;
pub use relay::{DeviceSeen, HubStatus, RelayError, Relayed, UPSTREAM};
pub use serving::{Running, ServeLimits, spawn, spawn_serving, spawn_tls, spawn_with_limits};
pub use tls::{Identity, TlsError};

use backend::{ChangeLog, Records};
use daakhla_domain::geography::{Geography, Level};
use daakhla_reports::{ChildRow, ChildStory, Report, ReportRequest, Visible};
use daakhla_store::FieldConflict;
use daakhla_wire::{Pull, Push};
use pool::{Pool, Pooled};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// The most changes one pull returns.
pub const PULL_LIMIT: usize = 2_000;

/// Log connections open at once: requests (pushes, pulls, whoami) run side by side up to this.
const LOG_HANDLES: usize = 8;
/// Read-only records connections open at once: reports, places and exports.
const RECORD_READERS: usize = 4;
/// How often the materialiser looks for changes it was not told of (another server on the
/// same database, or an admin command, logged them).
const MATERIALISER_POLL: std::time::Duration = std::time::Duration::from_secs(2);
/// How long a pull waits for the materialiser to check what was logged before it.
const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What a push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pushed {
    /// Changes in the request.
    pub received: usize,
    /// Of those, changes the server did not have yet.
    pub new: usize,
}

/// How far the materialiser has checked the log (`ChangeLog::checked`) when a request
/// reads it.
pub(crate) struct Checking {
    pub through: u64,
    /// The log's end when the request began.
    pub end: u64,
    /// Whether checking moved while the request waited for it.
    pub moved: bool,
}

impl Checking {
    /// Short of the end but still moving: asking again soon will hand out more. (A
    /// materialiser that is stuck does not keep devices asking.)
    pub fn unfinished_moving(&self) -> bool {
        self.through < self.end && self.moved
    }
}

pub struct Server {
    core: Arc<Core>,
    /// Brings the records up to the log in the background; stopped when the server is dropped.
    materialiser: Materialiser,
    /// How often enrolment codes may be tried (`enrol`).
    enrolments: limit::Limiter,
}

/// What requests and the materialiser share: connections to the log and the records.
struct Core {
    pub(crate) logs: Pool<Box<dyn ChangeLog>>,
    /// For reading records: places, reports, exports.
    pub(crate) readers: Pool<Box<dyn Records>>,
    /// The one connection that writes records: the materialiser's, and places added. One
    /// writer, so SQLite never refuses a write for another.
    pub(crate) writer: Mutex<Box<dyn Records>>,
}

impl Core {
    fn writer(&self) -> MutexGuard<'_, Box<dyn Records>> {
        // Each write is a transaction of its own: the records behind a lock a panicking
        // request held are whole.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Brings the records up to the end of the log, a batch per transaction, each batch then
    /// settled in the log (`settle`).
    fn materialise(&self, records: &mut dyn Records) -> Result<(), ServerError> {
        loop {
            let after = records.cursor()?;
            let changes = self.logs.take()?.read(after, u64::MAX, None, PULL_LIMIT)?;
            if !changes.is_empty() {
                records.apply(&changes)?;
            }
            self.settle(records)?;
            if changes.is_empty() {
                return Ok(());
            }
        }
    }

    /// Checks the log up to what the records show: the changes they could not apply move to
    /// the quarantine, and what is left may be handed out. Whatever was materialised but not
    /// yet settled (a crash between the two, or another server's batch) is settled here.
    fn settle(&self, records: &mut dyn Records) -> Result<(), ServerError> {
        let mut log = self.logs.take()?;
        let from = log.checked()?;
        let through = records.cursor()?;
        if through <= from {
            return Ok(());
        }
        let refused = records.refused_among(&log.hashes_between(from, through)?)?;
        for change in &refused {
            eprintln!("quarantined change {}: {}", change.hash, change.why);
        }
        log.settle(from, through, &refused)?;
        Ok(())
    }
}

/// The background worker materialising the log: woken by every push, and every
/// `MATERIALISER_POLL` for what it was not told of. A push is answered once it is logged.
struct Materialiser {
    signal: Arc<Signal>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Signal {
    state: Mutex<Wake>,
    woken: Condvar,
    /// Notified after each round of materialising (and settling).
    settled: Condvar,
}

#[derive(Default)]
struct Wake {
    work: bool,
    stop: bool,
}

impl Signal {
    fn set(&self, change: impl FnOnce(&mut Wake)) {
        change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.woken.notify_all();
    }

    /// Waits until there is work or `timeout` passes; false once the worker is to stop.
    fn wait(&self, timeout: std::time::Duration) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.work && !state.stop {
            state = self
                .woken
                .wait_timeout(state, timeout)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.work = false;
        !state.stop
    }
}

impl Materialiser {
    fn start(core: Arc<Core>) -> Result<Materialiser, ServerError> {
        let signal = Arc::new(Signal::default());
        let theirs = signal.clone();
        let thread = std::thread::Builder::new()
            .name("materialiser".into())
            .spawn(move || {
                while theirs.wait(MATERIALISER_POLL) {
                    let mut records = core.writer();
                    if let Err(e) = core.materialise(&mut **records) {
                        eprintln!("the records could not be brought up to date with the log: {e}");
                    }
                    drop(records);
                    theirs.settled.notify_all();
                }
            })
            .map_err(|e| ServerError::Internal(format!("cannot start the materialiser: {e}")))?;
        Ok(Materialiser {
            signal,
            thread: Some(thread),
        })
    }

    fn wake(&self) {
        self.signal.set(|wake| wake.work = true);
    }

    /// Waits until the materialiser finishes a round, or `timeout` passes.
    fn wait_settled(&self, timeout: std::time::Duration) {
        let state = self
            .signal
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _ = self.signal.settled.wait_timeout(state, timeout);
    }
}

impl Drop for Materialiser {
    fn drop(&mut self) {
        self.signal.set(|wake| wake.stop = true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Server {
    /// Opens the server's data: SQLite files in a directory (created with the reference
    /// geography the first time), or a PostgreSQL database given by a `postgres://` URL
    /// (its tables created the first time).
    pub fn open(at: impl Into<Location>) -> Result<Server, ServerError> {
        let core = match at.into() {
            Location::Dir(dir) => {
                std::fs::create_dir_all(&dir).map_err(|source| ServerError::Io {
                    what: format!("the data directory {} cannot be made", dir.display()),
                    source,
                })?;
                let (log, records) = (dir.join("log.sqlite"), dir.join("records.sqlite"));
                let writer = sqlite::StoreRecords::open(&records)?;
                Core {
                    logs: Pool::new(
                        Box::new(sqlite::SqliteLog::open(&log)?),
                        LOG_HANDLES,
                        Box::new(move || Ok(Box::new(sqlite::SqliteLog::open(&log)?))),
                    ),
                    readers: Pool::new(
                        Box::new(sqlite::StoreRecords::open(&records)?),
                        RECORD_READERS,
                        Box::new(move || Ok(Box::new(sqlite::StoreRecords::open(&records)?))),
                    ),
                    writer: Mutex::new(Box::new(writer)),
                }
            }
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => pg::core(&url)?,
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => return Err(ServerError::NoPostgres),
        };
        // What was logged before is shown from the start (a command that reads reports and
        // exits never sees stale figures); what comes after, the materialiser shows.
        core.materialise(&mut **core.writer())?;
        let core = Arc::new(core);
        Ok(Server {
            materialiser: Materialiser::start(core.clone())?,
            core,
            enrolments: limit::Limiter::enrolments(),
        })
    }

    pub fn import_geography(&self, geo: &Geography) -> Result<usize, ServerError> {
        self.core.writer().import_geography(geo)
    }

    /// Adds a device and returns its token, which is shown only this once.
    pub fn add_device(
        &self,
        user: &str,
        role: Role,
        scopes: &[String],
    ) -> Result<(Device, String), ServerError> {
        let token = auth::new_token();
        let device = Device::new(user, role, scopes);
        self.log()?.add_device(&device, &auth::hash_token(&token))?;
        Ok((device, token))
    }

    /// Makes a code a phone exchanges for its token (`enrol`), once, within `valid_for`. The
    /// code is shown only this once; the server keeps its hash.
    pub fn add_enrolment(
        &self,
        user: &str,
        role: Role,
        scopes: &[String],
        valid_for: std::time::Duration,
    ) -> Result<String, ServerError> {
        let code = auth::new_enrolment_code();
        let expires_at = chrono::Utc::now().timestamp() + valid_for.as_secs() as i64;
        self.log()?.add_enrolment(
            &auth::hash_enrolment_code(&code),
            user,
            role,
            scopes,
            expires_at,
        )?;
        Ok(code)
    }

    /// Enrols a device with an enrolment code tried from the address `client`: returns the
    /// device and its token. Attempts are limited per address and for all together
    /// (`limit`), so codes cannot be guessed; one over the limit is refused untried.
    pub fn enrol(
        &self,
        code: &str,
        client: std::net::IpAddr,
    ) -> Result<(Device, String), ServerError> {
        self.enrolments
            .take(client, std::time::Instant::now())
            .map_err(|retry_after| ServerError::TooManyEnrolments { retry_after })?;
        let now = chrono::Utc::now().timestamp();
        let taken = self
            .log()?
            .take_enrolment(&auth::hash_enrolment_code(code), now)?;
        match taken {
            auth::Enrolment::Valid { user, role, scopes } => self.add_device(&user, role, &scopes),
            auth::Enrolment::Unknown => Err(ServerError::UnknownEnrolment),
            auth::Enrolment::Used => Err(ServerError::UsedEnrolment),
            auth::Enrolment::Expired => Err(ServerError::ExpiredEnrolment),
        }
    }

    /// The device a token belongs to, read anew at every request: a revoked device's token
    /// (or one a rotation replaced) is refused as revoked from the next request on, and
    /// told so; a token never issued, as unknown.
    pub fn authenticate(&self, token: &str) -> Result<Device, ServerError> {
        match self.log()?.device(&auth::hash_token(token))? {
            auth::TokenOwner::Active(device) => Ok(device),
            auth::TokenOwner::Revoked { .. } => Err(ServerError::Revoked),
            auth::TokenOwner::Unknown => Err(ServerError::Unauthorized),
        }
    }

    /// Takes a device's changes. Every change is checked first, its union council read from
    /// the record itself (`placing`): one outside the device's union councils, hanging on a
    /// record outside them, or claiming a document is something or somewhere it is not,
    /// refuses the whole push and nothing is logged. The others are logged and the push is
    /// answered; the materialiser then tries them on their records, and moves a change
    /// Automerge cannot apply to the quarantine before any pull may hand it out. A change the
    /// log already has is taken again without effect. Roles that do not record (supervisors)
    /// may not push.
    pub fn push(&self, device: &Device, push: &Push) -> Result<Pushed, ServerError> {
        if !device.role.records() {
            return Err(ServerError::Forbidden);
        }
        self.log()?
            .touch_device(&device.id, chrono::Utc::now().timestamp())?;
        let allowed = self.union_councils(device)?;
        let mut log = self.log()?;
        let read = placing::place_push(&mut **log, allowed.as_ref(), &push.changes)?;
        let hashes: Vec<daakhla_crdt::ChangeHash> = read.iter().map(|c| c.hash()).collect();
        let new = log.append(&device.id, &push.changes, &hashes)?;
        drop(log);
        self.materialiser.wake();
        Ok(Pushed {
            received: push.changes.len(),
            new,
        })
    }

    /// The changes after `after` in the device's union councils, the device's own included: a
    /// store restored from a backup, or copied to a second phone, gets back what it sent since;
    /// a device that has them skips them by hash. The cursor answered is never beyond the
    /// log's end.
    pub fn pull(&self, device: &Device, after: u64, limit: usize) -> Result<Pull, ServerError> {
        self.log()?
            .touch_device(&device.id, chrono::Utc::now().timestamp())?;
        let allowed = self.union_councils(device)?;
        let scopes: Option<Vec<String>> = allowed.map(|set| set.into_iter().collect());
        let limit = limit.clamp(1, PULL_LIMIT);
        let checking = self.checked_through_end()?;
        let mut log = self.log()?;
        let rows = log.read(after, checking.through, scopes.as_deref(), limit + 1)?;
        // Changes still being checked are handed out by the next pull, while checking moves.
        let more = rows.len() > limit || checking.unfinished_moving();
        let rows = &rows[..rows.len().min(limit)];
        // A device ahead of the log (the server was restored from a backup) is sent back to
        // its end, or it would skip the changes logged next under positions it has passed.
        let cursor = match rows.last() {
            Some(last) => last.seq,
            None => after.min(checking.through),
        };
        drop(log);
        let changes = rows.iter().map(|r| r.change.clone()).collect();
        Ok(Pull {
            cursor,
            more,
            changes,
        })
    }

    /// Waits (at most `CHECK_WAIT`) until the materialiser has checked the log as far as it
    /// reaches now, so that a pull right after a push hands out what was pushed.
    pub(crate) fn checked_through_end(&self) -> Result<Checking, ServerError> {
        let end = self.log()?.end()?;
        let started = std::time::Instant::now();
        let first = self.log()?.checked()?;
        let mut through = first;
        while through < end && started.elapsed() < CHECK_WAIT {
            self.materialiser.wake();
            self.materialiser
                .wait_settled(std::time::Duration::from_millis(50));
            through = self.log()?.checked()?;
        }
        Ok(Checking {
            through,
            end,
            moved: through > first,
        })
    }

    /// The union councils a device may see; none means all of them.
    fn union_councils(&self, device: &Device) -> Result<Option<BTreeSet<String>>, ServerError> {
        if device.scopes.iter().any(|s| s == "*") {
            return Ok(None);
        }
        let mut records = self.records()?;
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

    /// Brings the records up to the end of the log now, rather than when the materialiser
    /// next runs: for commands that exit after logging, and for tests.
    pub fn materialise(&self) -> Result<(), ServerError> {
        let mut records = self.core.writer();
        self.core.materialise(&mut **records)
    }

    /// How many logged changes the records do not show yet (the materialiser is behind).
    pub fn behind(&self) -> Result<u64, ServerError> {
        let materialised = self.records()?.cursor()?;
        Ok(self.log()?.end()?.saturating_sub(materialised))
    }

    /// Every record as `kind/id` → its body and where it is shown, once all that is logged is
    /// materialised (the same as a device store's snapshot when both hold the same changes).
    pub fn snapshot(&self) -> Result<BTreeMap<String, String>, ServerError> {
        let mut records = self.core.writer();
        self.core.materialise(&mut **records)?;
        records.snapshot()
    }

    /// Fields in conflict, once all that is logged is materialised.
    pub fn conflicts(&self) -> Result<Vec<FieldConflict>, ServerError> {
        let mut records = self.core.writer();
        self.core.materialise(&mut **records)?;
        records.conflicts()
    }

    /// The figures of an area as `device` may see them (its places; `*` everywhere).
    pub fn report(&self, device: &Device, request: &ReportRequest) -> Result<Report, ServerError> {
        let today = chrono::Utc::now().date_naive();
        // Read first: a change materialised in between is then counted in the report, never
        // left out of both.
        let pending_changes = self.behind()?;
        let mut report = self.read_reports(|source| {
            daakhla_reports::report(source, request, &visible(device), today)
        })?;
        report.pending_changes = pending_changes;
        Ok(report)
    }

    /// A village's out-of-school children, if `device` may see the village.
    pub fn report_children(
        &self,
        device: &Device,
        village: &str,
    ) -> Result<Vec<ChildRow>, ServerError> {
        self.read_reports(|source| {
            daakhla_reports::children_of_village(source, village, &visible(device))
        })
    }

    /// A child's story, if `device` may see the child's village.
    pub fn report_child(&self, device: &Device, child_id: &str) -> Result<ChildStory, ServerError> {
        self.read_reports(|source| daakhla_reports::child_story(source, child_id, &visible(device)))
    }

    fn read_reports<T>(
        &self,
        mut read: impl FnMut(
            &mut dyn daakhla_reports::Source,
        ) -> Result<T, daakhla_reports::ReportError>,
    ) -> Result<T, ServerError> {
        let mut answer = None;
        self.records()?.read_reports(&mut |source| {
            answer = Some(read(source)?);
            Ok(())
        })?;
        answer.ok_or_else(|| ServerError::Internal("the report was not read".into()))
    }

    /// Writes records as rows only (reference data for reports and benchmarks; they never
    /// sync).
    pub fn load_rows_only(&self, records: &RowsOnly) -> Result<(), ServerError> {
        self.core.writer().load_rows_only(records)
    }

    /// After loading many rows: the query planner's statistics brought up to date.
    pub fn refresh_statistics(&self) -> Result<(), ServerError> {
        self.core.writer().refresh_statistics()
    }
}

/// The places a device may see reports of.
fn visible(device: &Device) -> Visible {
    if device.scopes.iter().any(|s| s == "*") {
        Visible::All
    } else {
        Visible::Within(device.scopes.clone())
    }
}

impl Server {
    /// An export of the records a device may see: for coordinators, supervisors and admins,
    /// of its union councils only (one of them with `request.uc`). The records are read one
    /// at a time; the file is returned whole.
    pub fn export(
        &self,
        device: &Device,
        request: daakhla_export::ExportRequest,
    ) -> Result<Vec<u8>, ServerError> {
        if device.role == Role::ResourcePerson {
            return Err(ServerError::Forbidden);
        }
        let allowed = self.union_councils(device)?;
        let ucs: Option<Vec<String>> = match (&request.uc, allowed) {
            (Some(uc), Some(allowed)) if !allowed.contains(uc) => {
                return Err(ServerError::Forbidden);
            }
            (Some(uc), _) => Some(vec![uc.clone()]),
            (None, allowed) => allowed.map(|set| set.into_iter().collect()),
        };
        // An export is a file for people: it holds everything logged, never a few pushes less.
        self.materialise()?;
        let mut records = self.records()?;
        let places = daakhla_store::place_tree(|level| records.places(level, None))?;
        let kind = request.kind.record_kind();
        let mut exporter = daakhla_export::Exporter::new(request, &places, Vec::new())?;
        records.for_each_stored(kind, ucs.as_deref(), &mut |record| {
            Ok(exporter.push(&record)?)
        })?;
        Ok(exporter.finish()?.0)
    }
}

impl Server {
    /// A log connection of this request's own.
    fn log(&self) -> Result<Pooled<'_, Box<dyn ChangeLog>>, ServerError> {
        self.core.logs.take()
    }

    /// A records connection for reading.
    fn records(&self) -> Result<Pooled<'_, Box<dyn Records>>, ServerError> {
        self.core.readers.take()
    }
}

/// The places every server starts with.
fn reference_geography() -> Result<Geography, ServerError> {
    Ok(serde_json::from_str(
        daakhla_domain::geography::REFERENCE_JSON,
    )?)
}
