use daakhla_domain::Lang;
use daakhla_domain::input::InputError;
use daakhla_store::StoreError;
use std::path::PathBuf;

/// Why a command failed. Each has an exit code scripts can tell apart.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not an id (ids look like 0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b)")]
    BadId(String),
    #[error("{0}")]
    Sync(#[from] daakhla_sync::SyncError),
    #[error(
        "this device has no server yet: give --server and --token once (the coordinator has them)"
    )]
    NotEnrolled,
    #[error("give the server's address with --server, or the whole link from the hub's QR code")]
    EnrolWithoutServer,
    #[error("{0}")]
    Pack(#[from] daakhla_sync::pack::PackError),
    #[error(
        "packs need this device's id and token on the server: give --device and --token once (`daakhla-server device add` printed them)"
    )]
    NotEnrolledForPacks,
    #[error("{0}")]
    Report(#[from] daakhla_reports::ReportError),
    #[error("{0}")]
    Export(#[from] daakhla_export::ExportError),
}

pub mod exit {
    pub const FAILURE: u8 = 1;
    pub const INVALID_INPUT: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    pub const STORE_REFUSED: u8 = 5;
    pub const SYNC_FAILED: u8 = 6;
    pub const PACK_REFUSED: u8 = 7;
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) | CliError::BadId(_) => exit::INVALID_INPUT,
            CliError::Store(StoreError::Invalid(_)) => exit::INVALID_INPUT,
            CliError::Store(StoreError::NotFound { .. } | StoreError::Missing(_)) => {
                exit::NOT_FOUND
            }
            CliError::Store(
                StoreError::TooNew { .. }
                | StoreError::NotAStore(_)
                | StoreError::AlreadyExists(_)
                | StoreError::WrongKey(_)
                | StoreError::NoKey(_)
                | StoreError::NotEncrypted(_),
            ) => exit::STORE_REFUSED,
            CliError::Store(_) | CliError::Read { .. } | CliError::Write { .. } => exit::FAILURE,
            CliError::Sync(_) | CliError::NotEnrolled => exit::SYNC_FAILED,
            CliError::EnrolWithoutServer => exit::INVALID_INPUT,
            CliError::Pack(daakhla_sync::pack::PackError::Refused(_)) => exit::PACK_REFUSED,
            CliError::Pack(_) => exit::FAILURE,
            CliError::NotEnrolledForPacks => exit::PACK_REFUSED,
            CliError::Report(e) if e.is_bad_request() => exit::NOT_FOUND,
            CliError::Report(_) => exit::FAILURE,
            CliError::Export(daakhla_export::ExportError::UnknownPlace(_)) => exit::NOT_FOUND,
            CliError::Export(daakhla_export::ExportError::Write(_)) => exit::FAILURE,
            CliError::Export(_) => exit::INVALID_INPUT,
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (CliError::Input(e), _) => e.message(lang),
            (CliError::Store(e), _) => e.message(lang),
            (CliError::Sync(e), _) => e.message(lang),
            (CliError::Pack(e), _) => e.message(lang),
            (CliError::Report(e), _) => e.message(lang),
            (CliError::Export(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (CliError::Read { path, source }, Lang::Ur) => {
                format!("{} پڑھی نہیں جا سکی: {source}", path.display())
            }
            (CliError::Write { path, source }, Lang::Ur) => {
                format!("{} لکھی نہیں جا سکی: {source}", path.display())
            }
            (CliError::BadId(text), Lang::Ur) => format!("{text} درست شناخت نہیں ہے"),
            (CliError::NotEnrolled, Lang::Ur) => {
                "اس ڈیوائس کا ابھی کوئی سرور نہیں: ایک بار --server اور --token دیں (کوآرڈینیٹر کے پاس ہیں)".into()
            }
            (CliError::EnrolWithoutServer, Lang::Ur) => {
                "سرور کا پتہ --server کے ساتھ دیں، یا ہب کے QR کوڈ کا پورا لنک".into()
            }
            (CliError::NotEnrolledForPacks, Lang::Ur) => {
                "پیک کے لیے سرور پر اس ڈیوائس کی شناخت اور ٹوکن چاہئیں: ایک بار --device اور --token دیں (`daakhla-server device add` نے دکھائے تھے)".into()
            }
        }
    }

    /// The broken rules, for `--json` output.
    pub fn violations(&self) -> Option<&daakhla_domain::Violations> {
        match self {
            CliError::Store(StoreError::Invalid(v)) => Some(v),
            _ => None,
        }
    }
}
