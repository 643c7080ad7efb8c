//! The seed corpus: valid messages, packs, records and changes, plus a few edge cases, one
//! file each in `corpus/<target>/`. Every seed is checked to read as it should; with
//! `DAAKHLA_WRITE_SEEDS=1` the files are (re)written:
//!
//!     DAAKHLA_WRITE_SEEDS=1 cargo test --manifest-path fuzz/Cargo.toml

use daakhla_fuzz::*;
use daakhla_wire::{decode_pull, decode_push, encode_pack, encode_pull, encode_push, open_pack};
use flate2::read::DeflateDecoder;
use std::io::Read;
use std::path::Path;

fn inflate(compressed: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    DeflateDecoder::new(compressed)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![mode];
    out.extend(bytes);
    out
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| out.push((name.to_string(), bytes));
    match target {
        "decode_push" => {
            for (i, push) in pushes().iter().enumerate() {
                let message = encode_push(push);
                add(&format!("push-{i}"), with_mode(0, &message));
                add(&format!("push-{i}-plain"), with_mode(1, &inflate(&message)));
            }
            add(
                "huge-count-plain",
                with_mode(1, b"DKPU\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f"),
            );
            add(
                "ten-byte-varint-plain",
                with_mode(1, b"DKPU\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"),
            );
            add(
                "a-pull-plain",
                with_mode(1, &inflate(&encode_pull(&pulls()[0]))),
            );
            add("version-2-plain", with_mode(1, b"DKPU\x02\x00"));
        }
        "decode_pull" => {
            for (i, pull) in pulls().iter().enumerate() {
                let message = encode_pull(pull);
                add(&format!("pull-{i}"), with_mode(0, &message));
                add(&format!("pull-{i}-plain"), with_mode(1, &inflate(&message)));
            }
            add("more-flag-2-plain", with_mode(1, b"DKPL\x01\x00\x02\x00"));
            add(
                "trailing-byte-plain",
                with_mode(1, b"DKPL\x01\x00\x00\x00\x00"),
            );
        }
        "pack" => {
            for (i, pack) in packs().iter().enumerate() {
                let bytes = encode_pack(pack, &key());
                add(
                    &format!("pack-{i}-cut"),
                    with_mode(0, &bytes[..bytes.len() - 7]),
                );
                add(&format!("pack-{i}"), with_mode(0, &bytes));
                add(
                    &format!("pack-{i}-inside"),
                    with_mode(1, &pack_inside(pack)),
                );
            }
            add("a-push", with_mode(0, &encode_push(&pushes()[1])));
            add("many-sections-inside", {
                let mut inside = pack_inside(&packs()[0]);
                inside.pop(); // the section count of an empty pack, 0
                inside.extend([0x90, 0x4e, 0x01, 0x03, 0x00]); // 10_000 sections, one empty
                with_mode(1, &inside)
            });
        }
        "json_input" => {
            let text = |mode: u8, value: serde_json::Value| {
                with_mode(
                    mode,
                    serde_json::to_string_pretty(&value).unwrap().as_bytes(),
                )
            };
            add("survey", text(0, survey_json()));
            add(
                "surveys",
                text(
                    0,
                    serde_json::json!([survey_json(), {"household": {"consent": false}}]),
                ),
            );
            add("follow-ups", text(1, follow_up_json()));
            add("school", text(2, school_json()));
            add("need", text(3, need_json()));
            add("patches", text(4, patches_json()));
            add(
                "geography-reference",
                with_mode(5, daakhla_domain::geography::REFERENCE_JSON.as_bytes()),
            );
            add(
                "geography",
                text(
                    5,
                    serde_json::json!({
                        "provinces": [{"code": "SD", "name": {"en": "Sindh", "ur": "سندھ"}}],
                        "districts": [{"code": "SD-THT", "parent": "SD", "name": {"en": "Thatta", "ur": "ٹھٹہ"}}],
                        "tehsils": [{"code": "SD-THT-T1", "parent": "SD-THT", "name": {"en": "Thatta", "ur": "ٹھٹہ"}}],
                        "union_councils": [{"code": "SD-THT-UC07", "parent": "SD-THT-T1", "name": {"en": "Makli", "ur": "مکلی"}, "demo": true}],
                        "villages": [{"code": "SD-THT-UC07-V03", "parent": "SD-THT-UC07", "name": {"en": "Goth", "ur": "گوٹھ"}}]
                    }),
                ),
            );
            add(
                "deep",
                with_mode(
                    4,
                    format!(
                        "[{{}}, {}{}]",
                        "{\"household\":".repeat(120),
                        "}".repeat(120)
                    )
                    .as_bytes(),
                ),
            );
        }
        "automerge_change" => {
            for (i, mut change) in record_changes().into_iter().enumerate() {
                add(&format!("record-{i}"), change.bytes().to_vec());
            }
            add("text-object", text_change().bytes().to_vec());
            add(
                "poison",
                include_bytes!("../../crates/daakhla-sync/tests/fixtures/poison-household.change")
                    .to_vec(),
            );
        }
        other => panic!("no seeds for {other}"),
    }
    out
}

const TARGETS: [&str; 5] = [
    "decode_push",
    "decode_pull",
    "pack",
    "json_input",
    "automerge_change",
];

#[test]
fn the_seeds_read_as_they_should() {
    for plain in [&b""[..], b"DKPU\x01\x00", &vec![7u8; 200_000]] {
        assert_eq!(
            inflate(&deflate(plain)),
            plain,
            "stored blocks inflate back"
        );
    }
    for push in pushes() {
        assert_eq!(decode_push(&encode_push(&push)), Ok(push));
    }
    for pull in pulls() {
        assert_eq!(decode_pull(&encode_pull(&pull)), Ok(pull));
    }
    for pack in packs() {
        let sealed = sealed_frame(&pack_inside(&pack));
        assert_eq!(
            sealed,
            encode_pack(&pack, &key()),
            "the fuzz targets seal as packs are sealed"
        );
        assert_eq!(open_pack(&sealed).unwrap().unseal(&key()), Ok(pack));
    }
    let survey: daakhla_domain::household::HouseholdSurvey =
        daakhla_domain::input::decode_value(survey_json()).unwrap();
    assert_eq!(survey.children.len(), 3);
    let follow_ups: Vec<daakhla_domain::followup::FollowUp> =
        daakhla_domain::input::decode_value(follow_up_json()).unwrap();
    assert_eq!(follow_ups.len(), 4);
    let _: daakhla_domain::school::School =
        daakhla_domain::input::decode_value(school_json()).unwrap();
    let _: daakhla_domain::school::InfrastructureNeed =
        daakhla_domain::input::decode_value(need_json()).unwrap();
    for change in record_changes() {
        daakhla_crdt::fields_written(&change).unwrap();
    }
    assert!(daakhla_crdt::fields_written(&text_change()).is_err());
    base_document();

    let write = std::env::var_os("DAAKHLA_WRITE_SEEDS").is_some();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in TARGETS {
        let dir = corpus.join(target);
        for (name, bytes) in seeds(target) {
            let file = dir.join(&name);
            if write {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&file, &bytes).unwrap();
            } else {
                assert!(
                    file.exists(),
                    "{} is missing: DAAKHLA_WRITE_SEEDS=1 writes it",
                    file.display()
                );
            }
        }
    }
}
