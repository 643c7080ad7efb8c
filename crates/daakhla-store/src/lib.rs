//! The device's local store: one SQLite file (WAL, foreign keys on, synchronous writes) that
//! holds every record a device has, and answers the questions the field asks of it.
//!
//! Records are stored whole as JSON in `body`, beside copies of the fields queries use. Every
//! write validates first and then commits whole records in transactions: a household and its
//! roster are saved together or not at all, and a batch that breaks any rule saves nothing.

mod bulk;
mod digest;
mod documents;
mod duplicates;
mod error;
mod follow_ups;
mod geography;
mod merging;
pub mod schema;
mod schools;
mod stored;
mod surveys;
mod sync;

pub use digest::{DigestSent, Recipient};
pub use documents::RecordKind;
pub use duplicates::{DuplicatePair, LikelyDuplicate};
pub use error::StoreError;
pub use follow_ups::{ChildStory, FollowUpDue};
pub use geography::{PlaceRow, place_names};
pub use surveys::{HouseholdSummary, Saved, SearchHit, SearchPage};
pub use sync::{
    FieldConflict, HistoryEntry, IncomingChange, OutgoingChange, Received, UnsentRecord,
};

use documents::{Editor, Identity};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// Records written per transaction in a batch: each is whole, and a batch of thousands does
/// not pay one disk sync per household.
const BATCH_CHUNK: usize = 200;

/// An open store file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    identity: Identity,
    /// Who edits through this handle: written into every change.
    author: String,
}

/// How many rows each table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub places: u64,
    pub households: u64,
    pub children: u64,
    pub follow_ups: u64,
    pub schools: u64,
    pub needs: u64,
}

impl Counts {
    /// Synced records of every kind (places are not records).
    pub fn records(&self) -> u64 {
        self.households + self.children + self.follow_ups + self.schools + self.needs
    }
}

impl Store {
    /// Creates a new store file with the latest schema.
    pub fn create(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Self::create_at_version(path, schema::LATEST)
    }

    /// Creates a store at an older schema version: for tests and fixtures of migrations.
    #[doc(hidden)]
    pub fn create_at_version(path: impl AsRef<Path>, version: u32) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if path.exists() {
            return Err(StoreError::AlreadyExists(path));
        }
        let mut conn = Connection::open(&path)?;
        conn.pragma_update(None, "application_id", schema::APPLICATION_ID)?;
        configure(&conn)?;
        schema::migrate(&mut conn, version)?;
        Store::ready(conn, path)
    }

    /// Opens an existing store, migrating an older schema to the latest. A file that is not a
    /// store, or that a newer build wrote, is refused before anything is written to it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if !path.is_file() {
            return Err(StoreError::Missing(path));
        }
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let application_id: i64 = conn
            .query_row("PRAGMA application_id", [], |row| row.get(0))
            .map_err(|_| StoreError::NotAStore(path.clone()))?;
        if application_id != schema::APPLICATION_ID {
            return Err(StoreError::NotAStore(path));
        }
        let found = schema::version(&conn)?;
        if found > schema::LATEST {
            return Err(StoreError::TooNew {
                path,
                found,
                supported: schema::LATEST,
            });
        }
        configure(&conn)?;
        schema::migrate(&mut conn, schema::LATEST)?;
        Store::ready(conn, path)
    }

    fn ready(conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        // Stores older than schema 3 have no identity table; they never edit.
        let identity = if schema::version(&conn)? >= 3 {
            Identity::load_or_create(&conn)?
        } else {
            Identity {
                device: String::new(),
                actor: daakhla_crdt::ActorId::random(),
            }
        };
        Ok(Store {
            conn,
            path,
            identity,
            author: "unknown".into(),
        })
    }

    /// Names the person whose edits follow, for every record's history.
    pub fn set_author(&mut self, author: impl Into<String>) {
        self.author = author.into();
    }

    /// This device's id, as its changes carry it.
    pub fn device_id(&self) -> &str {
        &self.identity.device
    }

    /// What reports read: this store's rows (`daakhla_reports::report` and the drill-down).
    pub fn report_source(&self) -> daakhla_reports::SqliteSource<'_> {
        daakhla_reports::SqliteSource(&self.conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn)
    }

    pub fn counts(&self) -> Result<Counts, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(Counts {
            places: count("places")?,
            households: count("households")?,
            children: count("children")?,
            follow_ups: count("follow_ups")?,
            schools: count("schools")?,
            needs: count("needs")?,
        })
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // WAL: readers never block the writer, and a crash mid-write leaves the last commit.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit survives a flat battery, not only a killed app.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Runs `write` on the records of `items` in chunks of whole records, one transaction each,
/// reporting the number written so far. Every record is written as `author`, now.
fn write_in_chunks<T>(
    store: &mut Store,
    items: &[T],
    progress: &mut dyn FnMut(usize),
    mut write: impl FnMut(&Editor, &T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut done = 0;
    for chunk in items.chunks(BATCH_CHUNK) {
        let tx = store.conn.transaction()?;
        let editor = Editor {
            tx: &tx,
            identity: &store.identity,
            author: &store.author,
            at: chrono::Utc::now().timestamp(),
        };
        for item in chunk {
            write(&editor, item)?;
        }
        merging::relink(&tx)?;
        tx.commit()?;
        done += chunk.len();
        progress(done);
    }
    Ok(())
}

/// Reads an id column. Ids are written by this crate only, so a bad one means a damaged file.
pub(crate) fn id_column<T>(row: &rusqlite::Row, index: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(index)?;
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Reads a column holding a closed list's code.
pub(crate) fn coded_column<T: daakhla_domain::codes::Coded>(
    row: &rusqlite::Row,
    index: usize,
) -> rusqlite::Result<T> {
    let code: String = row.get(index)?;
    T::from_code(&code).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("unknown code {code:?}").into(),
        )
    })
}
