use daakhla_domain::{Lang, Violations};
use std::path::PathBuf;

/// What can go wrong with the local store. Each reads as a sentence in English or Urdu.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("there is no store at {0}; create one with `daakhla init`")]
    Missing(PathBuf),
    #[error("a store already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("{0} is not a Daakhla store")]
    NotAStore(PathBuf),
    #[error(
        "{path} was written by a newer Daakhla (schema {found}; this one knows up to {supported}). Update Daakhla; the file was not changed"
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "this store is locked with another key: {0} was not opened and not changed. Open it with the key it was locked with (this device's keystore or key file, DAAKHLA_STORE_KEY, or its PIN); a file that is not a Daakhla store at all is refused the same way"
    )]
    WrongKey(PathBuf),
    #[error(
        "{0} is encrypted and no key for it was found (this device's keystore, a key file beside it, DAAKHLA_STORE_KEY or a PIN); it was not changed"
    )]
    NoKey(PathBuf),
    #[error("{0} is not encrypted: open it without a key")]
    NotEncrypted(PathBuf),
    #[error("the store's key could not be had: {0}")]
    Key(#[from] crate::KeyError),
    #[error("{0} could not be read or written: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}")]
    Invalid(Violations),
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },
    #[error("the store could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a stored record could not be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("a record's document could not be read or written: {0}")]
    Document(#[from] daakhla_crdt::CrdtError),
    #[error("{0}")]
    Row(#[from] crate::rows::RowError),
}

impl StoreError {
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            StoreError::Missing(path) => {
                format!(
                    "{} پر کوئی اسٹور نہیں؛ `daakhla init` سے بنائیں",
                    path.display()
                )
            }
            StoreError::AlreadyExists(path) => {
                format!("{} پر اسٹور پہلے سے موجود ہے", path.display())
            }
            StoreError::NotAStore(path) => format!("{} داخلہ کا اسٹور نہیں ہے", path.display()),
            StoreError::TooNew {
                path,
                found,
                supported,
            } => format!(
                "{} داخلہ کے نئے ورژن نے لکھی ہے (اسکیما {found}؛ یہ ورژن {supported} تک جانتا ہے)۔ داخلہ اپ ڈیٹ کریں؛ فائل میں کوئی تبدیلی نہیں کی گئی",
                path.display()
            ),
            StoreError::WrongKey(path) => format!(
                "یہ اسٹور کسی اور کلید سے مقفل ہے: {} نہ کھولا گیا اور نہ اس میں کوئی تبدیلی کی گئی۔ اسے اسی کلید سے کھولیں جس سے یہ مقفل کیا گیا تھا (اس ڈیوائس کا کی اسٹور یا کلید کی فائل، DAAKHLA_STORE_KEY، یا اس کا PIN)؛ جو فائل داخلہ کا اسٹور ہی نہ ہو وہ بھی اسی طرح رد کی جاتی ہے",
                path.display()
            ),
            StoreError::NoKey(path) => format!(
                "{} خفیہ (انکرپٹڈ) ہے اور اس کی کلید نہیں ملی (اس ڈیوائس کا کی اسٹور، ساتھ رکھی کلید کی فائل، DAAKHLA_STORE_KEY یا PIN)؛ اس میں کوئی تبدیلی نہیں کی گئی",
                path.display()
            ),
            StoreError::NotEncrypted(path) => {
                format!("{} خفیہ نہیں ہے: اسے کلید کے بغیر کھولیں", path.display())
            }
            StoreError::Key(e) => format!("اسٹور کی کلید نہیں مل سکی: {}", e.ur),
            StoreError::Io(path, e) => {
                format!("{} پڑھی یا لکھی نہیں جا سکی: {e}", path.display())
            }
            StoreError::Invalid(violations) => violations.message(Lang::Ur),
            StoreError::NotFound { kind, id } => {
                format!("شناخت {id} کا کوئی ریکارڈ ({kind}) موجود نہیں")
            }
            StoreError::Sqlite(e) => format!("اسٹور پڑھا یا لکھا نہیں جا سکا: {e}"),
            StoreError::Corrupt(e) => format!("محفوظ ریکارڈ پڑھا نہیں جا سکا: {e}"),
            StoreError::Document(e) => format!("ریکارڈ کی دستاویز پڑھی یا لکھی نہیں جا سکی: {e}"),
            StoreError::Row(e) => format!("محفوظ ریکارڈ پڑھا نہیں جا سکا: {e}"),
        }
    }
}
