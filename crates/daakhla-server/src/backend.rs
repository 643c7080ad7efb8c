//! Where the server keeps its data: the change log (the truth) and the records materialised
//! from it for reports. Both live in SQLite files by default, or in PostgreSQL for scale,
//! behind these two traits, so scopes, push, pull and the HTTP API are written once.

use crate::ServerError;
use crate::auth::{Device, DeviceEntry, Enrolment, Role, TokenOwner};
use daakhla_domain::RecordKind;
use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::record::StoredRecord;
use daakhla_store::{FieldConflict, PlaceRow};
use daakhla_wire::{Kind, WireChange};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Documents by id, with the kind and union council each was first sent with.
pub type Documents = HashMap<String, (Kind, String)>;

/// A change's Automerge hash, as the log keys changes by.
pub type ChangeHash = daakhla_crdt::ChangeHash;

pub use daakhla_crdt::Unappliable;

/// Where the server's data is: a directory of SQLite files, or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Dir(PathBuf),
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL names a database; anything else a directory.
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::Dir(PathBuf::from(text))
        }
    }
}

/// Shown without any password.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Location::Dir(dir) => write!(f, "{}", dir.display()),
            Location::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

impl From<&std::path::Path> for Location {
    fn from(dir: &std::path::Path) -> Location {
        Location::Dir(dir.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(dir: &PathBuf) -> Location {
        Location::Dir(dir.clone())
    }
}

impl From<PathBuf> for Location {
    fn from(dir: PathBuf) -> Location {
        Location::Dir(dir)
    }
}

/// The URL without its password, for messages.
pub(crate) fn without_password(url: &str) -> String {
    let parts = url.split_once("://").and_then(|(scheme, rest)| {
        let (credentials, host) = rest.rsplit_once('@')?;
        Some((
            scheme,
            credentials.split(':').next().unwrap_or_default(),
            host,
        ))
    });
    match parts {
        Some((scheme, user, host)) => format!("{scheme}://{user}@{host}"),
        None => url.to_string(),
    }
}

/// One logged change and its position.
#[derive(Debug, Clone)]
pub struct Logged {
    pub seq: u64,
    /// The device that sent it (`relay::UPSTREAM` for what a hub received from upstream).
    pub device: String,
    pub change: WireChange,
}

/// A pushed change kept apart because Automerge could not apply it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Quarantined {
    pub doc_id: String,
    pub kind: Kind,
    /// The union council the record is in.
    pub scope: String,
    /// The device that sent it.
    pub device: String,
    /// Seconds since 1970 (UTC).
    pub received_at: i64,
    pub why: String,
}

/// Every change any device sent, once, in the order the server took it; and the devices.
///
/// Invariant: a position is never committed after a higher one, so a pull that passed
/// position N never misses a change committed later below N.
pub trait ChangeLog: Send {
    /// Keeps a new device with its token's hash.
    fn add_device(&mut self, device: &Device, token_hash: &str) -> Result<(), ServerError>;

    /// Whose a token hash is: a device whose token works, a revoked device's (or a token
    /// `replace_token` replaced), or nobody's. Read from the data at every call: a revocation
    /// holds from the next request on.
    fn device(&mut self, token_hash: &str) -> Result<TokenOwner, ServerError>;

    /// Notes that a device synced at `now` (seconds); at most once a minute is written.
    fn touch_device(&mut self, id: &str, now: i64) -> Result<(), ServerError>;

    /// Every device enrolled here, revoked ones included, by user (`hub` is none).
    fn devices(&mut self) -> Result<Vec<DeviceEntry>, ServerError>;

    /// Marks a device revoked at `now` (a device already revoked keeps its first time). The
    /// device stays, so the log's `device` column still names it. False if there is none.
    fn revoke_device(&mut self, id: &str, now: i64) -> Result<bool, ServerError>;

    /// Gives a device that is not revoked a new token hash, in one transaction keeping the
    /// old hash as revoked at `now`. False if there is no such device, or it is revoked.
    fn replace_token(&mut self, id: &str, token_hash: &str, now: i64) -> Result<bool, ServerError>;

    /// Keeps what a hub (a device here) reported of its phones it revoked; a phone reported
    /// again is written again.
    fn note_hub_revoked(
        &mut self,
        hub: &str,
        phones: &[DeviceEntry],
        now: i64,
    ) -> Result<(), ServerError>;

    /// Every phone hubs reported revoked, with the hub's device id, by hub and user.
    fn hub_revoked(&mut self) -> Result<Vec<(String, DeviceEntry)>, ServerError>;

    /// Keeps an enrolment code (as its hash) for a device to come, until `expires_at`.
    fn add_enrolment(
        &mut self,
        code_hash: &str,
        user: &str,
        role: Role,
        scopes: &[String],
        expires_at: i64,
    ) -> Result<(), ServerError>;

    /// Takes an enrolment code: valid once, before it expires. Taking it marks it used.
    fn take_enrolment(&mut self, code_hash: &str, now: i64) -> Result<Enrolment, ServerError>;

    /// A device by its id, with its token's hash (the key its sync packs are sealed with);
    /// none if it is revoked.
    fn device_by_id(&mut self, id: &str) -> Result<Option<(Device, String)>, ServerError>;

    /// The kind and union council a document was first sent with.
    fn document(&mut self, doc_id: &str) -> Result<Option<(Kind, String)>, ServerError>;

    /// `document` of each of `doc_ids` the log has, by id: what a push is placed against, read
    /// at once (on PostgreSQL one round trip, not one a change).
    fn documents(&mut self, doc_ids: &[String]) -> Result<Documents, ServerError> {
        let mut found = Documents::new();
        for id in doc_ids {
            if let Some(document) = self.document(id)? {
                found.insert(id.clone(), document);
            }
        }
        Ok(found)
    }

    /// Appends the changes the log does not have yet (`hashes[i]` is `changes[i]`'s change
    /// hash), all or none. Returns how many were new.
    fn append(
        &mut self,
        device: &str,
        changes: &[WireChange],
        hashes: &[ChangeHash],
    ) -> Result<usize, ServerError>;

    /// The position of the last logged change (0 for an empty log).
    fn end(&mut self) -> Result<u64, ServerError>;

    /// The position up to which every logged change has been tried by the materialiser and
    /// the ones Automerge cannot apply moved to the quarantine: what may be handed out.
    fn checked(&mut self) -> Result<u64, ServerError>;

    /// The hashes of the changes logged after `after`, up to `through`.
    fn hashes_between(&mut self, after: u64, through: u64) -> Result<Vec<ChangeHash>, ServerError>;

    /// Puts the `refused` changes in the quarantine (listed with their reason; the log keeps
    /// their positions, but `read` never hands them out) and marks the log checked up to `through`, in one transaction; only
    /// if the log is still checked up to `from` (another server on the same database may have
    /// settled first). Returns whether it did.
    fn settle(
        &mut self,
        from: u64,
        through: u64,
        refused: &[Unappliable],
    ) -> Result<bool, ServerError>;

    /// The changes kept apart, oldest first.
    fn quarantined(&mut self) -> Result<Vec<Quarantined>, ServerError>;

    /// A value the server keeps for itself (a hub's relay positions), if set.
    fn setting(&mut self, key: &str) -> Result<Option<String>, ServerError>;

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), ServerError>;

    /// Every setting whose key starts with `prefix`, by key.
    fn settings_with_prefix(&mut self, prefix: &str) -> Result<Vec<(String, String)>, ServerError>;

    /// How many changes after position `after` came from devices other than `except`.
    fn count_after(&mut self, after: u64, except: &str) -> Result<u64, ServerError>;

    /// Up to `limit` changes after position `after` and up to `through`, in the given union
    /// councils (all if `scopes` is none), in log order; none in the quarantine.
    fn read(
        &mut self,
        after: u64,
        through: u64,
        scopes: Option<&[String]>,
        limit: usize,
    ) -> Result<Vec<Logged>, ServerError>;
}

/// The records as tables reports can query, rebuilt from the log: places, households,
/// children and follow-ups, the same rows and the same conflicts a device store holds.
pub trait Records: Send {
    /// Adds or renames places; nothing is written if any place breaks a rule.
    fn import_geography(&mut self, geo: &Geography) -> Result<usize, ServerError>;

    fn place(&mut self, code: &str) -> Result<Option<PlaceRow>, ServerError>;

    /// The places of one level, optionally only those under one parent, by code.
    fn places(&mut self, level: Level, parent: Option<&str>) -> Result<Vec<PlaceRow>, ServerError>;

    /// The position of the last logged change materialised.
    fn cursor(&mut self) -> Result<u64, ServerError>;

    /// Applies logged changes (in log order) and moves the cursor to the last, together.
    /// Changes at or below the cursor are skipped, so applying twice does nothing. A change
    /// Automerge cannot apply is kept marked, with the reason, for `refused_among`.
    fn apply(&mut self, changes: &[Logged]) -> Result<(), ServerError>;

    /// Of these applied changes, those Automerge could not apply, with the reason.
    fn refused_among(&mut self, hashes: &[ChangeHash]) -> Result<Vec<Unappliable>, ServerError>;

    /// Every record as `kind/id` → its body and where it is shown; equal to a device store's
    /// `snapshot` when both hold the same changes.
    fn snapshot(&mut self) -> Result<BTreeMap<String, String>, ServerError>;

    /// Fields in conflict, by record and field.
    fn conflicts(&mut self) -> Result<Vec<FieldConflict>, ServerError>;

    /// Every shown record of `kind` (nothing deleted or merged away) in the union councils
    /// `ucs` (all if none), one at a time, with the record it hangs on: for exports.
    fn for_each_stored(
        &mut self,
        kind: RecordKind,
        ucs: Option<&[String]>,
        each: &mut dyn FnMut(StoredRecord) -> Result<(), ServerError>,
    ) -> Result<(), ServerError>;
    /// Runs `read` over the records' rows: how `daakhla_reports` queries them.
    fn read_reports(
        &mut self,
        read: &mut dyn FnMut(
            &mut dyn daakhla_reports::Source,
        ) -> Result<(), daakhla_reports::ReportError>,
    ) -> Result<(), ServerError>;

    /// Writes records as rows only, without documents: reference data that reports and
    /// benchmarks read. Such records never sync.
    fn load_rows_only(&mut self, records: &RowsOnly) -> Result<(), ServerError>;

    /// After loading many rows at once: brings the query planner's statistics (and, on
    /// PostgreSQL, the visibility map index-only scans need) up to date.
    fn refresh_statistics(&mut self) -> Result<(), ServerError>;
}

/// Records to write as rows only (`Records::load_rows_only`).
pub struct RowsOnly<'a> {
    pub surveys: &'a [daakhla_domain::household::HouseholdSurvey],
    pub follow_ups: &'a [daakhla_domain::followup::FollowUp],
    pub schools: &'a [daakhla_domain::school::School],
    pub needs: &'a [daakhla_domain::school::InfrastructureNeed],
}
