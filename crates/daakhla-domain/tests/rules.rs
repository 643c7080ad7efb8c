//! One test (at least) for every validation rule: each names the field path and the rule, and
//! the message reads in English and Urdu.

use chrono::NaiveDate;
use daakhla_domain::Lang;
use daakhla_domain::advocacy::{AdvocacyMessage, CommunityMeeting, Official};
use daakhla_domain::followup::{ChildFacts, FollowUp};
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::decode_value;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::{Context, Rule, Validate, Violations};
use serde_json::{Value, json};

fn today() -> NaiveDate {
    "2026-11-22".parse().unwrap()
}

fn ctx() -> Context {
    Context { today: today() }
}

fn survey_json() -> Value {
    json!({
        "household": {
            "uc_code": "UC1", "village_code": "V1", "household_number": "12", "consent": true,
            "head_name": "Muhammad Aslam", "head_sex": "man", "respondent_name": "Shazia Bibi",
            "respondent_phone": "03001234567", "members": 6,
            "surveyed_by": "Ayesha", "surveyed_on": "2026-11-01"
        },
        "children": [
            {"name": "Sana", "sex": "girl", "age_years": 9, "schooling": {"status": "never_enrolled"},
             "reasons_out_of_school": ["cost"]},
            {"name": "Hina", "sex": "girl", "date_of_birth": "2018-05-01",
             "schooling": {"status": "enrolled", "class": 2}}
        ]
    })
}

/// The survey with one change: `edit` gets the JSON to mutate.
fn survey_with(edit: impl FnOnce(&mut Value)) -> HouseholdSurvey {
    let mut value = survey_json();
    edit(&mut value);
    let mut survey: HouseholdSurvey = decode_value(value).expect("test JSON reads");
    survey.link_children();
    survey
}

/// (field, rule code) of each violation.
fn broken(result: Result<(), Violations>) -> Vec<(String, &'static str)> {
    match result {
        Ok(()) => Vec::new(),
        Err(v) => {
            v.0.iter()
                .map(|v| (v.field.to_string(), v.rule.code()))
                .collect()
        }
    }
}

fn survey_breaks(edit: impl FnOnce(&mut Value)) -> Vec<(String, &'static str)> {
    broken(survey_with(edit).validate(&ctx()))
}

fn pairs(expected: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    expected.iter().map(|(f, r)| (f.to_string(), *r)).collect()
}

#[test]
fn a_complete_survey_passes() {
    assert_eq!(survey_breaks(|_| {}), vec![]);
}

#[test]
fn required_household_fields_are_named() {
    let found = survey_breaks(|s| {
        s["household"]["household_number"] = json!(" ");
        s["household"]["surveyed_by"] = json!("");
        s["household"]["village_code"] = json!("");
        s["household"]["head_name"] = Value::Null;
    });
    assert_eq!(
        found,
        pairs(&[
            ("household.village_code", "required"),
            ("household.household_number", "required"),
            ("household.surveyed_by", "required"),
            ("household.head_name", "required"),
        ])
    );
}

#[test]
fn a_childs_name_is_required_and_so_is_an_age() {
    let found = survey_breaks(|s| {
        s["children"][0]["name"] = json!("");
        s["children"][0]["age_years"] = Value::Null;
    });
    assert_eq!(
        found,
        pairs(&[
            ("children[0].name", "required"),
            ("children[0].age_years", "age_or_birth_date_required")
        ])
    );
}

#[test]
fn the_roster_takes_ages_5_to_16_only() {
    for (age, ok) in [(4, false), (5, true), (16, true), (17, false)] {
        let found = survey_breaks(|s| s["children"][0]["age_years"] = json!(age));
        let expected = if ok {
            vec![]
        } else {
            pairs(&[("children[0].age_years", "age_5_to_16")])
        };
        assert_eq!(found, expected, "age {age}");
    }
}

#[test]
fn age_from_date_of_birth_is_counted_at_the_survey_date() {
    // 17 on 2026-10-31, the day before the survey.
    let found = survey_breaks(|s| s["children"][1]["date_of_birth"] = json!("2009-10-31"));
    assert_eq!(
        found,
        pairs(&[("children[1].date_of_birth", "age_5_to_16")])
    );
    // 16 until 2026-11-02: accepted.
    assert_eq!(
        survey_breaks(|s| s["children"][1]["date_of_birth"] = json!("2009-11-02")),
        vec![]
    );
}

#[test]
fn dates_in_the_future_are_refused() {
    let found = survey_breaks(|s| {
        s["household"]["surveyed_on"] = json!("2026-11-23");
        s["children"][1]["date_of_birth"] = json!("2026-12-01");
    });
    assert!(
        found.contains(&("household.surveyed_on".into(), "date_in_future")),
        "{found:?}"
    );
    assert!(
        found.contains(&("children[1].date_of_birth".into(), "date_in_future")),
        "{found:?}"
    );
}

#[test]
fn reasons_are_only_for_children_out_of_school() {
    let found = survey_breaks(|s| {
        s["children"][1]["reasons_out_of_school"] = json!(["cost"]);
        s["children"][1]["other_reason"] = json!("far");
    });
    assert_eq!(
        found,
        pairs(&[
            (
                "children[1].reasons_out_of_school",
                "reasons_only_out_of_school"
            ),
            ("children[1].other_reason", "reasons_only_out_of_school"),
        ])
    );
}

#[test]
fn the_other_reason_needs_its_text_and_the_text_needs_other() {
    let found =
        survey_breaks(|s| s["children"][0]["reasons_out_of_school"] = json!(["cost", "other"]));
    assert_eq!(
        found,
        pairs(&[("children[0].other_reason", "required_with_other_reason")])
    );
    let found = survey_breaks(|s| s["children"][0]["other_reason"] = json!("family dispute"));
    assert_eq!(
        found,
        pairs(&[("children[0].other_reason", "only_with_other_reason")])
    );
    let found =
        survey_breaks(|s| s["children"][0]["reasons_out_of_school"] = json!(["cost", "cost"]));
    assert_eq!(
        found,
        pairs(&[("children[0].reasons_out_of_school[1]", "listed_twice")])
    );
}

#[test]
fn without_consent_no_personal_data_is_kept() {
    let found = survey_breaks(|s| s["household"]["consent"] = json!(false));
    assert_eq!(
        found,
        pairs(&[
            ("household.respondent_name", "personal_data_without_consent"),
            (
                "household.respondent_phone",
                "personal_data_without_consent"
            ),
            ("household.head_name", "personal_data_without_consent"),
            ("household.head_sex", "personal_data_without_consent"),
            ("household.members", "personal_data_without_consent"),
            ("children", "personal_data_without_consent"),
        ])
    );
    let visit_only = survey_with(|s| {
        s["household"] = json!({"uc_code": "UC1", "village_code": "V1", "household_number": "13",
            "consent": false, "landmark": "Near the mosque", "surveyed_by": "Ayesha", "surveyed_on": "2026-11-01"});
        s["children"] = json!([]);
    });
    assert_eq!(
        broken(visit_only.validate(&ctx())),
        vec![],
        "the visit itself may be recorded"
    );
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    let found = survey_breaks(|s| {
        s["household"]["household_number"] = json!("");
        s["household"]["respondent_phone"] = json!("12ab");
        s["household"]["members"] = json!(0);
        s["children"][0]["age_years"] = json!(3);
        s["children"][1]["name"] = json!("");
    });
    assert_eq!(
        found,
        pairs(&[
            ("household.household_number", "required"),
            ("household.respondent_phone", "phone_format"),
            ("household.members", "out_of_range"),
            ("children[0].age_years", "age_5_to_16"),
            ("children[1].name", "required"),
        ])
    );
}

#[test]
fn a_child_listed_twice_or_in_another_household_is_refused() {
    let mut survey = survey_with(|_| {});
    survey.children[1].id = survey.children[0].id;
    survey.children[0].household_id = daakhla_domain::ids::HouseholdId::new();
    assert_eq!(
        broken(survey.validate(&ctx())),
        pairs(&[
            ("children[0].household_id", "wrong_household"),
            ("children[1].id", "listed_twice")
        ])
    );
}

#[test]
fn functioning_answers_must_fit_their_question() {
    let found = survey_breaks(|s| {
        s["children"][0]["functioning"] = json!({"seeing": "no_difficulty", "anxiety": "a_lot_of_difficulty", "hearing": "weekly"});
    });
    assert_eq!(
        found,
        pairs(&[
            ("children[0].functioning.hearing", "answer_does_not_fit"),
            ("children[0].functioning.anxiety", "answer_does_not_fit"),
        ])
    );
}

#[test]
fn classes_run_from_katchi_to_12() {
    let found = survey_breaks(|s| s["children"][1]["schooling"]["class"] = json!(13));
    assert_eq!(
        found,
        pairs(&[("children[1].schooling.class", "out_of_range")])
    );
}

#[test]
fn messages_name_field_and_rule_in_english_and_urdu() {
    let err = survey_with(|s| s["children"][0]["age_years"] = json!(17))
        .validate(&ctx())
        .unwrap_err();
    assert_eq!(
        err.message(Lang::En),
        "children[0].age_years (Child 1 › Age in years): the roster lists children aged 5 to 16; this child is 17"
    );
    assert_eq!(
        err.message(Lang::Ur),
        "children[0].age_years (بچہ 1 › عمر (سال)): فہرست میں 5 سے 16 سال کے بچے درج ہوتے ہیں؛ اس بچے کی عمر 17 ہے"
    );
}

// Follow-ups

fn follow_up(outcome: Value, visited_on: &str) -> FollowUp {
    decode_value(json!({
        "child_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b", "visited_on": visited_on,
        "visited_by": "Ayesha", "outcome": outcome
    }))
    .unwrap()
}

fn facts(enrolled_on: Option<&str>) -> ChildFacts {
    ChildFacts {
        surveyed_on: "2026-11-01".parse().unwrap(),
        enrolled_on: enrolled_on.map(|d| d.parse().unwrap()),
    }
}

fn follow_up_breaks(f: &FollowUp, facts: &ChildFacts) -> Vec<(String, &'static str)> {
    broken(f.validate_against(&ctx(), facts))
}

#[test]
fn an_enrolled_outcome_needs_a_school_and_a_class() {
    let f = follow_up(json!({"kind": "enrolled"}), "2026-11-10");
    assert_eq!(
        follow_up_breaks(&f, &facts(None)),
        pairs(&[
            ("outcome.school", "required_when_enrolled"),
            ("outcome.class", "required_when_enrolled")
        ])
    );
    let ok = follow_up(
        json!({"kind": "enrolled", "school": {"name": "GGPS"}, "class": 0}),
        "2026-11-10",
    );
    assert_eq!(follow_up_breaks(&ok, &facts(None)), vec![]);
    let blank = follow_up(
        json!({"kind": "enrolled", "school": {"name": " "}, "class": 1}),
        "2026-11-10",
    );
    assert_eq!(
        follow_up_breaks(&blank, &facts(None)),
        pairs(&[("outcome.school.name", "required")])
    );
}

#[test]
fn a_follow_up_cannot_come_before_the_survey_or_after_today() {
    let before = follow_up(json!({"kind": "not_found"}), "2026-10-31");
    assert_eq!(
        follow_up_breaks(&before, &facts(None)),
        pairs(&[("visited_on", "follow_up_before_survey")])
    );
    let same_day = follow_up(json!({"kind": "not_found"}), "2026-11-01");
    assert_eq!(follow_up_breaks(&same_day, &facts(None)), vec![]);
    let future = follow_up(json!({"kind": "not_found"}), "2026-11-23");
    assert_eq!(
        follow_up_breaks(&future, &facts(None)),
        pairs(&[("visited_on", "date_in_future")])
    );
    let admitted = follow_up(
        json!({"kind": "enrolled", "school": {"name": "GPS"}, "class": 1, "admitted_on": "2026-12-01"}),
        "2026-11-10",
    );
    assert_eq!(
        follow_up_breaks(&admitted, &facts(None)),
        pairs(&[("outcome.admitted_on", "date_in_future")])
    );
}

#[test]
fn a_follow_up_needs_who_visited_and_pending_needs_why() {
    let mut f = follow_up(json!({"kind": "admission_pending"}), "2026-11-10");
    f.visited_by = String::new();
    assert_eq!(
        follow_up_breaks(&f, &facts(None)),
        pairs(&[("visited_by", "required"), ("outcome.why", "required")])
    );
}

#[test]
fn a_retention_check_needs_an_earlier_enrolment() {
    let check = follow_up(
        json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": true, "days_attended_last_week": 5}),
        "2026-11-20",
    );
    assert_eq!(
        follow_up_breaks(&check, &facts(None)),
        pairs(&[("outcome.kind", "retention_before_enrolment")])
    );
    assert_eq!(
        follow_up_breaks(&check, &facts(Some("2026-11-21"))),
        pairs(&[("outcome.kind", "retention_before_enrolment")])
    );
    assert_eq!(follow_up_breaks(&check, &facts(Some("2026-11-05"))), vec![]);
    let bad = follow_up(
        json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": true,
               "days_attended_last_week": 8, "dropout_reasons": ["cost"]}),
        "2026-11-20",
    );
    assert_eq!(
        follow_up_breaks(&bad, &facts(Some("2026-11-05"))),
        pairs(&[
            ("outcome.days_attended_last_week", "out_of_range"),
            ("outcome.dropout_reasons", "must_be_empty")
        ])
    );
}

// Schools, needs, officials, messages, meetings

#[test]
fn a_school_needs_a_name_and_uc_and_a_closed_reason_only_when_closed() {
    let school: School = decode_value(
        json!({"name": "", "level": "primary", "gender": "girls", "functional": true,
        "uc_code": "UC1", "closed_reason": "no teacher"}),
    )
    .unwrap();
    assert_eq!(
        broken(school.validate(&ctx())),
        pairs(&[("name", "required"), ("closed_reason", "must_be_empty")])
    );
}

#[test]
fn a_needs_steps_come_in_order_and_not_in_the_future() {
    let need: InfrastructureNeed = decode_value(json!({
        "school_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b", "category": "latrines", "severity": "high",
        "identified_on": "2026-10-01", "reported_by": "Ayesha",
        "raised_on": "2026-09-15", "resolved_on": "2026-12-01"
    }))
    .unwrap();
    assert_eq!(
        broken(need.validate(&ctx())),
        pairs(&[
            ("raised_on", "date_too_early"),
            ("resolved_on", "date_in_future")
        ])
    );
    assert_eq!(need.status(), daakhla_domain::codes::NeedStatus::Resolved);
    let other: InfrastructureNeed = decode_value(json!({
        "school_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b", "category": "other", "severity": "low",
        "identified_on": "2026-10-01", "reported_by": "Ayesha"
    }))
    .unwrap();
    assert_eq!(
        broken(other.validate(&ctx())),
        pairs(&[("description", "required_with_other_reason")])
    );
}

#[test]
fn officials_messages_and_meetings_check_their_fields() {
    let official: Official =
        decode_value(json!({"name": "DEO Thatta", "role": "district_education_officer", "district_code": "", "phone": "0300"}))
            .unwrap();
    assert_eq!(
        broken(official.validate(&ctx())),
        pairs(&[("district_code", "required"), ("phone", "phone_format")])
    );
    let message: AdvocacyMessage = decode_value(json!({
        "uc_code": "UC1", "official_id": "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b", "channel": "sms", "language": "ur",
        "body": "", "sent_on": "2026-11-10", "sent_by": "Coordinator", "response_on": "2026-11-09"
    }))
    .unwrap();
    assert_eq!(
        broken(message.validate(&ctx())),
        pairs(&[("body", "required"), ("response_on", "date_too_early")])
    );
    let meeting: CommunityMeeting = decode_value(json!({
        "uc_code": "UC1", "kind": "open_court", "held_on": "2026-11-30", "place": "", "fathers": 12, "mothers": 20,
        "recorded_by": "Coordinator"
    }))
    .unwrap();
    assert_eq!(
        broken(meeting.validate(&ctx())),
        pairs(&[("place", "required"), ("held_on", "date_in_future")])
    );
}

// Reading records

#[test]
fn a_survey_round_trips_through_json_and_gets_uuidv7_ids() {
    let survey = survey_with(|_| {});
    assert_eq!(survey.household.id.0.get_version_num(), 7);
    assert!(
        survey
            .children
            .iter()
            .all(|c| c.id.0.get_version_num() == 7 && c.household_id == survey.household.id)
    );
    let text = serde_json::to_string(&survey).unwrap();
    let back: HouseholdSurvey = serde_json::from_str(&text).unwrap();
    assert_eq!(back, survey);
}

#[test]
fn the_rule_for_every_code_has_a_sentence_in_both_languages() {
    let rules = [
        Rule::Required,
        Rule::MustBeEmpty,
        Rule::PersonalDataWithoutConsent,
        Rule::HouseholdNumberTaken {
            village_code: "V1".into(),
        },
        Rule::UnknownPlace { code: "X".into() },
        Rule::PlaceNotInUnionCouncil {
            uc_code: "UC1".into(),
        },
        Rule::AlreadyStored { id: "1".into() },
        Rule::UnknownRecord { id: "1".into() },
    ];
    for rule in rules {
        let (en, ur) = (rule.message(Lang::En), rule.message(Lang::Ur));
        assert!(!en.is_empty() && !ur.is_empty() && en != ur, "{rule:?}");
        assert!(
            ur.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
            "{rule:?}: {ur}"
        );
    }
}
