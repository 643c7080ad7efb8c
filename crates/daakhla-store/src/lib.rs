//! The device's local store: one SQLite file (WAL, foreign keys on, synchronous writes) that
//! holds every record a device has, and answers the questions the field asks of it.
//!
//! Records are stored whole as JSON in `body`, beside copies of the fields queries use. Every
//! write validates first and then commits whole records in transactions: a household and its
//! roster are saved together or not at all, and a batch that breaks any rule saves nothing.
//!
//! A device's store is encrypted with SQLCipher (`key`: the key comes from a [`KeySource`]);
//! `create` and `open` without a key are plain SQLite files, as the server keeps them.

mod bulk;
mod digest;
mod documents;
mod duplicates;
mod error;
mod follow_ups;
mod geography;
pub mod key;
mod merging;
pub mod rows;
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
pub use geography::{PlaceRow, place_tree};
pub use key::{KeyError, KeySource, StoreKey};
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
    /// Creates a new plain (unencrypted) store file with the latest schema: the server's.
    pub fn create(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Self::create_at_version(path, schema::LATEST)
    }

    /// Creates a new store file encrypted with a key from `keys` (the one it holds, else a new
    /// one it makes): a device's.
    pub fn create_with_key(
        path: impl AsRef<Path>,
        keys: &dyn KeySource,
    ) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_path_buf()));
        }
        let key = match keys.find(path)? {
            Some(key) => key,
            None => keys.make(path)?,
        };
        Self::create_keyed(path, Some(&key), schema::LATEST)
    }

    /// Creates a store at an older schema version: for tests and fixtures of migrations.
    #[doc(hidden)]
    pub fn create_at_version(path: impl AsRef<Path>, version: u32) -> Result<Store, StoreError> {
        Self::create_keyed(path.as_ref(), None, version)
    }

    fn create_keyed(
        path: &Path,
        key: Option<&StoreKey>,
        version: u32,
    ) -> Result<Store, StoreError> {
        let path = path.to_path_buf();
        if path.exists() {
            return Err(StoreError::AlreadyExists(path));
        }
        let mut conn = Connection::open(&path)?;
        if let Some(key) = key {
            unlock(&conn, key)?;
        }
        conn.pragma_update(None, "application_id", schema::APPLICATION_ID)?;
        configure(&conn)?;
        schema::migrate(&mut conn, version)?;
        Store::ready(conn, path)
    }

    /// Opens an existing plain store (the server's), migrating an older schema to the latest. A
    /// file that is not a store or that a newer build wrote is refused before anything is
    /// written to it; so is an encrypted store, which is no store without its key.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Self::open_keyed(path.as_ref(), None)
    }

    /// Opens an existing store with its key from `keys`, migrating an older schema to the
    /// latest. A plain store (from before encryption) is encrypted in place first, with a
    /// key `keys` holds or makes. A wrong key, like every other refusal, leaves the file as it
    /// was and nothing beside it.
    pub fn open_with_key(
        path: impl AsRef<Path>,
        keys: &dyn KeySource,
    ) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        if key::is_plain(path).map_err(|e| StoreError::Io(path.to_path_buf(), e))? {
            // Checked as a store before a key is made for it or a byte of it is rewritten.
            drop(Self::open_keyed(path, None)?);
            let key = match keys.find(path)? {
                Some(key) => key,
                None => keys.make(path)?,
            };
            encrypt_in_place(path, &key)?;
            return Self::open_keyed(path, Some(&key));
        }
        let key = keys
            .find(path)?
            .ok_or_else(|| StoreError::NoKey(path.to_path_buf()))?;
        Self::open_keyed(path, Some(&key))
    }

    fn open_keyed(path: &Path, key: Option<&StoreKey>) -> Result<Store, StoreError> {
        let path = path.to_path_buf();
        if !path.is_file() {
            return Err(StoreError::Missing(path));
        }
        let plain = key::is_plain(&path).map_err(|e| StoreError::Io(path.clone(), e))?;
        match (key, plain) {
            // Without a key, an encrypted store cannot be told from any other file.
            (None, false) => return Err(StoreError::NotAStore(path)),
            // A key for a plain file would encrypt nothing and fail as a wrong key: say so.
            (Some(_), true) => return Err(StoreError::NotEncrypted(path)),
            _ => {}
        }
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        if let Some(key) = key {
            unlock(&conn, key)?;
            // The first read tells a wrong key: SQLCipher cannot authenticate page 1.
            if conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
                .is_err()
            {
                return Err(StoreError::WrongKey(path));
            }
        }
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

    /// Whether this store's file is encrypted.
    pub fn is_encrypted(&self) -> Result<bool, StoreError> {
        Ok(!key::is_plain(&self.path).map_err(|e| StoreError::Io(self.path.clone(), e))?)
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

    /// The store's connection, for other crates' read-only queries: reports read a store's
    /// rows through it (`daakhla_reports::SqliteSource`). Everything that writes goes through
    /// the store's own methods, in their transactions.
    pub fn connection(&self) -> &rusqlite::Connection {
        &self.conn
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

/// Gives SQLCipher the key: the first statement on a connection, before anything reads the
/// file. `cipher_memory_security` stays at SQLCipher's default (off): wiping and locking every
/// allocation costs cheap phones much for little, since the key is in memory while the store is
/// open anyway.
fn unlock(conn: &Connection, key: &StoreKey) -> Result<(), StoreError> {
    conn.pragma_update(None, "key", key.pragma_value())?;
    Ok(())
}

/// Encrypts a plain store: everything is exported into a new encrypted file beside it, which
/// then replaces the plain one by an atomic rename. A crash before the rename leaves the plain
/// store as it was (and a half-written file the next try replaces); after it, the encrypted
/// one, whole.
fn encrypt_in_place(path: &Path, key: &StoreKey) -> Result<(), StoreError> {
    let io = |e| StoreError::Io(path.to_path_buf(), e);
    let mut name = path.as_os_str().to_owned();
    name.push(".encrypting");
    let next = PathBuf::from(name);
    match std::fs::remove_file(&next) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
        _ => {}
    }
    {
        // CREATE: the encrypted file is made by ATTACH, which takes this connection's flags
        // (the plain file exists: it was just checked as a store).
        let plain = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        plain.busy_timeout(std::time::Duration::from_secs(5))?;
        // Held from the first read to the close, so no other program writes while the rows
        // are copied.
        plain.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))?;
        // Everything committed moves into the main file, so the WAL holds nothing more.
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let (application_id, version): (i64, u32) = (
            plain.query_row("PRAGMA application_id", [], |r| r.get(0))?,
            plain.query_row("PRAGMA user_version", [], |r| r.get(0))?,
        );
        plain.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            [next.to_string_lossy().into_owned(), key.pragma_value()],
        )?;
        plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        // The export copies schema and rows, not the header's numbers.
        plain.pragma_update(Some("encrypted"), "application_id", application_id)?;
        plain.pragma_update(Some("encrypted"), "user_version", version)?;
        let check: String =
            plain.query_row("PRAGMA encrypted.integrity_check", [], |r| r.get(0))?;
        plain.execute_batch("DETACH DATABASE encrypted")?;
        if check != "ok" {
            drop(plain);
            let _ = std::fs::remove_file(&next);
            return Err(StoreError::NotAStore(path.to_path_buf()));
        }
    }
    std::fs::File::open(&next)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    // The plain file's WAL and index are empty after the checkpoint and last close; they
    // must not outlive it beside the encrypted file.
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            _ => {}
        }
    }
    std::fs::rename(&next, path).map_err(io)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself survives a flat battery once the folder is synced (not on Windows,
        // where a folder cannot be opened like this; its rename is durable on its own).
        #[cfg(unix)]
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
        #[cfg(not(unix))]
        let _ = dir;
    }
    Ok(())
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
        rows::relink(&mut rows::SqliteRows(&tx))?;
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
