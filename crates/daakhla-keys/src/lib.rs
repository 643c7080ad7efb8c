//! Where a device store's key comes from, for the programs that open stores (the app, its
//! HTTP bridge, the command line): the OS calls behind `daakhla_store::KeySource`, kept out of
//! the store itself.
//!
//! [`for_device`] is what they all use:
//!
//! 1. `DAAKHLA_STORE_KEY` when it is set (tests and scripts): 64 hex digits are a raw key,
//!    any other text a PIN or passphrase (SQLCipher's PBKDF2, 256,000 iterations).
//! 2. Else [`DeviceKeys`]: a key file beside the store if one is there, else the OS keystore
//!    (one random key for this OS user, service `daakhla`, entry `store-key`), and, for a new
//!    or still plain store on a desktop whose keystore cannot keep a key (no Secret Service
//!    running, as in CI or a bare window manager), a new key file beside the store.
//!
//! Why a key file rather than asking for a PIN: the app opens its store before any screen
//! exists, and a field laptop with no keystore must still work offline and unattended. A key
//! file is weaker, said plainly: whoever copies the whole folder copies the key with it. It
//! still keeps a store file that travels alone (a backup, a file sent on WhatsApp, a disk
//! image of the data file) unreadable, and it is readable by this OS user only (0600). A PIN
//! (`StoreKey::Passphrase`) is the stronger choice where a user sets one; the app has no
//! screen for it yet.
//!
//! Android has no keystore here yet, so it takes the key file (in the app's private folder,
//! which other apps cannot read). The Android Keystore plugs into the same seam: a
//! `KeySource` whose `make` draws a random key, wraps it with AES-GCM under a non-exportable
//! Keystore key and writes the wrapped bytes beside the store, and whose `find` unwraps them
//! through the Keystore (JNI, from the Tauri shell); the store still sees a raw key.

use daakhla_store::{KeyError, KeySource, StoreKey};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable with an explicit key.
pub const KEY_VAR: &str = "DAAKHLA_STORE_KEY";

/// The key source a program on this device uses: `DAAKHLA_STORE_KEY` when set, else
/// [`DeviceKeys`].
pub fn for_device() -> Box<dyn KeySource + Send + Sync> {
    match explicit(std::env::var(KEY_VAR).ok().as_deref()) {
        Some(key) => Box::new(key),
        None => Box::new(DeviceKeys::default()),
    }
}

/// A key given as text (`--store-key`, `DAAKHLA_STORE_KEY`), if any.
pub fn explicit(text: Option<&str>) -> Option<StoreKey> {
    text.and_then(StoreKey::parse)
}

/// A key file beside the store, then the OS keystore, then a new key file.
#[derive(Debug, Clone)]
pub struct DeviceKeys {
    /// The OS keystore's entry, or none to use key files only.
    pub keystore: Option<Keystore>,
}

impl Default for DeviceKeys {
    fn default() -> DeviceKeys {
        DeviceKeys {
            keystore: Some(Keystore::default()),
        }
    }
}

impl KeySource for DeviceKeys {
    fn find(&self, store: &Path) -> Result<Option<StoreKey>, KeyError> {
        // A key file is only ever made when the keystore could not keep a key: it was this
        // store's key, whatever the keystore holds now.
        if let Some(key) = KeyFile::read(store)? {
            return Ok(Some(key));
        }
        Ok(self.keystore.as_ref().and_then(|k| k.get().ok().flatten()))
    }

    fn make(&self, store: &Path) -> Result<StoreKey, KeyError> {
        let key = random_key()?;
        if let Some(keystore) = &self.keystore
            && keystore.keep(&key).is_ok()
        {
            return Ok(key);
        }
        KeyFile::write(store, &key)?;
        Ok(key)
    }
}

/// 32 bytes from the OS's random source.
pub fn random_key() -> Result<StoreKey, KeyError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        KeyError::new(
            format!("no random bytes for a new key: {e}"),
            format!("نئی کلید کے لیے بے ترتیب بائٹس نہیں ملے: {e}"),
        )
    })?;
    Ok(StoreKey::Raw(bytes))
}

/// The key file beside a store: `daakhla.sqlite.key`, 64 hex digits, mode 0600.
pub struct KeyFile;

impl KeyFile {
    pub fn path(store: &Path) -> PathBuf {
        let mut name = store.as_os_str().to_owned();
        name.push(".key");
        PathBuf::from(name)
    }

    /// The key in the file beside `store`, if there is one.
    pub fn read(store: &Path) -> Result<Option<StoreKey>, KeyError> {
        let path = KeyFile::path(store);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(&path, &e)),
        };
        StoreKey::from_hex(&text).map(Some).ok_or_else(|| {
            KeyError::new(
                format!("{} is not a store key (64 hex digits)", path.display()),
                format!("{} اسٹور کی کلید نہیں (64 ہیکس ہندسے)", path.display()),
            )
        })
    }

    /// Writes a new key file beside `store`, readable by this user only, whole or not at all.
    pub fn write(store: &Path, key: &StoreKey) -> Result<(), KeyError> {
        let path = KeyFile::path(store);
        let hex = key.to_hex().ok_or_else(|| {
            KeyError::new(
                "a PIN is never written to a file",
                "PIN کبھی فائل میں نہیں لکھا جاتا",
            )
        })?;
        let mut name = path.as_os_str().to_owned();
        name.push(".new");
        let next = PathBuf::from(name);
        let _ = std::fs::remove_file(&next);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options.open(&next).and_then(|mut file| {
            file.write_all(format!("{hex}\n").as_bytes())?;
            file.sync_all()
        });
        written
            .and_then(|()| std::fs::rename(&next, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&next);
                file_error(&path, &e)
            })?;
        #[cfg(unix)]
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| file_error(dir, &e))?;
        }
        Ok(())
    }
}

fn file_error(path: &Path, e: &std::io::Error) -> KeyError {
    KeyError::new(
        format!("{} could not be read or written: {e}", path.display()),
        format!("{} پڑھی یا لکھی نہیں جا سکی: {e}", path.display()),
    )
}

/// The OS keystore's entry for store keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keystore {
    pub service: String,
    pub entry: String,
}

impl Default for Keystore {
    fn default() -> Keystore {
        Keystore {
            service: "daakhla".into(),
            entry: "store-key".into(),
        }
    }
}

impl Keystore {
    /// The key the keystore holds: none when it has none, an error when there is no keystore
    /// to ask (no Secret Service running) or it refused.
    #[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
    pub fn get(&self) -> Result<Option<StoreKey>, KeyError> {
        match keyring::Entry::new(&self.service, &self.entry).and_then(|e| e.get_password()) {
            Ok(text) => Ok(StoreKey::from_hex(&text)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keystore_error(&e)),
        }
    }

    /// Keeps `key` in the keystore, and reads it back: a keystore that cannot keep it is an
    /// error, so the caller writes a key file instead.
    #[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
    pub fn keep(&self, key: &StoreKey) -> Result<(), KeyError> {
        let hex = key.to_hex().ok_or_else(|| {
            KeyError::new(
                "a PIN is never kept in the keystore",
                "PIN کبھی کی اسٹور میں نہیں رکھا جاتا",
            )
        })?;
        let entry =
            keyring::Entry::new(&self.service, &self.entry).map_err(|e| keystore_error(&e))?;
        entry.set_password(&hex).map_err(|e| keystore_error(&e))?;
        match self.get()? {
            Some(back) if &back == key => Ok(()),
            _ => Err(KeyError::new(
                "the keystore did not keep the key",
                "کی اسٹور نے کلید محفوظ نہیں رکھی",
            )),
        }
    }

    #[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
    pub fn get(&self) -> Result<Option<StoreKey>, KeyError> {
        Err(no_keystore())
    }

    #[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
    pub fn keep(&self, _: &StoreKey) -> Result<(), KeyError> {
        Err(no_keystore())
    }
}

#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
fn keystore_error(e: &keyring::Error) -> KeyError {
    KeyError::new(
        format!("the OS keystore could not be used: {e}"),
        format!("سسٹم کا کی اسٹور استعمال نہیں ہو سکا: {e}"),
    )
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn no_keystore() -> KeyError {
    KeyError::new(
        "this platform has no keystore here yet",
        "اس پلیٹ فارم پر ابھی کی اسٹور موجود نہیں",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No keystore: key files only, as on a desktop with no Secret Service.
    fn files_only() -> DeviceKeys {
        DeviceKeys { keystore: None }
    }

    #[test]
    fn a_key_file_is_made_once_readable_by_its_user_only_and_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("daakhla.sqlite");
        let keys = files_only();
        assert_eq!(keys.find(&store).unwrap(), None);
        let made = keys.make(&store).unwrap();
        assert_eq!(keys.find(&store).unwrap(), Some(made.clone()));
        let file = KeyFile::path(&store);
        assert_eq!(file, dir.path().join("daakhla.sqlite.key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["daakhla.sqlite.key"], "no half-written file left");
        assert_ne!(random_key().unwrap(), made);
    }

    #[test]
    fn a_store_locked_by_a_key_file_opens_again_and_its_names_are_not_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daakhla.sqlite");
        let keys = files_only();
        drop(daakhla_store::Store::create_with_key(&path, &keys).unwrap());
        assert!(KeyFile::path(&path).exists());
        let store = daakhla_store::Store::open_with_key(&path, &keys).unwrap();
        assert!(store.is_encrypted().unwrap());
        drop(store);
        std::fs::remove_file(KeyFile::path(&path)).unwrap();
        // Key gone: refused, and no new key file is made for a store locked with another.
        assert!(matches!(
            daakhla_store::Store::open_with_key(&path, &keys),
            Err(daakhla_store::StoreError::NoKey(_))
        ));
        assert!(!KeyFile::path(&path).exists());
    }

    #[test]
    fn a_bad_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("daakhla.sqlite");
        std::fs::write(KeyFile::path(&store), "not a key").unwrap();
        let err = files_only().find(&store).unwrap_err();
        assert!(err.en.contains("is not a store key"), "{err}");
    }

    #[test]
    fn explicit_keys_come_from_text_and_empty_text_is_none() {
        assert_eq!(explicit(None), None);
        assert_eq!(explicit(Some("")), None);
        assert!(matches!(
            explicit(Some(&"ab".repeat(32))),
            Some(StoreKey::Raw(_))
        ));
        assert!(matches!(
            explicit(Some("4821")),
            Some(StoreKey::Passphrase(_))
        ));
    }

    /// With no Secret Service on the session bus (CI), the keystore fails cleanly, at once,
    /// and a new store gets a key file instead. Where a Secret Service runs this test leaves
    /// it alone (it would write into the user's real keyring).
    #[cfg(target_os = "linux")]
    #[test]
    fn with_no_secret_service_the_keystore_fails_cleanly_and_a_key_file_is_made() {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            eprintln!("a session bus is here: not touching its keyring");
            return;
        }
        let keystore = Keystore {
            service: "daakhla-test".into(),
            entry: "store-key".into(),
        };
        let started = std::time::Instant::now();
        assert!(keystore.get().is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("daakhla.sqlite");
        let keys = DeviceKeys {
            keystore: Some(keystore),
        };
        let made = keys.make(&store).unwrap();
        assert_eq!(KeyFile::read(&store).unwrap(), Some(made));
    }
}
