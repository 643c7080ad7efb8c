//! What the fuzz targets share: how an input chooses its mode, the fixed key packs are sealed
//! with, and the valid messages, packs, records and changes the seed corpus is made of
//! (`tests/seeds.rs` writes them to `corpus/<target>/`).
//!
//! A target's input starts with one byte choosing a mode (its lowest bits), so a target can
//! both take bytes exactly as they arrive (a compressed message, a sealed pack) and take the
//! bytes inside a valid frame (a message's plain bytes, compressed here; a pack's header and
//! body, framed and sealed here), where the fuzzer cannot get by itself.

use daakhla_crdt::{ActorId, Change, RecordDoc, Stamp};
use daakhla_wire::{Direction, Kind, Pack, PackHeader, PackKey, Pull, Push, WireChange};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::cell::RefCell;
use uuid::Uuid;

/// The token of the device every fuzzed pack is sealed for.
pub const TOKEN: &str = "the fuzzing device's token";

pub fn key() -> PackKey {
    PackKey::from_token(TOKEN)
}

/// Splits an input into its mode (0..modes) and the rest.
pub fn mode(data: &[u8], modes: u8) -> Option<(u8, &[u8])> {
    let (first, rest) = data.split_first()?;
    Some((first % modes, rest))
}

/// DEFLATE without compression (stored blocks): a valid compressed message for the decoder,
/// made without a compressor's large tables at every input (they made the wire targets ten
/// times slower).
pub fn deflate(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plain.len() + 5 * (plain.len() / 0xffff + 1));
    let mut blocks = plain.chunks(0xffff).peekable();
    if blocks.peek().is_none() {
        out.extend([1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = blocks.peek().is_none();
        let len = block.len() as u16;
        out.push(u8::from(last));
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(block);
    }
    out
}

/// A pack's frame around `header_and_body`: magic, version, the right length, and a valid
/// seal with `key()` (HMAC-SHA256 keyed with the token's SHA-256, as docs/sync-protocol.md
/// describes it).
pub fn sealed_frame(header_and_body: &[u8]) -> Vec<u8> {
    let mut out = daakhla_wire::PACK_MAGIC.to_vec();
    out.push(daakhla_wire::PACK_VERSION);
    out.extend(((4 + 1 + 8 + header_and_body.len() + 32) as u64).to_le_bytes());
    out.extend(header_and_body);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&token_hash()).expect("any key");
    mac.update(&out);
    out.extend(mac.finalize().into_bytes());
    out
}

fn token_hash() -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(TOKEN.as_bytes()).into()
}

/// A pack's header and body: what `sealed_frame` takes (the pack less its 13-byte prefix and
/// 32-byte seal).
pub fn pack_inside(pack: &Pack) -> Vec<u8> {
    let bytes = daakhla_wire::encode_pack(pack, &key());
    bytes[13..bytes.len() - 32].to_vec()
}

thread_local! {
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// For code that catches panics on purpose (`daakhla_crdt` guards every call into Automerge):
/// libfuzzer-sys aborts at any panic, caught or not, so this hook only remembers the message,
/// and `no_panic_escapes` aborts when a panic leaves the code under test.
pub fn remember_panics() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // Where it came from, when asked (capturing costs time at every caught panic).
        let trace = match std::env::var_os("DAAKHLA_FUZZ_BACKTRACE") {
            Some(_) => format!("\n{}", std::backtrace::Backtrace::force_capture()),
            None => String::new(),
        };
        LAST_PANIC.with(|p| *p.borrow_mut() = format!("{info}{at}{trace}"));
    }));
}

/// Runs `work`; a panic out of it is a crash for libFuzzer, with the panic's message.
pub fn no_panic_escapes(work: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).is_err() {
        LAST_PANIC.with(|p| eprintln!("a panic escaped: {}", p.borrow()));
        std::process::abort();
    }
}

// ----- Seeds: valid inputs the fuzzer starts from -----

pub fn stamp(author: &str, at: i64) -> Stamp {
    Stamp {
        author: author.into(),
        device: "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b".into(),
        at,
    }
}

pub fn actor(n: u8) -> ActorId {
    ActorId::from(&[n; 16][..])
}

pub const HOUSEHOLD_ID: &str = "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a10";
pub const CHILD_ID: &str = "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a11";
pub const SCHOOL_ID: &str = "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a01";

pub fn survey_json() -> Value {
    json!({
        "household": {
            "id": HOUSEHOLD_ID,
            "uc_code": "SD-THT-UC07", "village_code": "SD-THT-UC07-V03",
            "household_number": "47", "landmark": "Behind the girls' school", "consent": true,
            "gps": {"latitude": 24.7468, "longitude": 67.9235, "accuracy_m": 12.0},
            "respondent_name": "شازیہ بی بی", "respondent_relation": "mother",
            "respondent_phone": "03001234567", "head_name": "Muhammad Aslam", "head_sex": "man",
            "mother_schooling": "none", "father_schooling": "primary", "house_type": "katcha",
            "members": 7, "surveyed_by": "Ayesha Memon", "surveyed_on": "2026-11-01"
        },
        "children": [
            {"id": CHILD_ID, "name": "Sana", "sex": "girl", "age_years": 9,
             "relation_to_head": "child", "father_name": "Muhammad Aslam",
             "functioning": {"seeing": "no_difficulty", "walking": "some_difficulty", "anxiety": "never"},
             "schooling": {"status": "never_enrolled"},
             "reasons_out_of_school": ["cost", "no_girls_school"], "willing_to_enrol": true,
             "preferred_school": {"id": SCHOOL_ID, "name": "GGPS Makli"}},
            {"name": "بلال", "sex": "boy", "date_of_birth": "2013-03-15", "relation_to_head": "child",
             "schooling": {"status": "dropped_out", "last_class_passed": 3, "year_left": 2024},
             "reasons_out_of_school": ["child_works", "other"], "other_reason": "Looks after the goats",
             "willing_to_enrol": false},
            {"name": "Hina", "sex": "girl", "date_of_birth": "2018-05-01", "relation_to_head": "grandchild",
             "schooling": {"status": "enrolled", "school": {"name": "GGPS Makli"}, "class": 2}}
        ]
    })
}

pub fn follow_up_json() -> Value {
    json!([
        {"child_id": CHILD_ID, "visited_on": "2026-11-10", "visited_by": "Ayesha Memon",
         "outcome": {"kind": "enrolled", "school": {"name": "GGPS Makli"}, "class": 1, "admitted_on": "2026-11-09"},
         "notes": "Mother came to the school with us."},
        {"child_id": CHILD_ID, "visited_on": "2026-11-20",
         "outcome": {"kind": "retention_check", "milestone": "1_month", "attending_regularly": true,
                     "days_attended_last_week": 5}},
        {"child_id": CHILD_ID, "visited_on": "2026-11-05", "outcome": {"kind": "admission_pending", "why": "no B-form"}},
        {"child_id": CHILD_ID, "visited_on": "2026-11-06", "outcome": {"kind": "refused"}, "deleted": true}
    ])
}

pub fn school_json() -> Value {
    json!({
        "id": SCHOOL_ID, "emis_code": "408010123", "name": "GGPS Makli", "level": "primary",
        "gender": "girls", "functional": true, "uc_code": "SD-THT-UC07",
        "village_code": "SD-THT-UC07-V03", "gps": {"latitude": 24.75, "longitude": 67.9},
        "teachers": 2, "classrooms": 3, "enrolment": 84,
        "facilities": {"boundary_wall": "under_6ft", "wall_condition": "needs_repair",
                       "drinking_water": "hand_pump", "electricity": "partial",
                       "toilets_usable": 1, "building_condition": "needs_repair"}
    })
}

pub fn need_json() -> Value {
    json!({
        "school_id": SCHOOL_ID, "category": "latrines", "severity": "high",
        "description": "No usable latrine for 84 girls", "identified_on": "2026-10-01",
        "reported_by": "Ayesha Memon", "raised_on": "2026-10-05",
        "raised_with": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a02", "promised_on": "2026-10-20",
        "resolved_on": "2026-11-15"
    })
}

/// A stored survey and edits to it, as `json_input`'s patch mode reads them.
pub fn patches_json() -> Value {
    json!([
        survey_json(),
        {"household": {"id": HOUSEHOLD_ID, "head_name": "M. Aslam", "landmark": null}},
        {"children": [{"id": CHILD_ID, "age_years": 10},
                      {"name": "Ali", "sex": "boy", "age_years": 7, "schooling": {"status": "enrolled"}}]},
        {"children": null, "household": {"gps": null, "consent": false}}
    ])
}

/// A household record's body as a document holds it: flat fields, objects as JSON values.
pub fn record_body(head: &str, members: i64) -> Value {
    json!({"id": HOUSEHOLD_ID, "uc_code": "SD-THT-UC07", "household_number": "47",
           "head_name": head, "members": members, "consent": true,
           "gps": {"latitude": 24.7468, "longitude": 67.9235}, "deleted": false})
}

/// A record's changes as devices write them: created, edited, and a field removed.
pub fn record_changes() -> Vec<Change> {
    let mut doc = RecordDoc::new(&actor(1));
    let mut changes = Vec::new();
    changes.extend(
        doc.write(
            &record_body("Muhammad Aslam", 7),
            &stamp("ayesha", 1_795_000_000),
        )
        .unwrap(),
    );
    changes.extend(
        doc.write(&record_body("M. Aslam", 8), &stamp("ayesha", 1_795_000_100))
            .unwrap(),
    );
    let mut gone = record_body("M. Aslam", 8);
    gone.as_object_mut().unwrap().remove("gps");
    changes.extend(doc.write(&gone, &stamp("ayesha", 1_795_000_200)).unwrap());
    changes
}

/// The document `automerge_change` applies each fuzzed change onto: the record's first change.
pub fn base_document() -> Vec<u8> {
    let (mut doc, refused) =
        RecordDoc::load_and_apply(None, &actor(9), &record_changes()[..1]).unwrap();
    assert!(refused.is_empty());
    doc.save()
}

/// A change as JavaScript Automerge writes a string (a Text object), which the server refuses.
pub fn text_change() -> Change {
    use automerge::transaction::Transactable;
    let mut js = automerge::AutoCommit::new().with_actor(actor(4));
    let text = js
        .put_object(automerge::ROOT, "head_name", automerge::ObjType::Text)
        .unwrap();
    js.splice_text(&text, 0, 0, "Aslam").unwrap();
    js.put(automerge::ROOT, "members", 7i64).unwrap();
    js.commit();
    js.get_last_local_change().unwrap().clone()
}

pub fn wire_changes() -> Vec<WireChange> {
    let doc_id: Uuid = HOUSEHOLD_ID.parse().unwrap();
    let mut changes: Vec<WireChange> = record_changes()
        .into_iter()
        .map(|c| WireChange {
            doc_id,
            kind: Kind::Household,
            scope: "SD-THT-UC07".into(),
            bytes: c.raw_bytes().to_vec(),
        })
        .collect();
    changes.push(WireChange {
        doc_id: CHILD_ID.parse().unwrap(),
        kind: Kind::Child,
        scope: "SD-THT-UC07".into(),
        bytes: b"not an automerge change".to_vec(),
    });
    changes
}

pub fn pushes() -> Vec<Push> {
    vec![
        Push { changes: vec![] },
        Push {
            changes: wire_changes(),
        },
    ]
}

pub fn pulls() -> Vec<Pull> {
    vec![
        Pull {
            cursor: 0,
            more: false,
            changes: vec![],
        },
        Pull {
            cursor: 1_234_567,
            more: true,
            changes: wire_changes(),
        },
        Pull {
            cursor: u64::MAX,
            more: false,
            changes: wire_changes()[..1].to_vec(),
        },
    ]
}

pub fn packs() -> Vec<Pack> {
    let header = |direction, after, upto| PackHeader {
        direction,
        device: "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b".into(),
        user: "عائشہ".into(),
        written_at: 1_795_000_000,
        scopes: vec!["SD-THT-UC07".into(), "SD-THT-UC08".into()],
        after,
        upto,
    };
    vec![
        Pack {
            header: header(Direction::ToServer, 17, 0),
            changes: vec![],
        },
        Pack {
            header: header(Direction::ToServer, 17, 0),
            changes: wire_changes(),
        },
        Pack {
            header: header(Direction::ToDevice, 17, 420),
            changes: wire_changes(),
        },
    ]
}
