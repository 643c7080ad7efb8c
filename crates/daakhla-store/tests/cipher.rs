//! Encryption at rest: no child's or household head's name can be read from a device store's
//! files (the database, its WAL and its index), the right key reads everything back, a wrong
//! one is refused with the file untouched, and a plain store from before is encrypted in place
//! with nothing lost.

use daakhla_domain::household::HouseholdSurvey;
use daakhla_store::{KeyError, KeySource, Store, StoreError, StoreKey};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places;
use daakhla_testkit::surveys::{household, osc};
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// What must never be found in an encrypted store's bytes: names in both scripts.
const NAMES: &[&str] = &[
    "Zarmeena Bibi",
    "Ghulam Rasool",
    "زرمینہ بی بی",
    "غلام رسول",
    // Also what every store holds, so a plain file is known to be readable by this test.
    "household",
];

fn key() -> StoreKey {
    StoreKey::parse(&"5a".repeat(32)).unwrap()
}

fn other_key() -> StoreKey {
    StoreKey::parse(&"a5".repeat(32)).unwrap()
}

fn fill(store: &mut Store) {
    places::import(store);
    let surveys: Vec<HouseholdSurvey> = [
        ("1", "Ghulam Rasool", "Zarmeena Bibi"),
        ("2", "غلام رسول", "زرمینہ بی بی"),
    ]
    .into_iter()
    .map(|(number, head, child)| {
        household("UC1", "V1", number)
            .head(head)
            .surveyed_on("2026-09-01")
            .child(osc(child, "girl", 9))
            .build()
    })
    .collect();
    store.add_surveys(&surveys, &ctx(), &mut |_| {}).unwrap();
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The names found in the store's three files, with the file each is in.
fn names_in_files(path: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let Ok(bytes) = std::fs::read(beside(path, suffix)) else {
            continue;
        };
        for name in NAMES {
            if bytes.windows(name.len()).any(|w| w == name.as_bytes()) {
                found.push(format!("{name} in {suffix:?}"));
            }
        }
    }
    found
}

/// Every file in the folder with its length and a hash of its bytes: what "nothing changed,
/// nothing created" is checked against.
fn folder(dir: &Path) -> Vec<(String, usize, u64)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap();
            let mut hash = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&bytes, &mut hash);
            (
                e.file_name().to_string_lossy().into_owned(),
                bytes.len(),
                std::hash::Hasher::finish(&hash),
            )
        })
        .collect();
    files.sort();
    files
}

fn heads_and_children(store: &Store) -> Vec<String> {
    let mut names = Vec::new();
    // Search matches Urdu script and Roman Urdu alike: each term finds both spellings.
    for text in ["Rasool", "Zarmeena"] {
        for hit in store.search(text, 10).unwrap() {
            names.push(format!(
                "{}/{}",
                hit.household_number,
                hit.child_name.unwrap_or_default()
            ));
        }
    }
    names
}

#[test]
fn a_plain_store_shows_the_names_so_the_search_below_is_meaningful() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.sqlite");
    let mut store = Store::create(&path).unwrap();
    fill(&mut store);
    assert!(!store.is_encrypted().unwrap());
    let found = names_in_files(&path);
    assert!(
        found.iter().any(|f| f.starts_with("Zarmeena Bibi")),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f.starts_with("غلام رسول")), "{found:?}");
}

#[test]
fn no_name_is_in_an_encrypted_stores_files_with_a_live_wal_or_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let mut store = Store::create_with_key(&path, &key()).unwrap();
    fill(&mut store);
    assert!(store.is_encrypted().unwrap());
    // Open: the last writes are in the WAL, which must be there for this to mean anything.
    let wal = std::fs::metadata(beside(&path, "-wal")).unwrap().len();
    assert!(wal > 0, "a live WAL");
    assert!(beside(&path, "-shm").exists());
    assert_eq!(names_in_files(&path), Vec::<String>::new());
    assert_eq!(
        heads_and_children(&store),
        ["1/", "2/", "1/Zarmeena Bibi", "2/زرمینہ بی بی"]
    );
    // Closed: checkpointed into the main file, the WAL gone.
    drop(store);
    assert!(!beside(&path, "-wal").exists());
    assert_eq!(names_in_files(&path), Vec::<String>::new());

    let store = Store::open_with_key(&path, &key()).unwrap();
    assert_eq!(
        heads_and_children(&store),
        ["1/", "2/", "1/Zarmeena Bibi", "2/زرمینہ بی بی"]
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.counts().unwrap().children, 2);
}

#[test]
fn a_wrong_key_is_refused_and_the_file_is_unchanged_with_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    fill(&mut Store::create_with_key(&path, &key()).unwrap());
    let before = folder(dir.path());
    assert_eq!(before.len(), 1, "the closed store alone");

    for wrong in [other_key(), StoreKey::Passphrase("1234".into())] {
        let err = Store::open_with_key(&path, &wrong).err().unwrap();
        assert!(
            matches!(err, StoreError::WrongKey(ref p) if p == &path),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("this store is locked with another key"),
            "{err}"
        );
        assert!(
            err.message(daakhla_domain::Lang::Ur)
                .starts_with("یہ اسٹور کسی اور کلید سے مقفل ہے"),
        );
        assert_eq!(folder(dir.path()), before);
    }
    // Without a key at all, it is no store.
    assert!(matches!(Store::open(&path), Err(StoreError::NotAStore(_))));
    assert_eq!(folder(dir.path()), before);
    // And the right key still opens it.
    assert_eq!(
        Store::open_with_key(&path, &key())
            .unwrap()
            .counts()
            .unwrap()
            .households,
        2
    );
}

#[test]
fn a_wrong_key_is_refused_while_the_store_is_open_elsewhere_with_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let mut open = Store::create_with_key(&path, &key()).unwrap();
    fill(&mut open);
    let before = folder(dir.path());
    assert!(matches!(
        Store::open_with_key(&path, &other_key()),
        Err(StoreError::WrongKey(_))
    ));
    // The file and its WAL are byte for byte as they were. The -shm is the WAL's index in
    // shared memory, whose read marks every reader sets (a refused one too): same length,
    // nothing of the store's in it.
    let after = folder(dir.path());
    let names = |files: &[(String, usize, u64)]| -> Vec<(String, usize)> {
        files.iter().map(|(n, len, _)| (n.clone(), *len)).collect()
    };
    assert_eq!(names(&after), names(&before));
    for (was, is) in before.iter().zip(&after) {
        if !was.0.ends_with("-shm") {
            assert_eq!(was, is);
        }
    }
    assert_eq!(names_in_files(&path), Vec::<String>::new());
    assert_eq!(open.counts().unwrap().children, 2);
    fill_more(&mut open);
    drop(open);
    assert_eq!(
        Store::open_with_key(&path, &key())
            .unwrap()
            .counts()
            .unwrap()
            .households,
        3
    );
}

/// One more household, written after a refused open.
fn fill_more(store: &mut Store) {
    let survey = household("UC1", "V1", "3")
        .head("Allah Ditta")
        .surveyed_on("2026-09-02")
        .build();
    store.add_surveys(&[survey], &ctx(), &mut |_| {}).unwrap();
}

/// A source that holds no key until asked to make one, counting how often it was.
struct Counting {
    made: Cell<usize>,
    held: Cell<Option<[u8; 32]>>,
}

impl KeySource for Counting {
    fn find(&self, _: &Path) -> Result<Option<StoreKey>, KeyError> {
        Ok(self.held.get().map(StoreKey::Raw))
    }
    fn make(&self, _: &Path) -> Result<StoreKey, KeyError> {
        self.made.set(self.made.get() + 1);
        let bytes = [7u8; 32];
        self.held.set(Some(bytes));
        Ok(StoreKey::Raw(bytes))
    }
}

#[test]
fn an_encrypted_store_whose_key_is_gone_is_refused_and_no_new_key_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    fill(&mut Store::create_with_key(&path, &key()).unwrap());
    let before = folder(dir.path());
    let empty = Counting {
        made: Cell::new(0),
        held: Cell::new(None),
    };
    let err = Store::open_with_key(&path, &empty).err().unwrap();
    assert!(matches!(err, StoreError::NoKey(_)), "{err}");
    assert_eq!(empty.made.get(), 0);
    assert_eq!(folder(dir.path()), before);
}

#[test]
fn a_plain_store_from_before_is_encrypted_in_place_on_its_first_keyed_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    // Written by the code as it was: plain, left with its last writes still in the WAL, as
    // a killed app leaves it (the files copied while it is open).
    let live = dir.path().join("live.sqlite");
    let mut store = Store::create(&live).unwrap();
    fill(&mut store);
    store.set_author("Ayesha");
    let before = (
        store.counts().unwrap(),
        heads_and_children(&store),
        store.changes_to_push(1000).unwrap().len(),
        store.device_id().to_string(),
    );
    for suffix in ["", "-wal"] {
        std::fs::copy(beside(&live, suffix), beside(&path, suffix)).unwrap();
    }
    drop(store);
    std::fs::remove_file(&live).unwrap();
    assert!(std::fs::metadata(beside(&path, "-wal")).unwrap().len() > 0);
    assert!(!names_in_files(&path).is_empty());

    let source = Counting {
        made: Cell::new(0),
        held: Cell::new(None),
    };
    let store = Store::open_with_key(&path, &source).unwrap();
    assert_eq!(source.made.get(), 1);
    assert!(store.is_encrypted().unwrap());
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(
        store.schema_version().unwrap(),
        daakhla_store::schema::LATEST
    );
    let after = (
        store.counts().unwrap(),
        heads_and_children(&store),
        store.changes_to_push(1000).unwrap().len(),
        store.device_id().to_string(),
    );
    assert_eq!(after, before);
    drop(store);
    assert_eq!(names_in_files(&path), Vec::<String>::new());
    let names: Vec<String> = folder(dir.path()).into_iter().map(|(n, ..)| n).collect();
    assert_eq!(
        names,
        ["store.sqlite"],
        "no plain WAL or half-made file is left"
    );

    // Opened again, the key it was locked with is found, not a new one made.
    let store = Store::open_with_key(&path, &source).unwrap();
    assert_eq!(source.made.get(), 1);
    assert_eq!(store.counts().unwrap(), before.0);
    assert!(matches!(
        Store::open_with_key(&path, &other_key()),
        Err(StoreError::WrongKey(_))
    ));
}

#[test]
fn a_pin_locks_a_store_through_sqlciphers_key_derivation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let pin = StoreKey::Passphrase("482916".into());
    fill(&mut Store::create_with_key(&path, &pin).unwrap());
    assert_eq!(names_in_files(&path), Vec::<String>::new());
    let store = Store::open_with_key(&path, &pin).unwrap();
    assert_eq!(store.counts().unwrap().children, 2);
    drop(store);
    assert!(matches!(
        Store::open_with_key(&path, &StoreKey::Passphrase("482917".into())),
        Err(StoreError::WrongKey(_))
    ));
    // The PIN is not the raw key spelled out: the same digits as a raw key do not open it.
    assert!(matches!(
        Store::open_with_key(&path, &key()),
        Err(StoreError::WrongKey(_))
    ));
}

#[test]
fn a_foreign_plain_file_is_refused_before_any_key_is_made_or_byte_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    plain_file_not_a_store(&path);
    let before = folder(dir.path());
    let source = Counting {
        made: Cell::new(0),
        held: Cell::new(None),
    };
    assert!(matches!(
        Store::open_with_key(&path, &source),
        Err(StoreError::NotAStore(_))
    ));
    assert_eq!(source.made.get(), 0);
    assert_eq!(folder(dir.path()), before);
}

/// A file that starts like plain SQLite and is not a store.
fn plain_file_not_a_store(path: &Path) {
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.resize(4096, 0);
    std::fs::write(path, bytes).unwrap();
}
