//! The field app's commands, the same for the Tauri shell and the loopback HTTP bridge: each
//! takes a typed request and gives a typed answer or an `AppError` in English and Urdu. The
//! store and sync do the work; this crate shapes it for screens and forms.
//!
//! TypeScript types for every request, answer and command are generated from these Rust
//! types (`bindings`), so the UI never keeps a copy of its own.

pub mod bindings;
mod conflicts;
mod digest;
mod duplicates;
mod error;
mod export;
mod follow_up;
mod home;
mod hub;
mod outbox;
mod places;
mod progress;
mod schools;
mod settings;
mod setup;
mod survey;
mod sync;
mod vocabulary;

pub use conflicts::{ConflictChange, ConflictRow, ConflictValue, HistoryRequest, ResolveRequest};
/// The report types the progress commands answer with (the dashboard's own).
pub use daakhla_reports as reports;
pub use daakhla_store::{DigestSent, Recipient};
pub use daakhla_store::{HouseholdSummary, SearchHit, SearchPage};
/// How the app's store is locked (`daakhla-keys` has the device's sources).
pub use daakhla_store::{KeySource, StoreKey};
pub use digest::{
    DigestLogRequest, DigestPreview, DigestRequest, DigestResponseInput, DigestSendInput,
    RecipientInput,
};
pub use duplicates::{
    DistinctRequest, DuplicateMatch, DuplicatePairRow, DuplicatesRequest, MergeRequest, Merged,
};
pub use error::{AppError, ErrorKind, FieldError};
pub use export::{ExportFileRequest, ExportedFile};
pub use follow_up::{
    ChildPage, FOLLOW_UP_PAGE, FollowUpInput, FollowUpListRequest, FollowUpPage, OscRow,
    RetentionRow, VillageCount, VisitDetails, VisitRow, follow_up_input_path,
};
pub use home::{CheckDue, Today};
pub use hub::{
    DEFAULT_HUB_PORT, HeldBackRecord, HubDevice, HubPage, HubSwitch, PhoneCode, PhoneCodeRequest,
    RelayRound, RevokeRequest, lan_addresses, qr_svg,
};
pub use outbox::{HeldBackNotice, RecordCounts};
pub use places::{PlaceChoice, PlacesRequest, SearchRequest};
pub use progress::{ProgressRequest, VillageRequest};
pub use schools::{NeedInput, NeedRow, SchoolInput, SchoolRow, SchoolsRequest};
pub use settings::{Draft, Settings, SettingsInput};
pub use setup::SetupState;
pub use survey::{
    ChildInput, ChildRow, EditSurveyRequest, EditableSurvey, GpsInput, HouseholdInput,
    HouseholdPage, HouseholdRow, HouseholdsRequest, StepCheck, SurveyInput, survey_input_path,
};
pub use sync::{
    EnrolRequest, EnrolledPlace, Enrolment, SYNC_TIMEOUT, SyncProgress, SyncRequest, SyncResult,
    SyncStage,
};
pub use vocabulary::{Choice, Vocabulary, vocabulary};

use chrono::NaiveDate;
use daakhla_domain::geography::Geography;
use daakhla_domain::validation::Context;
use daakhla_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use ts_rs::TS;

/// The app over one store file. Commands lock the store one at a time; sync progress is kept
/// apart so it can be read while a sync holds the store.
pub struct App {
    store: Mutex<Store>,
    progress: Mutex<SyncProgress>,
    /// The store's file: the hub's data folder sits beside it.
    path: PathBuf,
    /// The hub, while "Run as hub" is on and it runs.
    hub: Mutex<Option<hub::Hub>>,
    /// Why the hub is on but could not start.
    hub_problem: Mutex<Option<AppError>>,
    /// Set by `cancel_sync`: the running sync gives up its request at once.
    cancel: AtomicBool,
    /// How long a sync request may go unanswered (`sync::SYNC_TIMEOUT`).
    sync_timeout: Mutex<Duration>,
}

/// Demo union councils per district and villages per union council in a new store, until
/// device set-up brings the real geography.
const DEMO_UCS_PER_DISTRICT: usize = 1;
const DEMO_VILLAGES_PER_UC: usize = 3;

impl App {
    /// Opens the store at `path` with its key from `keys`, creating it encrypted when there is
    /// none: with the reference geography and demo union councils and villages to survey in.
    /// A plain store from before is encrypted in place first.
    pub fn open_or_create(path: &Path, keys: &dyn KeySource) -> Result<App, AppError> {
        let store = if path.exists() {
            Store::open_with_key(path, keys)?
        } else {
            let ctx = context_today();
            let reference: Geography =
                daakhla_domain::input::decode_one(daakhla_domain::geography::REFERENCE_JSON)
                    .map_err(|e| AppError::bad_request(e.detail))?;
            let demo = daakhla_demo::demo_geography(
                &reference,
                DEMO_UCS_PER_DISTRICT,
                DEMO_VILLAGES_PER_UC,
            );
            let mut store = Store::create_with_key(path, keys)?;
            store.import_geography(&reference, &ctx)?;
            store.import_geography(&demo, &ctx)?;
            store
        };
        let app = App {
            store: Mutex::new(store),
            progress: Mutex::new(SyncProgress::default()),
            path: path.to_path_buf(),
            hub: Mutex::new(None),
            hub_problem: Mutex::new(None),
            cancel: AtomicBool::new(false),
            sync_timeout: Mutex::new(sync::SYNC_TIMEOUT),
        };
        settings::refresh_author(&mut app.store())?;
        app.resume_hub();
        Ok(app)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A command that panicked left no transaction open (they commit or roll back whole),
        // so the store is still sound.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn progress(&self) -> MutexGuard<'_, SyncProgress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sync_timeout(&self) -> Duration {
        *self.sync_timeout.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long a sync request may go unanswered before the sync gives up; 30 seconds unless
    /// a test wants less.
    pub fn set_sync_timeout(&self, timeout: Duration) {
        *self.sync_timeout.lock().unwrap_or_else(|e| e.into_inner()) = timeout;
    }

    fn running_hub(&self) -> MutexGuard<'_, Option<hub::Hub>> {
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn hub_problem(&self) -> MutexGuard<'_, Option<AppError>> {
        self.hub_problem.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The device's date: nothing is recorded after it.
    fn today(&self) -> NaiveDate {
        context_today().today
    }

    fn context(&self) -> Context {
        context_today()
    }

    fn sync_states(&self, store: &Store) -> Result<SyncStates, AppError> {
        Ok(SyncStates {
            not_sent: store.records_not_yet_sent()?,
            in_conflict: store.conflicts()?.into_iter().map(|c| c.doc_id).collect(),
        })
    }

    /// Where the records `ids` stand: one page of a list, not the whole store.
    fn sync_states_of(&self, store: &Store, ids: &[String]) -> Result<SyncStates, AppError> {
        Ok(SyncStates {
            not_sent: store.not_yet_sent_of(ids)?,
            in_conflict: store.conflicts()?.into_iter().map(|c| c.doc_id).collect(),
        })
    }

    pub fn vocabulary(&self, _: NoInput) -> Result<Vocabulary, AppError> {
        Ok(vocabulary())
    }
}

fn context_today() -> Context {
    Context {
        today: chrono::Local::now().date_naive(),
    }
}

/// Where a record stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Changed here and not yet acknowledged by the server.
    OnlyHere,
    Synced,
    /// Two devices wrote a field at once; a coordinator decides.
    Conflict,
}

pub(crate) struct SyncStates {
    not_sent: HashSet<String>,
    in_conflict: HashSet<String>,
}

impl SyncStates {
    fn of(&self, doc_id: &str) -> SyncState {
        if self.in_conflict.contains(doc_id) {
            SyncState::Conflict
        } else if self.not_sent.contains(doc_id) {
            SyncState::OnlyHere
        } else {
            SyncState::Synced
        }
    }
}

/// A command that takes nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct NoInput {}

/// A command about one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct IdRequest {
    pub id: String,
}

fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T, AppError> {
    text.trim().parse().map_err(|_| {
        AppError::new(
            ErrorKind::NotFound,
            format!("{text:?} is not a record id"),
            format!("{text:?} کسی ریکارڈ کی شناخت نہیں"),
        )
    })
}

/// Calls `$callback!` with every command: `name: Request => Response, ...`. The one list the
/// Tauri shell, the HTTP bridge and the TypeScript bindings are all made from.
#[macro_export]
macro_rules! for_each_command {
    ($callback:ident) => {
        $callback! {
            today_work: $crate::NoInput => $crate::Today,
            vocabulary: $crate::NoInput => $crate::Vocabulary,
            places: $crate::PlacesRequest => Vec<$crate::PlaceChoice>,
            save_survey: $crate::SurveyInput => $crate::HouseholdPage,
            check_survey_step: $crate::StepCheck => Vec<$crate::FieldError>,
            survey_union_councils: $crate::NoInput => Vec<$crate::PlaceChoice>,
            household: $crate::IdRequest => $crate::HouseholdPage,
            survey_for_edit: $crate::IdRequest => $crate::EditableSurvey,
            edit_survey: $crate::EditSurveyRequest => $crate::HouseholdPage,
            households: $crate::HouseholdsRequest => Vec<$crate::HouseholdRow>,
            follow_up_list: $crate::FollowUpListRequest => $crate::FollowUpPage,
            child: $crate::IdRequest => $crate::ChildPage,
            add_follow_up: $crate::FollowUpInput => $crate::ChildPage,
            search: $crate::SearchRequest => $crate::SearchPage,
            settings: $crate::NoInput => $crate::Settings,
            save_settings: $crate::SettingsInput => $crate::Settings,
            draft: $crate::NoInput => $crate::Draft,
            save_draft: $crate::Draft => $crate::Draft,
            enrol: $crate::EnrolRequest => $crate::Enrolment,
            sync: $crate::SyncRequest => $crate::SyncResult,
            sync_progress: $crate::NoInput => $crate::SyncProgress,
            cancel_sync: $crate::NoInput => $crate::SyncProgress,
            hub: $crate::NoInput => $crate::HubPage,
            set_hub: $crate::HubSwitch => $crate::HubPage,
            hub_phone_code: $crate::PhoneCodeRequest => $crate::PhoneCode,
            hub_relay_now: $crate::NoInput => $crate::HubPage,
            hub_revoke_phone: $crate::RevokeRequest => $crate::HubPage,
            export_records: $crate::ExportFileRequest => $crate::ExportedFile,
            digest_preview: $crate::DigestRequest => $crate::DigestPreview,
            digest_recipients: $crate::NoInput => Vec<$crate::Recipient>,
            add_digest_recipient: $crate::RecipientInput => $crate::Recipient,
            record_digest_sent: $crate::DigestSendInput => $crate::DigestSent,
            note_digest_response: $crate::DigestResponseInput => $crate::DigestSent,
            digest_log: $crate::DigestLogRequest => Vec<$crate::DigestSent>,
            setup: $crate::NoInput => $crate::SetupState,
            use_demo_data: $crate::NoInput => $crate::SetupState,
            schools: $crate::SchoolsRequest => Vec<$crate::SchoolRow>,
            save_school: $crate::SchoolInput => $crate::SchoolRow,
            save_need: $crate::NeedInput => $crate::SchoolRow,
            conflicts: $crate::NoInput => Vec<$crate::ConflictRow>,
            resolve_conflict: $crate::ResolveRequest => Vec<$crate::ConflictRow>,
            record_history: $crate::HistoryRequest => Vec<$crate::ConflictChange>,
            likely_duplicates: $crate::SurveyInput => Vec<$crate::DuplicateMatch>,
            duplicate_pairs: $crate::DuplicatesRequest => Vec<$crate::DuplicatePairRow>,
            merge_duplicates: $crate::MergeRequest => $crate::Merged,
            mark_distinct: $crate::DistinctRequest => Vec<$crate::DuplicatePairRow>,
            report: $crate::ProgressRequest => $crate::reports::Report,
            report_children: $crate::VillageRequest => Vec<$crate::reports::ChildRow>,
            report_child: $crate::IdRequest => $crate::reports::ChildStory,
        }
    };
}

macro_rules! dispatch {
    ($($name:ident: $request:ty => $response:ty),+ $(,)?) => {
        /// The names of every command, in the order of `for_each_command!`.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),+];

        impl App {
            /// Runs a command by name on a JSON request: what the HTTP bridge serves.
            pub fn call(
                &self,
                name: &str,
                request: serde_json::Value,
            ) -> Result<serde_json::Value, AppError> {
                match name {
                    $(stringify!($name) => {
                        let request: $request = serde_json::from_value(request)
                            .map_err(AppError::bad_request)?;
                        let response: $response = self.$name(request)?;
                        Ok(serde_json::to_value(response).expect("answers serialise"))
                    })+
                    other => Err(AppError::new(
                        ErrorKind::BadRequest,
                        format!("there is no command {other:?}"),
                        format!("{other:?} نام کی کوئی کمانڈ نہیں"),
                    )),
                }
            }
        }
    };
}
for_each_command!(dispatch);
