//! Every validation rule, each with at least one test that makes it fail. A test starts from a
//! valid record written as JSON, changes one thing, and asserts the exact list of violations:
//! the field path (`children[1].age_years`) and the rule. Every violation found is also checked
//! to name its field, and the rule, in English and in Urdu.
//!
//! Today is 2026-11-22 throughout; the household was surveyed on 2026-11-01.
//!
//! Four rules are applied by the store, not by this crate, because they need to know what is
//! already stored (`HouseholdNumberTaken`, `AlreadyStored`, `UnknownRecord`,
//! `PlaceNotInUnionCouncil`): they fail in `daakhla-store`'s tests; here only their wording is
//! checked.

use chrono::NaiveDate;
use daakhla_domain::Lang;
use daakhla_domain::advocacy::{AdvocacyMessage, CommunityMeeting, Official};
use daakhla_domain::followup::{ChildFacts, FollowUp};
use daakhla_domain::geography::Geography;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::{ChildId, HouseholdId};
use daakhla_domain::input::decode_value;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::{
    Context, FieldPath, MAX_LONG_TEXT, MAX_TEXT, Rule, Validate, Violation, Violations,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a test date")
}

fn today() -> NaiveDate {
    date("2026-11-22")
}

fn ctx() -> Context {
    Context { today: today() }
}

const SURVEYED_ON: &str = "2026-11-01";

/// A field path as code writes it: `household.surveyed_on`, `children[1].age_years`.
fn path(keys: &[&'static str]) -> FieldPath {
    keys.iter().fold(FieldPath::root(), |p, k| p.key(k))
}

/// What a validation found, as (field path, rule), after checking that each violation names
/// its field and its rule in both languages.
type Found = Vec<(String, Rule)>;

fn at(field: &str, rule: Rule) -> (String, Rule) {
    (field.to_string(), rule)
}

fn found(result: Result<(), Violations>) -> Found {
    match result {
        Ok(()) => Vec::new(),
        Err(violations) => {
            assert!(!violations.0.is_empty(), "an error must hold a violation");
            violations
                .0
                .iter()
                .inspect(|v| assert_named_in_both_languages(v))
                .map(|v| (v.field.to_string(), v.rule.clone()))
                .collect()
        }
    }
}

fn is_urdu_letter(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

/// The message gives the path, then the field in words, then the rule, in each language; the
/// Urdu words are in Urdu script and the English ones are not raw code keys.
fn assert_named_in_both_languages(v: &Violation) {
    let code_path = v.field.to_string();
    for lang in Lang::ALL {
        let label = v.field.label(lang);
        let rule = v.rule.message(lang);
        assert!(
            !rule.trim().is_empty(),
            "{lang:?} sentence for {:?}",
            v.rule
        );
        assert_eq!(
            v.message(lang),
            format!("{code_path} ({label}): {rule}"),
            "{lang:?} message for {code_path}"
        );
        for segment in label.split(" › ") {
            match lang {
                Lang::En => assert!(
                    segment.starts_with(|c: char| c.is_ascii_uppercase()) && !segment.contains('_'),
                    "{code_path}: English label {label:?} shows a code key, not words"
                ),
                Lang::Ur => assert!(
                    segment.chars().any(is_urdu_letter),
                    "{code_path}: Urdu label {label:?} has a segment not in Urdu"
                ),
            }
        }
    }
    assert!(
        v.rule.message(Lang::Ur).chars().any(is_urdu_letter),
        "{:?}: Urdu sentence is not in Urdu",
        v.rule
    );
    assert!(
        !v.rule.message(Lang::En).chars().any(is_urdu_letter),
        "{:?}: English sentence holds Urdu",
        v.rule
    );
}

/// Reads a record from test JSON; a test JSON that does not read is a broken test.
fn read<T: DeserializeOwned>(value: Value) -> T {
    decode_value(value).unwrap_or_else(|e| panic!("test JSON does not read: {e}"))
}

fn edited(mut value: Value, change: impl FnOnce(&mut Value)) -> Value {
    change(&mut value);
    value
}

fn remove(value: &mut Value, key: &str) {
    value
        .as_object_mut()
        .expect("an object")
        .remove(key)
        .unwrap_or_else(|| panic!("test JSON has no {key}"));
}

fn breaks<T: Validate + DeserializeOwned>(value: Value) -> Found {
    found(read::<T>(value).validate(&ctx()))
}

// --- Household survey --------------------------------------------------------------------------

/// A household that consented, with every field filled in, and three children:
/// 0 Sana, 9 by age in years, never enrolled; 1 Bilal, born 2013, dropped out, with an "other"
/// reason; 2 Hina, born 2018, in class 2.
fn valid_survey_json() -> Value {
    json!({
        "household": {
            "uc_code": "SD-THT-UC07",
            "village_code": "SD-THT-UC07-V03",
            "household_number": "47",
            "landmark": "Behind the girls' primary school",
            "consent": true,
            "gps": {"latitude": 24.7468, "longitude": 67.9235, "accuracy_m": 12.0},
            "respondent_name": "شازیہ بی بی",
            "respondent_relation": "mother",
            "respondent_phone": "03001234567",
            "head_name": "Muhammad Aslam",
            "head_sex": "man",
            "mother_schooling": "none",
            "father_schooling": "primary",
            "house_type": "katcha",
            "members": 7,
            "surveyed_by": "Ayesha Memon",
            "surveyed_on": SURVEYED_ON
        },
        "children": [
            {
                "name": "Sana",
                "sex": "girl",
                "age_years": 9,
                "relation_to_head": "child",
                "father_name": "Muhammad Aslam",
                "functioning": {"seeing": "no_difficulty", "walking": "some_difficulty", "anxiety": "never"},
                "schooling": {"status": "never_enrolled"},
                "reasons_out_of_school": ["cost", "no_girls_school"],
                "willing_to_enrol": true,
                "preferred_school": {"id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a01", "name": "GGPS Makli"}
            },
            {
                "name": "بلال",
                "sex": "boy",
                "date_of_birth": "2013-03-15",
                "relation_to_head": "child",
                "schooling": {"status": "dropped_out", "last_class_passed": 3, "year_left": 2024},
                "reasons_out_of_school": ["child_works", "other"],
                "other_reason": "Looks after the goats",
                "willing_to_enrol": false
            },
            {
                "name": "Hina",
                "sex": "girl",
                "date_of_birth": "2018-05-01",
                "relation_to_head": "grandchild",
                "schooling": {"status": "enrolled", "school": {"name": "GGPS Makli"}, "class": 2}
            }
        ]
    })
}

/// The valid survey with one change, read and linked as an import would.
fn survey_with(change: impl FnOnce(&mut Value)) -> HouseholdSurvey {
    let mut survey: HouseholdSurvey = read(edited(valid_survey_json(), change));
    survey.link_children();
    survey
}

fn valid_survey() -> HouseholdSurvey {
    survey_with(|_| {})
}

fn survey_breaks(change: impl FnOnce(&mut Value)) -> Found {
    found(survey_with(change).validate(&ctx()))
}

fn household_breaks(field: &str, value: Value) -> Found {
    survey_breaks(|s| s["household"][field] = value)
}

fn child_breaks(child: usize, field: &str, value: Value) -> Found {
    survey_breaks(|s| s["children"][child][field] = value)
}

// --- Follow-up -------------------------------------------------------------------------------

/// An enrolment visit nine days after the survey.
fn valid_follow_up_json() -> Value {
    json!({
        "child_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b",
        "visited_on": "2026-11-10",
        "visited_by": "Ayesha Memon",
        "outcome": {
            "kind": "enrolled",
            "school": {"name": "GGPS Makli"},
            "class": 1,
            "admitted_on": "2026-11-09"
        },
        "notes": "Mother came to the school with us."
    })
}

fn retention_check_json(visited_on: &str) -> Value {
    edited(valid_follow_up_json(), |f| {
        f["visited_on"] = json!(visited_on);
        f["outcome"] = json!({
            "kind": "retention_check", "milestone": "1_month",
            "attending_regularly": true, "days_attended_last_week": 5
        });
    })
}

/// The child was surveyed on 2026-11-01 and, unless said, never enrolled by a follow-up.
fn facts(enrolled_on: Option<&str>) -> ChildFacts {
    ChildFacts {
        surveyed_on: date(SURVEYED_ON),
        enrolled_on: enrolled_on.map(date),
    }
}

fn follow_up_breaks_with(value: Value, facts: ChildFacts) -> Found {
    let follow_up: FollowUp = read(value);
    found(follow_up.validate_against(&ctx(), &facts))
}

fn follow_up_breaks(change: impl FnOnce(&mut Value)) -> Found {
    follow_up_breaks_with(edited(valid_follow_up_json(), change), facts(None))
}

// --- School, need, official, message, meeting, geography -------------------------------------

fn valid_school_json() -> Value {
    json!({
        "emis_code": "408010123",
        "name": "GGPS Makli",
        "level": "primary",
        "gender": "girls",
        "functional": true,
        "uc_code": "SD-THT-UC07",
        "village_code": "SD-THT-UC07-V03",
        "gps": {"latitude": 24.75, "longitude": 67.9},
        "teachers": 2,
        "classrooms": 3,
        "enrolment": 84,
        "facilities": {
            "boundary_wall": "under_6ft", "wall_condition": "needs_repair",
            "drinking_water": "hand_pump", "electricity": "partial",
            "toilets_usable": 1, "building_condition": "needs_repair"
        }
    })
}

fn school_breaks(change: impl FnOnce(&mut Value)) -> Found {
    breaks::<School>(edited(valid_school_json(), change))
}

/// A need that went all the way: identified, raised, promised, resolved.
fn valid_need_json() -> Value {
    json!({
        "school_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a01",
        "category": "latrines",
        "severity": "high",
        "description": "No usable latrine for 84 girls",
        "identified_on": "2026-10-01",
        "reported_by": "Ayesha Memon",
        "raised_on": "2026-10-05",
        "raised_with": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a02",
        "promised_on": "2026-10-20",
        "resolved_on": "2026-11-15"
    })
}

fn need_breaks(change: impl FnOnce(&mut Value)) -> Found {
    breaks::<InfrastructureNeed>(edited(valid_need_json(), change))
}

fn valid_official_json() -> Value {
    json!({
        "name": "Ghulam Rasool",
        "role": "district_education_officer",
        "district_code": "SD-THT",
        "office": "DEO Female, Thatta",
        "phone": "+923001234567"
    })
}

fn official_breaks(change: impl FnOnce(&mut Value)) -> Found {
    breaks::<Official>(edited(valid_official_json(), change))
}

fn valid_message_json() -> Value {
    json!({
        "uc_code": "SD-THT-UC07",
        "official_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a02",
        "channel": "whatsapp",
        "language": "ur",
        "body": "یو سی 7: 412 بچے اسکول سے باہر ملے (231 لڑکیاں)، 96 داخل۔",
        "sent_on": "2026-11-10",
        "sent_by": "LSO coordinator",
        "response": "Will visit on Monday",
        "response_on": "2026-11-11"
    })
}

fn message_breaks(change: impl FnOnce(&mut Value)) -> Found {
    breaks::<AdvocacyMessage>(edited(valid_message_json(), change))
}

fn valid_meeting_json() -> Value {
    json!({
        "uc_code": "SD-THT-UC07",
        "village_code": "SD-THT-UC07-V03",
        "kind": "open_court",
        "held_on": "2026-11-15",
        "place": "UC office, Makli",
        "fathers": 34,
        "mothers": 41,
        "others": 3,
        "officials_present": ["0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a02"],
        "issues_raised": "No female teacher at GGPS Makli",
        "decisions": "DEO to post a teacher by December",
        "recorded_by": "LSO coordinator"
    })
}

fn meeting_breaks(change: impl FnOnce(&mut Value)) -> Found {
    breaks::<CommunityMeeting>(edited(valid_meeting_json(), change))
}

fn place(code: &str, parent: Option<&str>) -> Value {
    let mut p = json!({"code": code, "name": {"en": code, "ur": "مقام"}});
    if let Some(parent) = parent {
        p["parent"] = json!(parent);
    }
    p
}

fn valid_geography_json() -> Value {
    json!({
        "source": "test",
        "provinces": [place("SD", None)],
        "districts": [place("SD-THT", Some("SD"))],
        "tehsils": [place("SD-THT-T1", Some("SD-THT"))],
        "union_councils": [place("SD-THT-UC07", Some("SD-THT-T1"))],
        "villages": [place("SD-THT-UC07-V03", Some("SD-THT-UC07"))]
    })
}

fn geography_breaks(change: impl FnOnce(&mut Value)) -> Found {
    breaks::<Geography>(edited(valid_geography_json(), change))
}

// ---------------------------------------------------------------------------------------------
// The valid records are valid
// ---------------------------------------------------------------------------------------------

#[test]
fn the_valid_records_these_tests_start_from_pass() {
    assert_eq!(found(valid_survey().validate(&ctx())), []);
    assert_eq!(follow_up_breaks(|_| {}), []);
    assert_eq!(school_breaks(|_| {}), []);
    assert_eq!(need_breaks(|_| {}), []);
    assert_eq!(official_breaks(|_| {}), []);
    assert_eq!(message_breaks(|_| {}), []);
    assert_eq!(meeting_breaks(|_| {}), []);
    assert_eq!(geography_breaks(|_| {}), []);
}

// ---------------------------------------------------------------------------------------------
// Household: required fields
// ---------------------------------------------------------------------------------------------

#[test]
fn a_household_without_its_union_council_is_refused() {
    assert_eq!(
        household_breaks("uc_code", json!("")),
        [at("household.uc_code", Rule::Required)]
    );
}

#[test]
fn a_household_without_its_village_is_refused() {
    assert_eq!(
        household_breaks("village_code", json!("")),
        [at("household.village_code", Rule::Required)]
    );
}

#[test]
fn a_household_number_of_only_spaces_counts_as_missing() {
    assert_eq!(
        household_breaks("household_number", json!("   ")),
        [at("household.household_number", Rule::Required)]
    );
}

#[test]
fn a_household_left_without_the_household_number_is_refused() {
    assert_eq!(
        survey_breaks(|s| remove(&mut s["household"], "household_number")),
        [at("household.household_number", Rule::Required)]
    );
}

#[test]
fn a_survey_must_say_who_surveyed() {
    assert_eq!(
        household_breaks("surveyed_by", json!("")),
        [at("household.surveyed_by", Rule::Required)]
    );
}

#[test]
fn a_household_that_consented_must_give_the_heads_name() {
    assert_eq!(
        survey_breaks(|s| remove(&mut s["household"], "head_name")),
        [at("household.head_name", Rule::Required)]
    );
    assert_eq!(
        household_breaks("head_name", json!(" ")),
        [at("household.head_name", Rule::Required)]
    );
}

#[test]
fn a_blank_respondents_name_is_refused_but_it_may_be_left_out() {
    assert_eq!(
        household_breaks("respondent_name", json!("")),
        [at("household.respondent_name", Rule::Required)]
    );
    assert_eq!(
        survey_breaks(|s| remove(&mut s["household"], "respondent_name")),
        []
    );
}

#[test]
fn a_landmark_longer_than_200_characters_is_refused() {
    assert_eq!(
        household_breaks("landmark", json!("x".repeat(MAX_TEXT + 1))),
        [at("household.landmark", Rule::TooLong { max: MAX_TEXT })]
    );
}

#[test]
fn a_heads_name_longer_than_200_characters_is_refused() {
    assert_eq!(
        household_breaks("head_name", json!("a".repeat(201))),
        [at("household.head_name", Rule::TooLong { max: 200 })]
    );
}

// ---------------------------------------------------------------------------------------------
// Household: numbers, GPS, phone
// ---------------------------------------------------------------------------------------------

#[test]
fn a_household_of_no_members_is_refused() {
    assert_eq!(
        household_breaks("members", json!(0)),
        [at(
            "household.members",
            Rule::OutOfRange {
                min: 1,
                max: 99,
                value: 0
            }
        )]
    );
}

#[test]
fn a_household_of_100_members_is_refused_and_of_1_or_99_accepted() {
    assert_eq!(
        household_breaks("members", json!(100)),
        [at(
            "household.members",
            Rule::OutOfRange {
                min: 1,
                max: 99,
                value: 100
            }
        )]
    );
    assert_eq!(household_breaks("members", json!(1)), []);
    assert_eq!(household_breaks("members", json!(99)), []);
}

#[test]
fn a_gps_fix_outside_pakistan_is_refused() {
    // London.
    let found = household_breaks("gps", json!({"latitude": 51.5, "longitude": -0.12}));
    assert_eq!(
        found,
        [
            at(
                "household.gps.latitude",
                Rule::OutOfRange {
                    min: 20,
                    max: 40,
                    value: 52
                }
            ),
            at(
                "household.gps.longitude",
                Rule::OutOfRange {
                    min: 58,
                    max: 80,
                    value: 0
                }
            ),
        ]
    );
}

#[test]
fn a_gps_fix_less_accurate_than_10_km_is_refused() {
    assert_eq!(
        survey_breaks(|s| s["household"]["gps"]["accuracy_m"] = json!(25_000.0)),
        [at(
            "household.gps.accuracy_m",
            Rule::OutOfRange {
                min: 0,
                max: 10_000,
                value: 25_000
            }
        )]
    );
}

#[test]
fn a_phone_number_of_too_few_digits_is_refused() {
    assert_eq!(
        household_breaks("respondent_phone", json!("0300123")),
        [at("household.respondent_phone", Rule::PhoneFormat)]
    );
}

#[test]
fn a_phone_number_of_14_digits_is_refused() {
    assert_eq!(
        household_breaks("respondent_phone", json!("03001234567890")),
        [at("household.respondent_phone", Rule::PhoneFormat)]
    );
}

#[test]
fn a_phone_number_with_letters_is_refused() {
    assert_eq!(
        household_breaks("respondent_phone", json!("0300-CALL-ME")),
        [at("household.respondent_phone", Rule::PhoneFormat)]
    );
}

#[test]
fn a_phone_number_in_international_form_is_accepted() {
    assert_eq!(
        household_breaks("respondent_phone", json!("+923001234567")),
        []
    );
    assert_eq!(
        household_breaks("respondent_phone", json!("0300123456")),
        []
    );
}

#[test]
fn a_phone_number_may_be_grouped_with_spaces_or_dashes() {
    for phone in ["0300-1234567", "0300 1234567", "+92 300 1234567"] {
        assert_eq!(
            household_breaks("respondent_phone", json!(phone)),
            [],
            "{phone}"
        );
    }
    assert_eq!(
        household_breaks("respondent_phone", json!("++923001234567")),
        [at("household.respondent_phone", Rule::PhoneFormat)]
    );
}

// ---------------------------------------------------------------------------------------------
// Consent
// ---------------------------------------------------------------------------------------------

const PERSONAL_FIELDS: [&str; 10] = [
    "gps",
    "respondent_name",
    "respondent_relation",
    "respondent_phone",
    "head_name",
    "head_sex",
    "mother_schooling",
    "father_schooling",
    "house_type",
    "members",
];

/// The household part of the valid survey without consent: only where, who surveyed and when.
fn visit_only(s: &mut Value) {
    s["household"]["consent"] = json!(false);
    for field in PERSONAL_FIELDS {
        remove(&mut s["household"], field);
    }
    s["children"] = json!([]);
}

#[test]
fn without_consent_the_visit_itself_may_be_recorded() {
    assert_eq!(survey_breaks(visit_only), []);
}

#[test]
fn without_consent_each_personal_field_is_refused() {
    let full = valid_survey_json();
    for field in PERSONAL_FIELDS {
        let found = survey_breaks(|s| {
            visit_only(s);
            s["household"][field] = full["household"][field].clone();
        });
        assert_eq!(
            found,
            [at(
                &format!("household.{field}"),
                Rule::PersonalDataWithoutConsent
            )],
            "{field}"
        );
    }
}

#[test]
fn without_consent_a_roster_of_children_is_refused() {
    assert_eq!(
        survey_breaks(|s| {
            let children = s["children"].clone();
            visit_only(s);
            s["children"] = children;
        }),
        [at("children", Rule::PersonalDataWithoutConsent)]
    );
}

#[test]
fn without_consent_every_personal_field_given_is_named() {
    let found = survey_breaks(|s| s["household"]["consent"] = json!(false));
    let mut expected: Found = PERSONAL_FIELDS
        .iter()
        .map(|f| at(&format!("household.{f}"), Rule::PersonalDataWithoutConsent))
        .collect();
    expected.push(at("children", Rule::PersonalDataWithoutConsent));
    assert_eq!(found, expected);
}

// ---------------------------------------------------------------------------------------------
// Child: required fields and ages
// ---------------------------------------------------------------------------------------------

#[test]
fn a_child_without_a_name_is_refused() {
    assert_eq!(
        child_breaks(1, "name", json!("")),
        [at("children[1].name", Rule::Required)]
    );
}

#[test]
fn a_childs_name_of_201_characters_is_refused() {
    assert_eq!(
        child_breaks(0, "name", json!("S".repeat(201))),
        [at("children[0].name", Rule::TooLong { max: 200 })]
    );
}

#[test]
fn a_childs_name_of_200_urdu_letters_is_accepted_as_200_not_as_its_bytes() {
    assert_eq!(child_breaks(0, "name", json!("ث".repeat(200))), []);
}

#[test]
fn a_fathers_name_longer_than_200_characters_is_refused() {
    assert_eq!(
        child_breaks(0, "father_name", json!("a".repeat(201))),
        [at("children[0].father_name", Rule::TooLong { max: 200 })]
    );
}

#[test]
fn a_child_needs_a_date_of_birth_or_an_age() {
    assert_eq!(
        survey_breaks(|s| remove(&mut s["children"][0], "age_years")),
        [at("children[0].age_years", Rule::AgeOrBirthDateRequired)]
    );
}

#[test]
fn a_child_of_4_is_refused_on_the_roster() {
    assert_eq!(
        child_breaks(0, "age_years", json!(4)),
        [at(
            "children[0].age_years",
            Rule::AgeOutsideRoster { age: 4 }
        )]
    );
}

#[test]
fn a_child_of_5_is_accepted_on_the_roster() {
    assert_eq!(child_breaks(0, "age_years", json!(5)), []);
}

#[test]
fn a_child_of_16_is_accepted_on_the_roster() {
    assert_eq!(child_breaks(0, "age_years", json!(16)), []);
}

#[test]
fn a_child_of_17_is_refused_on_the_roster() {
    assert_eq!(
        child_breaks(0, "age_years", json!(17)),
        [at(
            "children[0].age_years",
            Rule::AgeOutsideRoster { age: 17 }
        )]
    );
}

#[test]
fn a_child_born_a_day_too_late_to_be_5_at_the_survey_is_refused() {
    assert_eq!(
        child_breaks(2, "date_of_birth", json!("2021-11-02")),
        [at(
            "children[2].date_of_birth",
            Rule::AgeOutsideRoster { age: 4 }
        )]
    );
}

#[test]
fn a_child_who_turned_5_on_the_survey_day_is_accepted() {
    assert_eq!(child_breaks(2, "date_of_birth", json!("2021-11-01")), []);
}

#[test]
fn a_child_who_turns_17_the_day_after_the_survey_is_accepted() {
    assert_eq!(child_breaks(1, "date_of_birth", json!("2009-11-02")), []);
}

#[test]
fn a_child_who_turned_17_on_the_survey_day_is_refused() {
    assert_eq!(
        child_breaks(1, "date_of_birth", json!("2009-11-01")),
        [at(
            "children[1].date_of_birth",
            Rule::AgeOutsideRoster { age: 17 }
        )]
    );
}

#[test]
fn age_is_counted_at_the_survey_not_today() {
    // 16 on the survey day (2026-11-01), 17 today (2026-11-22).
    assert_eq!(child_breaks(1, "date_of_birth", json!("2009-11-10")), []);
}

#[test]
fn the_date_of_birth_decides_the_age_when_both_are_given() {
    let found = survey_breaks(|s| {
        s["children"][1]["date_of_birth"] = json!("2008-01-01");
        s["children"][1]["age_years"] = json!(12);
    });
    assert_eq!(
        found,
        [at(
            "children[1].date_of_birth",
            Rule::AgeOutsideRoster { age: 18 }
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// Dates not in the future
// ---------------------------------------------------------------------------------------------

#[test]
fn a_survey_dated_tomorrow_is_refused() {
    assert_eq!(
        household_breaks("surveyed_on", json!("2026-11-23")),
        [at(
            "household.surveyed_on",
            Rule::InFuture {
                date: date("2026-11-23"),
                today: today()
            }
        )]
    );
}

#[test]
fn a_survey_dated_today_is_accepted() {
    assert_eq!(household_breaks("surveyed_on", json!("2026-11-22")), []);
}

#[test]
fn a_date_of_birth_in_the_future_is_refused() {
    // One mistake, one message: not also "this child is -1".
    assert_eq!(
        child_breaks(2, "date_of_birth", json!("2026-12-01")),
        [at(
            "children[2].date_of_birth",
            Rule::InFuture {
                date: date("2026-12-01"),
                today: today()
            }
        )]
    );
}

#[test]
fn a_follow_up_visit_dated_tomorrow_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["visited_on"] = json!("2026-11-23")),
        [at(
            "visited_on",
            Rule::InFuture {
                date: date("2026-11-23"),
                today: today()
            }
        )]
    );
}

#[test]
fn a_follow_up_visit_dated_today_is_accepted() {
    assert_eq!(
        follow_up_breaks(|f| f["visited_on"] = json!("2026-11-22")),
        []
    );
}

#[test]
fn an_admission_date_in_the_future_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["outcome"]["admitted_on"] = json!("2026-12-01")),
        [at(
            "outcome.admitted_on",
            Rule::InFuture {
                date: date("2026-12-01"),
                today: today()
            }
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// Schooling and reasons out of school
// ---------------------------------------------------------------------------------------------

#[test]
fn reasons_out_of_school_are_refused_for_an_enrolled_child() {
    assert_eq!(
        child_breaks(2, "reasons_out_of_school", json!(["cost"])),
        [at(
            "children[2].reasons_out_of_school",
            Rule::ReasonsOnlyWhenOutOfSchool
        )]
    );
}

#[test]
fn an_other_reason_text_is_refused_for_an_enrolled_child() {
    assert_eq!(
        child_breaks(2, "other_reason", json!("Far away")),
        [at(
            "children[2].other_reason",
            Rule::ReasonsOnlyWhenOutOfSchool
        )]
    );
}

#[test]
fn a_child_who_is_enrolled_after_all_may_not_keep_the_reasons() {
    // The dropped-out child's status is corrected to enrolled; the reasons must go too.
    assert_eq!(
        child_breaks(1, "schooling", json!({"status": "enrolled"})),
        [
            at(
                "children[1].reasons_out_of_school",
                Rule::ReasonsOnlyWhenOutOfSchool
            ),
            at("children[1].other_reason", Rule::ReasonsOnlyWhenOutOfSchool),
        ]
    );
}

#[test]
fn the_other_reason_needs_its_text() {
    assert_eq!(
        survey_breaks(|s| remove(&mut s["children"][1], "other_reason")),
        [at(
            "children[1].other_reason",
            Rule::RequiredWhenOtherReason
        )]
    );
}

#[test]
fn a_blank_other_reason_text_is_refused() {
    assert_eq!(
        child_breaks(1, "other_reason", json!("  ")),
        [at("children[1].other_reason", Rule::Required)]
    );
}

#[test]
fn an_other_reason_text_longer_than_200_characters_is_refused() {
    assert_eq!(
        child_breaks(1, "other_reason", json!("x".repeat(201))),
        [at("children[1].other_reason", Rule::TooLong { max: 200 })]
    );
}

#[test]
fn an_other_reason_text_without_the_other_reason_is_refused() {
    assert_eq!(
        child_breaks(0, "other_reason", json!("Family dispute")),
        [at("children[0].other_reason", Rule::OnlyWithOtherReason)]
    );
}

#[test]
fn a_reason_listed_twice_is_refused() {
    assert_eq!(
        child_breaks(
            0,
            "reasons_out_of_school",
            json!(["cost", "migration", "cost"])
        ),
        [at(
            "children[0].reasons_out_of_school[2]",
            Rule::ListedTwice
        )]
    );
}

#[test]
fn a_class_above_12_is_refused_on_the_roster() {
    assert_eq!(
        survey_breaks(|s| s["children"][2]["schooling"]["class"] = json!(13)),
        [at(
            "children[2].schooling.class",
            Rule::OutOfRange {
                min: 0,
                max: 12,
                value: 13
            }
        )]
    );
}

#[test]
fn katchi_and_class_12_are_accepted_on_the_roster() {
    assert_eq!(
        survey_breaks(|s| s["children"][2]["schooling"]["class"] = json!(0)),
        []
    );
    assert_eq!(
        survey_breaks(|s| s["children"][2]["schooling"]["class"] = json!(12)),
        []
    );
}

#[test]
fn a_last_class_passed_above_12_is_refused() {
    assert_eq!(
        survey_breaks(|s| s["children"][1]["schooling"]["last_class_passed"] = json!(14)),
        [at(
            "children[1].schooling.last_class_passed",
            Rule::OutOfRange {
                min: 0,
                max: 12,
                value: 14
            }
        )]
    );
}

#[test]
fn a_year_left_school_after_the_survey_is_refused() {
    assert_eq!(
        survey_breaks(|s| s["children"][1]["schooling"]["year_left"] = json!(2027)),
        [at(
            "children[1].schooling.year_left",
            Rule::OutOfRange {
                min: 2013,
                max: 2026,
                value: 2027
            }
        )]
    );
}

#[test]
fn a_year_left_school_before_the_child_was_born_is_refused() {
    assert_eq!(
        survey_breaks(|s| s["children"][1]["schooling"]["year_left"] = json!(2012)),
        [at(
            "children[1].schooling.year_left",
            Rule::OutOfRange {
                min: 2013,
                max: 2026,
                value: 2012
            }
        )]
    );
}

#[test]
fn an_enrolled_childs_school_with_a_blank_name_is_refused() {
    assert_eq!(
        survey_breaks(|s| s["children"][2]["schooling"]["school"] = json!({"name": ""})),
        [at("children[2].schooling.school.name", Rule::Required)]
    );
}

#[test]
fn a_preferred_school_without_a_name_or_id_is_refused() {
    assert_eq!(
        child_breaks(0, "preferred_school", json!({})),
        [at("children[0].preferred_school.name", Rule::Required)]
    );
}

#[test]
fn a_school_named_by_its_id_alone_is_accepted() {
    assert_eq!(
        child_breaks(
            0,
            "preferred_school",
            json!({"id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a01"})
        ),
        []
    );
}

// ---------------------------------------------------------------------------------------------
// Functioning
// ---------------------------------------------------------------------------------------------

#[test]
fn a_difficulty_answer_to_a_how_often_question_is_refused() {
    assert_eq!(
        child_breaks(0, "functioning", json!({"anxiety": "some_difficulty"})),
        [at(
            "children[0].functioning.anxiety",
            Rule::AnswerDoesNotFitQuestion
        )]
    );
}

#[test]
fn a_how_often_answer_to_a_difficulty_question_is_refused() {
    assert_eq!(
        child_breaks(
            0,
            "functioning",
            json!({"seeing": "weekly", "depression": "monthly"})
        ),
        [at(
            "children[0].functioning.seeing",
            Rule::AnswerDoesNotFitQuestion
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// Roster: duplicates and households
// ---------------------------------------------------------------------------------------------

#[test]
fn a_child_listed_twice_on_the_roster_is_refused() {
    let mut survey = valid_survey();
    survey.children[2].id = survey.children[0].id;
    assert_eq!(
        found(survey.validate(&ctx())),
        [at("children[2].id", Rule::ListedTwice)]
    );
}

#[test]
fn a_child_linked_to_another_household_is_refused() {
    let mut survey = valid_survey();
    survey.children[1].household_id = HouseholdId::new();
    assert_eq!(
        found(survey.validate(&ctx())),
        [at("children[1].household_id", Rule::WrongHousehold)]
    );
}

#[test]
fn a_child_read_from_input_is_refused_until_the_survey_links_it() {
    let mut survey: HouseholdSurvey = read(valid_survey_json());
    assert_eq!(
        found(survey.validate(&ctx())),
        [
            at("children[0].household_id", Rule::WrongHousehold),
            at("children[1].household_id", Rule::WrongHousehold),
            at("children[2].household_id", Rule::WrongHousehold),
        ]
    );
    survey.link_children();
    assert_eq!(found(survey.validate(&ctx())), []);
}

// ---------------------------------------------------------------------------------------------
// All at once
// ---------------------------------------------------------------------------------------------

#[test]
fn every_rule_a_survey_breaks_is_reported_at_once() {
    let found = survey_breaks(|s| {
        s["household"]["household_number"] = json!("");
        s["household"]["surveyed_on"] = json!("2026-11-30");
        s["household"]["respondent_phone"] = json!("12ab");
        s["household"]["members"] = json!(0);
        s["children"][0]["age_years"] = json!(17);
        s["children"][0]["functioning"] = json!({"anxiety": "cannot_do_at_all"});
        s["children"][1]["name"] = json!("");
        s["children"][2]["reasons_out_of_school"] = json!(["cost"]);
    });
    assert_eq!(
        found,
        [
            at("household.household_number", Rule::Required),
            at(
                "household.surveyed_on",
                Rule::InFuture {
                    date: date("2026-11-30"),
                    today: today()
                }
            ),
            at("household.respondent_phone", Rule::PhoneFormat),
            at(
                "household.members",
                Rule::OutOfRange {
                    min: 1,
                    max: 99,
                    value: 0
                }
            ),
            at("children[0].age_years", Rule::AgeOutsideRoster { age: 17 }),
            at(
                "children[0].functioning.anxiety",
                Rule::AnswerDoesNotFitQuestion
            ),
            at("children[1].name", Rule::Required),
            at(
                "children[2].reasons_out_of_school",
                Rule::ReasonsOnlyWhenOutOfSchool
            ),
        ]
    );
}

#[test]
fn every_rule_a_follow_up_breaks_is_reported_at_once() {
    let found = follow_up_breaks_with(
        json!({
            "child_id": "00000000-0000-0000-0000-000000000000",
            "visited_on": "2026-10-15",
            "visited_by": "",
            "outcome": {"kind": "enrolled", "admitted_on": "2026-12-01"},
            "notes": "n".repeat(MAX_LONG_TEXT + 1)
        }),
        facts(None),
    );
    assert_eq!(
        found,
        [
            at("child_id", Rule::Required),
            at("visited_by", Rule::Required),
            at(
                "visited_on",
                Rule::FollowUpBeforeSurvey {
                    surveyed_on: date(SURVEYED_ON)
                }
            ),
            at("notes", Rule::TooLong { max: MAX_LONG_TEXT }),
            at("outcome.school", Rule::RequiredWhenEnrolled),
            at("outcome.class", Rule::RequiredWhenEnrolled),
            at(
                "outcome.admitted_on",
                Rule::InFuture {
                    date: date("2026-12-01"),
                    today: today()
                }
            ),
        ]
    );
}

#[test]
fn every_rule_a_need_breaks_is_reported_at_once() {
    let found = need_breaks(|n| {
        n["category"] = json!("other");
        remove(n, "description");
        n["reported_by"] = json!("");
        n["raised_on"] = json!("2026-09-01");
        n["resolved_on"] = json!("2026-12-01");
    });
    assert_eq!(
        found,
        [
            at("reported_by", Rule::Required),
            at("description", Rule::RequiredWhenOtherReason),
            at(
                "raised_on",
                Rule::NotBefore {
                    limit: date("2026-10-01"),
                    limit_field: path(&["identified_on"])
                }
            ),
            at(
                "resolved_on",
                Rule::InFuture {
                    date: date("2026-12-01"),
                    today: today()
                }
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Follow-ups
// ---------------------------------------------------------------------------------------------

#[test]
fn a_follow_up_without_its_child_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["child_id"] = json!("00000000-0000-0000-0000-000000000000")),
        [at("child_id", Rule::Required)]
    );
}

#[test]
fn a_follow_up_must_say_who_visited() {
    assert_eq!(
        follow_up_breaks(|f| f["visited_by"] = json!(" ")),
        [at("visited_by", Rule::Required)]
    );
}

#[test]
fn a_pending_admission_must_say_why_it_waits() {
    assert_eq!(
        follow_up_breaks(|f| f["outcome"] = json!({"kind": "admission_pending"})),
        [at("outcome.why", Rule::Required)]
    );
    assert_eq!(
        follow_up_breaks(
            |f| f["outcome"] = json!({"kind": "admission_pending", "why": "No B-form yet"})
        ),
        []
    );
}

#[test]
fn a_refusal_may_say_why_in_at_most_2000_characters() {
    assert_eq!(
        follow_up_breaks(|f| f["outcome"] = json!({"kind": "refused"})),
        []
    );
    assert_eq!(
        follow_up_breaks(
            |f| f["outcome"] = json!({"kind": "refused", "why": "w".repeat(MAX_LONG_TEXT + 1)})
        ),
        [at("outcome.why", Rule::TooLong { max: MAX_LONG_TEXT })]
    );
}

#[test]
fn follow_up_notes_longer_than_2000_characters_are_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["notes"] = json!("n".repeat(2001))),
        [at("notes", Rule::TooLong { max: 2000 })]
    );
}

#[test]
fn a_follow_up_before_the_childs_survey_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["visited_on"] = json!("2026-10-31")),
        [at(
            "visited_on",
            Rule::FollowUpBeforeSurvey {
                surveyed_on: date(SURVEYED_ON)
            }
        )]
    );
}

#[test]
fn a_follow_up_on_the_survey_day_is_accepted() {
    assert_eq!(
        follow_up_breaks(|f| f["visited_on"] = json!(SURVEYED_ON)),
        []
    );
}

#[test]
fn an_enrolled_outcome_without_a_school_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| remove(&mut f["outcome"], "school")),
        [at("outcome.school", Rule::RequiredWhenEnrolled)]
    );
}

#[test]
fn an_enrolled_outcome_without_a_class_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| remove(&mut f["outcome"], "class")),
        [at("outcome.class", Rule::RequiredWhenEnrolled)]
    );
}

#[test]
fn an_enrolled_outcome_with_a_blank_school_name_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["outcome"]["school"] = json!({"name": " "})),
        [at("outcome.school.name", Rule::Required)]
    );
}

#[test]
fn an_enrolment_into_class_13_is_refused() {
    assert_eq!(
        follow_up_breaks(|f| f["outcome"]["class"] = json!(13)),
        [at(
            "outcome.class",
            Rule::OutOfRange {
                min: 0,
                max: 12,
                value: 13
            }
        )]
    );
}

#[test]
fn an_enrolment_without_an_admission_date_is_accepted() {
    assert_eq!(
        follow_up_breaks(|f| remove(&mut f["outcome"], "admitted_on")),
        []
    );
}

#[test]
fn a_retention_check_without_an_earlier_enrolment_is_refused() {
    assert_eq!(
        follow_up_breaks_with(retention_check_json("2026-11-20"), facts(None)),
        [at("outcome.kind", Rule::RetentionBeforeEnrolment)]
    );
}

#[test]
fn a_retention_check_before_the_enrolment_visit_is_refused() {
    assert_eq!(
        follow_up_breaks_with(
            retention_check_json("2026-11-20"),
            facts(Some("2026-11-21"))
        ),
        [at("outcome.kind", Rule::RetentionBeforeEnrolment)]
    );
}

#[test]
fn a_retention_check_on_or_after_the_enrolment_visit_is_accepted() {
    for enrolled_on in ["2026-11-05", "2026-11-20"] {
        assert_eq!(
            follow_up_breaks_with(retention_check_json("2026-11-20"), facts(Some(enrolled_on))),
            [],
            "enrolled on {enrolled_on}"
        );
    }
}

#[test]
fn a_week_has_at_most_7_school_days() {
    let check = edited(retention_check_json("2026-11-20"), |f| {
        f["outcome"]["days_attended_last_week"] = json!(8)
    });
    assert_eq!(
        follow_up_breaks_with(check, facts(Some("2026-11-05"))),
        [at(
            "outcome.days_attended_last_week",
            Rule::OutOfRange {
                min: 0,
                max: 7,
                value: 8
            }
        )]
    );
}

#[test]
fn dropout_reasons_are_refused_for_a_child_who_has_not_dropped_out() {
    let check = edited(retention_check_json("2026-11-20"), |f| {
        f["outcome"]["dropout_reasons"] = json!(["cost"])
    });
    assert_eq!(
        follow_up_breaks_with(check, facts(Some("2026-11-05"))),
        [at("outcome.dropout_reasons", Rule::MustBeEmpty)]
    );
}

#[test]
fn a_dropout_reason_listed_twice_is_refused() {
    let check = edited(retention_check_json("2026-11-20"), |f| {
        f["outcome"]["attending_regularly"] = json!(false);
        f["outcome"]["dropped_out"] = json!(true);
        f["outcome"]["dropout_reasons"] = json!(["child_works", "child_works"]);
    });
    assert_eq!(
        follow_up_breaks_with(check, facts(Some("2026-11-05"))),
        [at("outcome.dropout_reasons[1]", Rule::ListedTwice)]
    );
}

// ---------------------------------------------------------------------------------------------
// Schools
// ---------------------------------------------------------------------------------------------

#[test]
fn a_school_without_a_name_is_refused() {
    assert_eq!(
        school_breaks(|s| s["name"] = json!("")),
        [at("name", Rule::Required)]
    );
}

#[test]
fn a_school_without_its_union_council_is_refused() {
    assert_eq!(
        school_breaks(|s| remove(s, "uc_code")),
        [at("uc_code", Rule::Required)]
    );
}

#[test]
fn a_blank_emis_code_is_refused_but_it_may_be_left_out() {
    assert_eq!(
        school_breaks(|s| s["emis_code"] = json!(" ")),
        [at("emis_code", Rule::Required)]
    );
    assert_eq!(school_breaks(|s| remove(s, "emis_code")), []);
}

#[test]
fn a_functional_school_cannot_have_a_reason_for_being_closed() {
    assert_eq!(
        school_breaks(|s| s["closed_reason"] = json!("No teacher")),
        [at("closed_reason", Rule::MustBeEmpty)]
    );
}

#[test]
fn a_closed_school_may_give_its_reason_in_at_most_200_characters() {
    let closed = |reason: Value| {
        school_breaks(|s| {
            s["functional"] = json!(false);
            s["closed_reason"] = reason;
        })
    };
    assert_eq!(closed(json!("No teacher posted since 2024")), []);
    assert_eq!(closed(Value::Null), [at("closed_reason", Rule::Required)]);
    assert_eq!(closed(json!(" ")), [at("closed_reason", Rule::Required)]);
    assert_eq!(
        closed(json!("r".repeat(201))),
        [at("closed_reason", Rule::TooLong { max: 200 })]
    );
}

#[test]
fn a_wall_condition_is_refused_for_a_school_without_a_boundary_wall() {
    assert_eq!(
        school_breaks(|s| s["facilities"]["boundary_wall"] = json!("none")),
        [at("facilities.wall_condition", Rule::MustBeEmpty)]
    );
}

// ---------------------------------------------------------------------------------------------
// Infrastructure needs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_need_must_say_who_reported_it() {
    assert_eq!(
        need_breaks(|n| n["reported_by"] = json!("")),
        [at("reported_by", Rule::Required)]
    );
}

#[test]
fn a_need_of_category_other_needs_a_description() {
    assert_eq!(
        need_breaks(|n| {
            n["category"] = json!("other");
            remove(n, "description");
        }),
        [at("description", Rule::RequiredWhenOtherReason)]
    );
}

#[test]
fn a_need_of_category_other_with_a_blank_description_is_refused() {
    assert_eq!(
        need_breaks(|n| {
            n["category"] = json!("other");
            n["description"] = json!("  ");
        }),
        [at("description", Rule::RequiredWhenOtherReason)]
    );
}

#[test]
fn a_need_described_in_more_than_2000_characters_is_refused() {
    assert_eq!(
        need_breaks(|n| n["description"] = json!("d".repeat(2001))),
        [at("description", Rule::TooLong { max: 2000 })]
    );
}

#[test]
fn a_need_raised_before_it_was_identified_is_refused() {
    assert_eq!(
        need_breaks(|n| n["raised_on"] = json!("2026-09-30")),
        [at(
            "raised_on",
            Rule::NotBefore {
                limit: date("2026-10-01"),
                limit_field: path(&["identified_on"])
            }
        )]
    );
}

#[test]
fn a_need_promised_before_it_was_raised_is_refused() {
    assert_eq!(
        need_breaks(|n| n["promised_on"] = json!("2026-10-04")),
        [at(
            "promised_on",
            Rule::NotBefore {
                limit: date("2026-10-05"),
                limit_field: path(&["raised_on"])
            }
        )]
    );
}

#[test]
fn a_need_resolved_before_it_was_promised_is_refused() {
    assert_eq!(
        need_breaks(|n| n["resolved_on"] = json!("2026-10-19")),
        [at(
            "resolved_on",
            Rule::NotBefore {
                limit: date("2026-10-20"),
                limit_field: path(&["promised_on"])
            }
        )]
    );
}

#[test]
fn a_step_skipped_leaves_the_next_compared_with_the_one_before() {
    let found = need_breaks(|n| {
        remove(n, "raised_on");
        remove(n, "promised_on");
        n["resolved_on"] = json!("2026-09-01");
    });
    assert_eq!(
        found,
        [at(
            "resolved_on",
            Rule::NotBefore {
                limit: date("2026-10-01"),
                limit_field: path(&["identified_on"])
            }
        )]
    );
}

#[test]
fn a_need_whose_steps_fall_on_one_day_is_accepted() {
    assert_eq!(
        need_breaks(|n| {
            for field in ["identified_on", "raised_on", "promised_on", "resolved_on"] {
                n[field] = json!("2026-11-22");
            }
        }),
        []
    );
}

#[test]
fn a_need_identified_in_the_future_is_refused() {
    let found = need_breaks(|n| {
        n["identified_on"] = json!("2026-11-25");
        remove(n, "raised_on");
        remove(n, "promised_on");
        remove(n, "resolved_on");
    });
    assert_eq!(
        found,
        [at(
            "identified_on",
            Rule::InFuture {
                date: date("2026-11-25"),
                today: today()
            }
        )]
    );
}

#[test]
fn a_need_resolved_in_the_future_is_refused() {
    assert_eq!(
        need_breaks(|n| n["resolved_on"] = json!("2026-11-23")),
        [at(
            "resolved_on",
            Rule::InFuture {
                date: date("2026-11-23"),
                today: today()
            }
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// Officials
// ---------------------------------------------------------------------------------------------

#[test]
fn an_official_without_a_name_is_refused() {
    assert_eq!(
        official_breaks(|o| o["name"] = json!("")),
        [at("name", Rule::Required)]
    );
}

#[test]
fn an_official_without_a_district_is_refused() {
    assert_eq!(
        official_breaks(|o| remove(o, "district_code")),
        [at("district_code", Rule::Required)]
    );
}

#[test]
fn an_officials_phone_of_too_few_digits_is_refused() {
    assert_eq!(
        official_breaks(|o| o["phone"] = json!("0300")),
        [at("phone", Rule::PhoneFormat)]
    );
}

// ---------------------------------------------------------------------------------------------
// Advocacy messages
// ---------------------------------------------------------------------------------------------

#[test]
fn a_message_without_its_union_council_is_refused() {
    assert_eq!(
        message_breaks(|m| m["uc_code"] = json!("")),
        [at("uc_code", Rule::Required)]
    );
}

#[test]
fn a_message_must_say_who_sent_it() {
    assert_eq!(
        message_breaks(|m| m["sent_by"] = json!("")),
        [at("sent_by", Rule::Required)]
    );
}

#[test]
fn an_empty_message_is_refused() {
    assert_eq!(
        message_breaks(|m| m["body"] = json!(" ")),
        [at("body", Rule::Required)]
    );
}

#[test]
fn a_message_longer_than_2000_characters_is_refused() {
    assert_eq!(
        message_breaks(|m| m["body"] = json!("ب".repeat(2001))),
        [at("body", Rule::TooLong { max: 2000 })]
    );
}

#[test]
fn a_response_longer_than_2000_characters_is_refused() {
    assert_eq!(
        message_breaks(|m| m["response"] = json!("r".repeat(2001))),
        [at("response", Rule::TooLong { max: 2000 })]
    );
}

#[test]
fn a_message_sent_tomorrow_is_refused() {
    let found = message_breaks(|m| {
        m["sent_on"] = json!("2026-11-23");
        remove(m, "response");
        remove(m, "response_on");
    });
    assert_eq!(
        found,
        [at(
            "sent_on",
            Rule::InFuture {
                date: date("2026-11-23"),
                today: today()
            }
        )]
    );
}

#[test]
fn a_response_before_the_message_was_sent_is_refused() {
    assert_eq!(
        message_breaks(|m| m["response_on"] = json!("2026-11-09")),
        [at(
            "response_on",
            Rule::NotBefore {
                limit: date("2026-11-10"),
                limit_field: path(&["sent_on"])
            }
        )]
    );
}

#[test]
fn a_response_dated_in_the_future_is_refused() {
    assert_eq!(
        message_breaks(|m| m["response_on"] = json!("2026-11-23")),
        [at(
            "response_on",
            Rule::InFuture {
                date: date("2026-11-23"),
                today: today()
            }
        )]
    );
}

// ---------------------------------------------------------------------------------------------
// Community meetings
// ---------------------------------------------------------------------------------------------

#[test]
fn a_meeting_without_its_union_council_is_refused() {
    assert_eq!(
        meeting_breaks(|m| m["uc_code"] = json!("")),
        [at("uc_code", Rule::Required)]
    );
}

#[test]
fn a_meeting_without_a_place_is_refused() {
    assert_eq!(
        meeting_breaks(|m| m["place"] = json!("")),
        [at("place", Rule::Required)]
    );
}

#[test]
fn a_meeting_must_say_who_recorded_it() {
    assert_eq!(
        meeting_breaks(|m| remove(m, "recorded_by")),
        [at("recorded_by", Rule::Required)]
    );
}

#[test]
fn a_meeting_held_in_the_future_is_refused() {
    assert_eq!(
        meeting_breaks(|m| m["held_on"] = json!("2026-11-30")),
        [at(
            "held_on",
            Rule::InFuture {
                date: date("2026-11-30"),
                today: today()
            }
        )]
    );
}

#[test]
fn a_meeting_of_more_than_10000_fathers_or_mothers_is_refused() {
    assert_eq!(
        meeting_breaks(|m| m["fathers"] = json!(10_001)),
        [at(
            "fathers",
            Rule::OutOfRange {
                min: 0,
                max: 10_000,
                value: 10_001
            }
        )]
    );
    assert_eq!(
        meeting_breaks(|m| m["mothers"] = json!(20_000)),
        [at(
            "mothers",
            Rule::OutOfRange {
                min: 0,
                max: 10_000,
                value: 20_000
            }
        )]
    );
}

#[test]
fn issues_and_decisions_longer_than_2000_characters_are_refused() {
    assert_eq!(
        meeting_breaks(|m| m["issues_raised"] = json!("i".repeat(2001))),
        [at("issues_raised", Rule::TooLong { max: 2000 })]
    );
    assert_eq!(
        meeting_breaks(|m| m["decisions"] = json!("d".repeat(2001))),
        [at("decisions", Rule::TooLong { max: 2000 })]
    );
}

// ---------------------------------------------------------------------------------------------
// Geography
// ---------------------------------------------------------------------------------------------

#[test]
fn a_place_needs_a_code_and_a_name_in_both_languages() {
    let found = geography_breaks(|g| {
        g["tehsils"][0]["name"] = json!({"en": "", "ur": " "});
        g["provinces"]
            .as_array_mut()
            .unwrap()
            .push(json!({"code": "", "name": {"en": "Balochistan", "ur": "بلوچستان"}}));
    });
    assert_eq!(
        found,
        [
            at("provinces[1].code", Rule::Required),
            at("tehsils[0].name.en", Rule::Required),
            at("tehsils[0].name.ur", Rule::Required),
        ]
    );
}

#[test]
fn a_province_with_a_parent_is_refused() {
    assert_eq!(
        geography_breaks(|g| g["provinces"][0]["parent"] = json!("PK")),
        [at("provinces[0].parent", Rule::MustBeEmpty)]
    );
}

#[test]
fn a_village_without_a_parent_is_refused() {
    assert_eq!(
        geography_breaks(|g| remove(&mut g["villages"][0], "parent")),
        [at("villages[0].parent", Rule::Required)]
    );
}

#[test]
fn a_place_whose_parent_is_unknown_is_refused() {
    assert_eq!(
        geography_breaks(|g| g["union_councils"][0]["parent"] = json!("SD-XXX-T9")),
        [at(
            "union_councils[0].parent",
            Rule::UnknownPlace {
                code: "SD-XXX-T9".into()
            }
        )]
    );
}

#[test]
fn a_place_whose_parent_is_of_the_wrong_level_is_refused() {
    // A union council placed straight under a district, skipping the tehsil.
    assert_eq!(
        geography_breaks(|g| g["union_councils"][0]["parent"] = json!("SD-THT")),
        [at(
            "union_councils[0].parent",
            Rule::UnknownPlace {
                code: "SD-THT".into()
            }
        )]
    );
}

#[test]
fn a_place_code_listed_twice_is_refused() {
    assert_eq!(
        geography_breaks(|g| {
            g["districts"]
                .as_array_mut()
                .unwrap()
                .push(place("SD-THT", Some("SD")));
        }),
        [at("districts[1].code", Rule::ListedTwice)]
    );
}

// ---------------------------------------------------------------------------------------------
// Messages in both languages
// ---------------------------------------------------------------------------------------------

#[test]
fn a_violation_reads_with_its_path_and_field_in_english_and_urdu() {
    let err = survey_with(|s| s["children"][1]["name"] = json!(""))
        .validate(&ctx())
        .unwrap_err();
    assert_eq!(
        err.message(Lang::En),
        "children[1].name (Child 2 › Name): is required"
    );
    assert_eq!(
        err.message(Lang::Ur),
        "children[1].name (بچہ 2 › نام): درج کرنا ضروری ہے"
    );
}

#[test]
fn an_age_outside_the_roster_reads_with_the_age_in_both_languages() {
    let err = survey_with(|s| s["children"][0]["age_years"] = json!(17))
        .validate(&ctx())
        .unwrap_err();
    assert_eq!(
        err.message(Lang::En),
        "children[0].age_years (Child 1 › Age in years): \
         the roster lists children aged 5 to 16; this child is 17"
    );
    assert_eq!(
        err.message(Lang::Ur),
        "children[0].age_years (بچہ 1 › عمر (سال)): \
         فہرست میں 5 سے 16 سال کے بچے درج ہوتے ہیں؛ اس بچے کی عمر 17 ہے"
    );
}

#[test]
fn a_date_out_of_order_names_the_date_it_must_follow_in_both_languages() {
    let need: InfrastructureNeed = read(edited(valid_need_json(), |n| {
        n["raised_on"] = json!("2026-09-30")
    }));
    let err = need.validate(&ctx()).unwrap_err();
    assert_eq!(
        err.message(Lang::En),
        "raised_on (Date raised): must not be before date identified (2026-10-01)"
    );
    assert_eq!(
        err.message(Lang::Ur),
        "raised_on (اٹھانے کی تاریخ): نشاندہی کی تاریخ (2026-10-01) سے پہلے نہیں ہو سکتی"
    );
}

#[test]
fn a_functioning_answer_names_the_question_in_both_languages() {
    let err = survey_with(|s| s["children"][0]["functioning"] = json!({"seeing": "daily"}))
        .validate(&ctx())
        .unwrap_err();
    assert_eq!(
        err.0[0].field.label(Lang::En),
        "Child 1 › Functioning › Seeing"
    );
    assert_eq!(
        err.0[0].field.label(Lang::Ur),
        "بچہ 1 › روزمرہ کاموں میں دشواری › دیکھنا"
    );
}

#[test]
fn violations_serialise_with_field_rule_code_and_both_messages() {
    let err = survey_with(|s| s["children"][0]["age_years"] = json!(4))
        .validate(&ctx())
        .unwrap_err();
    let wire = serde_json::to_value(&err).unwrap();
    assert_eq!(
        wire,
        json!([{
            "field": "children[0].age_years",
            "rule": "age_5_to_16",
            "message_en": err.0[0].message(Lang::En),
            "message_ur": err.0[0].message(Lang::Ur),
        }])
    );
}

#[test]
fn the_rules_the_store_applies_read_in_english_and_urdu() {
    // These need the store's contents to fail; daakhla-store's tests make them fail.
    let cases = [
        (
            path(&["household", "household_number"]),
            Rule::HouseholdNumberTaken {
                village_code: "SD-THT-UC07-V03".into(),
            },
            "household_number_taken",
        ),
        (
            path(&["household", "id"]),
            Rule::AlreadyStored { id: "x".into() },
            "already_stored",
        ),
        (
            path(&["child_id"]),
            Rule::UnknownRecord { id: "x".into() },
            "unknown_record",
        ),
        (
            path(&["household", "village_code"]),
            Rule::PlaceNotInUnionCouncil {
                uc_code: "SD-THT-UC07".into(),
            },
            "place_not_in_uc",
        ),
        (
            path(&["household", "uc_code"]),
            Rule::UnknownPlace {
                code: "SD-THT-UC99".into(),
            },
            "unknown_place",
        ),
    ];
    for (field, rule, code) in cases {
        assert_eq!(rule.code(), code);
        assert_named_in_both_languages(&Violation::new(field.in_batch(2), rule));
    }
}

// ---------------------------------------------------------------------------------------------
// JSON: round trips, ids, linking
// ---------------------------------------------------------------------------------------------

#[test]
fn a_full_household_survey_survives_a_json_round_trip() {
    let survey = valid_survey();
    let text = serde_json::to_string(&survey).unwrap();
    let back: HouseholdSurvey = serde_json::from_str(&text).unwrap();
    assert_eq!(back, survey);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    // Through the input reader too, as an import would read an export.
    let again: HouseholdSurvey = read(serde_json::from_str(&text).unwrap());
    assert_eq!(again, survey);
}

#[test]
fn the_round_trip_keeps_every_field_given() {
    let survey = valid_survey();
    let written = serde_json::to_value(&survey).unwrap();
    let given = valid_survey_json();
    for (key, value) in given["household"].as_object().unwrap() {
        assert_eq!(&written["household"][key], value, "household.{key}");
    }
    for (i, child) in given["children"].as_array().unwrap().iter().enumerate() {
        for (key, value) in child.as_object().unwrap() {
            assert_eq!(&written["children"][i][key], value, "children[{i}].{key}");
        }
    }
}

#[test]
fn a_follow_up_survives_a_json_round_trip() {
    let follow_up: FollowUp = read(valid_follow_up_json());
    let back: FollowUp = serde_json::from_str(&serde_json::to_string(&follow_up).unwrap()).unwrap();
    assert_eq!(back, follow_up);
    let check: FollowUp = read(retention_check_json("2026-11-20"));
    let back: FollowUp = serde_json::from_str(&serde_json::to_string(&check).unwrap()).unwrap();
    assert_eq!(back, check);
}

#[test]
fn an_input_survey_without_ids_gets_uuidv7_ids() {
    let survey: HouseholdSurvey = read(valid_survey_json());
    assert_eq!(survey.household.id.0.get_version_num(), 7);
    for child in &survey.children {
        assert_eq!(child.id.0.get_version_num(), 7);
    }
    let mut ids: Vec<ChildId> = survey.children.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each child gets its own id");
    let other: HouseholdSurvey = read(valid_survey_json());
    assert_ne!(other.household.id, survey.household.id);
}

#[test]
fn an_input_follow_up_without_an_id_gets_a_uuidv7_id() {
    let follow_up: FollowUp = read(valid_follow_up_json());
    assert_eq!(follow_up.id.0.get_version_num(), 7);
}

#[test]
fn link_children_links_the_children_an_input_left_unlinked() {
    let mut survey: HouseholdSurvey = read(valid_survey_json());
    assert!(survey.children.iter().all(|c| c.household_id.is_unset()));
    survey.link_children();
    assert!(
        survey
            .children
            .iter()
            .all(|c| c.household_id == survey.household.id)
    );
}

#[test]
fn link_children_keeps_a_link_the_input_gave() {
    let elsewhere = HouseholdId::new();
    let mut survey: HouseholdSurvey = read(edited(valid_survey_json(), |s| {
        s["children"][1]["household_id"] = json!(elsewhere.to_string());
    }));
    survey.link_children();
    assert_eq!(survey.children[0].household_id, survey.household.id);
    assert_eq!(survey.children[1].household_id, elsewhere);
    assert_eq!(
        found(survey.validate(&ctx())),
        [at("children[1].household_id", Rule::WrongHousehold)]
    );
}

#[test]
fn ids_given_in_the_input_are_kept() {
    let household = "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a10";
    let child = "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a11";
    let mut survey: HouseholdSurvey = read(edited(valid_survey_json(), |s| {
        s["household"]["id"] = json!(household);
        s["children"][0]["id"] = json!(child);
    }));
    survey.link_children();
    assert_eq!(survey.household.id.to_string(), household);
    assert_eq!(survey.children[0].id.to_string(), child);
    assert_eq!(survey.children[0].household_id.to_string(), household);
}
