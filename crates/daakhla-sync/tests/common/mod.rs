//! What the convergence and hub tests share: a deterministic generator, a link that
//! misbehaves like a village network, and random offline edits of every kind of record.

#![allow(dead_code)]

use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::{apply_survey_patch, decode_value};
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Running, Server};
use daakhla_store::Store;
use daakhla_sync::{SyncError, Transport};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use daakhla_testkit::surveys::{household, in_school, osc};
use daakhla_wire::{Pull, Push};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const DEVICES: usize = 5;
pub const OPS: usize = 90;

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A link that misbehaves the way village networks do.
pub struct FlakyLink<'a> {
    pub remote: &'a dyn Transport,
    pub rng: RefCell<Rng>,
    pub last_pull: RefCell<Option<Pull>>,
}

pub fn cut(what: &str) -> SyncError {
    SyncError::Unreachable {
        url: "test".into(),
        why: what.into(),
    }
}

impl Transport for FlakyLink<'_> {
    fn push(&self, push: Push) -> Result<u64, SyncError> {
        let roll = self.rng.borrow_mut().below(100);
        match roll {
            0..=9 => Err(cut("dropped before sending")),
            10..=19 => {
                self.remote.push(push)?;
                Err(cut("acknowledgement lost"))
            }
            20..=29 => {
                self.remote.push(push.clone())?;
                self.remote.push(push)
            }
            _ => self.remote.push(push),
        }
    }

    fn send_places(&self, places: &daakhla_domain::geography::Geography) -> Result<u64, SyncError> {
        if self.rng.borrow_mut().chance(10) {
            return Err(cut("dropped"));
        }
        self.remote.send_places(places)
    }

    fn report_revoked(&self, phones: &[daakhla_sync::RevokedPhone]) -> Result<(), SyncError> {
        if self.rng.borrow_mut().chance(10) {
            return Err(cut("dropped"));
        }
        self.remote.report_revoked(phones)
    }

    fn pull(&self, after: u64) -> Result<(Pull, u64), SyncError> {
        let roll = self.rng.borrow_mut().below(100);
        let stale = self.last_pull.borrow().clone();
        match (roll, stale) {
            (0..=9, _) => Err(cut("dropped")),
            (10..=19, Some(old)) => Ok((old, 0)),
            _ => {
                let (mut pull, size) = self.remote.pull(after)?;
                if roll < 35 {
                    pull.changes.reverse();
                }
                *self.last_pull.borrow_mut() = Some(pull.clone());
                Ok((pull, size))
            }
        }
    }
}

/// A survey of two children, one out of school.
pub fn survey(village: &str, uc: &str, number: &str) -> HouseholdSurvey {
    household(uc, village, number)
        .head("Muhammad Aslam")
        .members(6)
        .child(osc("Sana", "girl", 9))
        .child(in_school("Bilal", "boy", 11, 4))
        .build()
}

/// A server on fresh data, answering over loopback, and a directory for devices' stores.
pub struct World {
    pub dir: tempfile::TempDir,
    pub server: Arc<Server>,
    pub running: Running,
    _scratch: Scratch,
}

impl World {
    pub fn new(scratch: Scratch) -> World {
        let dir = tempfile::tempdir().unwrap();
        let server = Arc::new(Server::open(scratch.location()).unwrap());
        server.import_geography(&two_union_councils()).unwrap();
        let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
        World {
            dir,
            server,
            running,
            _scratch: scratch,
        }
    }

    /// A device's store, enrolled on the server: its id and token there.
    pub fn enrol(&self, name: &str, role: Role, scopes: &[&str]) -> (Store, String, String) {
        let store = device_store(self.dir.path(), name);
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let (device, token) = self.server.add_device(name, role, &scopes).unwrap();
        (store, device.id, token)
    }
}

pub const HEADS: [&str; 4] = [
    "Muhammad Aslam",
    "محمد اسلم",
    "Ghulam Rasool",
    "Allah Ditta",
];
pub const LANDMARKS: [&str; 3] = ["Near the mosque", "By the canal", "Behind the school"];
pub const NAMES: [&str; 5] = ["Sana", "Bilal", "Hina", "Zainab", "Ali"];
pub const GENDERS: [&str; 3] = ["girls", "boys", "mixed"];
pub const NEEDS: [&str; 4] = ["boundary_wall", "latrines", "drinking_water", "electricity"];
pub const SEVERITIES: [&str; 4] = ["low", "medium", "high", "urgent"];

/// Every value any device wrote, by record and field.
pub type Written = BTreeMap<(String, String), BTreeSet<String>>;

pub fn note(written: &mut Written, id: &str, fields: &Value) {
    for (field, value) in fields.as_object().unwrap() {
        written
            .entry((id.to_string(), field.clone()))
            .or_default()
            .insert(value.to_string());
    }
}

pub fn random_op(
    rng: &mut Rng,
    store: &mut Store,
    written: &mut Written,
    device: usize,
    serial: &mut usize,
) {
    let households = store.households(None, Some("UC1")).unwrap();
    match rng.below(100) {
        0..=29 => {
            *serial += 1;
            let children: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| {
                    let out = rng.chance(50);
                    json!({"name": NAMES[rng.below(NAMES.len())], "sex": if rng.chance(50) { "girl" } else { "boy" },
                           "age_years": 5 + rng.below(12),
                           "schooling": if out { json!({"status": "never_enrolled"}) } else { json!({"status": "enrolled", "class": 2}) }})
                })
                .collect();
            // Numbers collide across devices on purpose: two people surveying one house.
            let mut survey: HouseholdSurvey = decode_value(json!({
                "household": {"uc_code": "UC1", "village_code": if rng.chance(50) { "V1" } else { "V2" },
                              "household_number": format!("{}", 1 + rng.below(40)), "consent": true,
                              "head_name": HEADS[rng.below(HEADS.len())], "members": 2 + rng.below(10),
                              "surveyed_by": format!("device {device}"), "surveyed_on": "2026-11-01"},
                "children": children
            }))
            .unwrap();
            survey.link_children();
            if store
                .add_surveys(std::slice::from_ref(&survey), &ctx(), &mut |_| {})
                .is_ok()
            {
                note(
                    written,
                    &survey.household.id.to_string(),
                    &serde_json::to_value(&survey.household).unwrap(),
                );
                for child in &survey.children {
                    note(
                        written,
                        &child.id.to_string(),
                        &serde_json::to_value(child).unwrap(),
                    );
                }
            }
        }
        30..=59 if !households.is_empty() => {
            let id = households[rng.below(households.len())].id;
            let fields = match rng.below(3) {
                0 => json!({"members": 2 + rng.below(12)}),
                1 => json!({"head_name": HEADS[rng.below(HEADS.len())]}),
                _ => json!({"landmark": LANDMARKS[rng.below(LANDMARKS.len())]}),
            };
            let Ok(stored) = store.survey(id) else { return };
            let edited = apply_survey_patch(&stored, &json!({"household": fields})).unwrap();
            if store
                .replace_surveys(&[edited], &ctx(), &mut |_| {})
                .is_ok()
            {
                note(written, &id.to_string(), &fields);
            }
        }
        60..=74 if !households.is_empty() => {
            let id = households[rng.below(households.len())].id;
            let Ok(stored) = store.survey(id) else { return };
            let Some(child) = stored.children.get(rng.below(stored.children.len().max(1))) else {
                return;
            };
            let fields = json!({"name": NAMES[rng.below(NAMES.len())]});
            let patch = json!({"children": [{"id": child.id.to_string(), "name": fields["name"]}]});
            let edited = apply_survey_patch(&stored, &patch).unwrap();
            if store
                .replace_surveys(&[edited], &ctx(), &mut |_| {})
                .is_ok()
            {
                note(written, &child.id.to_string(), &fields);
            }
        }
        75..=77 if households.len() >= 2 => {
            let (x, y) = (
                households[rng.below(households.len())].id,
                households[rng.below(households.len())].id,
            );
            let _ = store.merge_households(x, y);
        }
        78..=79 if !households.is_empty() => {
            let _ = store.delete_household(households[rng.below(households.len())].id);
        }
        80..=87 => {
            let due = store.follow_ups_due(Some("UC1"), None).unwrap();
            let Some(child) = due.get(rng.below(due.len().max(1))) else {
                return;
            };
            let outcome = if rng.chance(50) {
                json!({"kind": "enrolled", "school": {"name": "GGPS"}, "class": 1})
            } else {
                json!({"kind": "not_found"})
            };
            let visit = decode_value(json!({"child_id": child.child_id.to_string(),
                "visited_on": format!("2026-11-{:02}", 2 + rng.below(15)), "visited_by": format!("device {device}"),
                "outcome": outcome}))
            .unwrap();
            let _ = store.add_follow_ups(&[visit], &ctx(), &mut |_| {});
        }
        88..=90 => {
            let school: School = decode_value(json!({
                "name": format!("GPS Goth {}", 1 + rng.below(9)), "level": "primary",
                "gender": GENDERS[rng.below(3)], "functional": true,
                "uc_code": "UC1", "village_code": "V1"}))
            .unwrap();
            if store
                .save_schools(std::slice::from_ref(&school), &ctx(), &mut |_| {})
                .is_ok()
            {
                note(
                    written,
                    &school.id.to_string(),
                    &serde_json::to_value(&school).unwrap(),
                );
            }
        }
        91..=95 => {
            let schools = store.schools(Some("UC1")).unwrap();
            let Some(school) = schools.get(rng.below(schools.len().max(1))) else {
                return;
            };
            let need: InfrastructureNeed = decode_value(json!({
                "school_id": school.id.to_string(),
                "category": NEEDS[rng.below(NEEDS.len())],
                "severity": SEVERITIES[rng.below(SEVERITIES.len())],
                "identified_on": "2026-11-01", "reported_by": format!("device {device}")}))
            .unwrap();
            if store
                .save_needs(std::slice::from_ref(&need), &ctx(), &mut |_| {})
                .is_ok()
            {
                note(
                    written,
                    &need.id.to_string(),
                    &serde_json::to_value(&need).unwrap(),
                );
            }
        }
        96..=99 => {
            // A need moves on, or its severity is judged again, perhaps on two devices at once.
            let needs = store.needs(Some("UC1")).unwrap();
            let Some(need) = needs.get(rng.below(needs.len().max(1))) else {
                return;
            };
            let mut moved = need.clone();
            let fields = if rng.chance(50) {
                moved.severity =
                    decode_value(json!(SEVERITIES[rng.below(SEVERITIES.len())])).unwrap();
                json!({"severity": moved.severity})
            } else {
                moved.raised_on = Some(
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 2 + rng.below(5) as u32).unwrap(),
                );
                json!({"raised_on": moved.raised_on})
            };
            if store.save_needs(&[moved], &ctx(), &mut |_| {}).is_ok() {
                note(written, &need.id.to_string(), &fields);
            }
        }
        _ => {}
    }
}
