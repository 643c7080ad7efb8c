//! JSON input as people and scripts type it (`daakhla_domain::input`): surveys, follow-ups,
//! schools, needs and geography read with `decode_many`/`decode_one`, and edit patches applied
//! with `apply_survey_patch`. Any text gives records or an error with its path, never a
//! panic; records that read are validated (every violation named in both languages) and read
//! back the same from the JSON they write.
//!
//! Mode (first byte): 0 surveys, 1 follow-ups, 2 schools, 3 needs, 4 a survey and patches
//! to it (a JSON list: the stored survey, then each patch in turn), 5 geography.
#![no_main]

use chrono::NaiveDate;
use daakhla_domain::followup::{ChildFacts, FollowUp};
use daakhla_domain::geography::Geography;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::{
    InputError, apply_survey_patch, decode_many, decode_one, decode_value,
};
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::{Context, Lang, Validate, Violations};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn ctx() -> Context {
    Context {
        today: day("2026-11-22"),
    }
}

fn named(result: Result<(), Violations>) {
    if let Err(violations) = result {
        for v in &violations.0 {
            for lang in Lang::ALL {
                assert!(!v.message(lang).is_empty());
            }
        }
    }
}

fn refused(e: InputError) {
    for lang in Lang::ALL {
        assert!(!e.message(lang).is_empty());
    }
}

/// What a record writes as JSON reads back as the same record.
fn round_trips<T: Serialize + DeserializeOwned + PartialEq + Debug>(record: &T) {
    let json = serde_json::to_value(record).expect("a record writes as JSON");
    let back: T = decode_value(json).expect("a record reads from the JSON it writes");
    assert_eq!(&back, record);
}

fn records<T: Serialize + DeserializeOwned + PartialEq + Debug>(text: &str, check: impl Fn(&T)) {
    match decode_many::<T>(text) {
        Ok(records) => records.iter().for_each(|r| {
            round_trips(r);
            check(r)
        }),
        Err(e) => refused(e),
    }
}

fn stored_survey(value: Option<&Value>) -> HouseholdSurvey {
    let mut survey = value
        .and_then(|v| decode_value::<HouseholdSurvey>(v.clone()).ok())
        .unwrap_or_else(|| decode_value(daakhla_fuzz::survey_json()).unwrap());
    survey.link_children();
    survey
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = daakhla_fuzz::mode(data, 6) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match mode {
        0 => records(text, |s: &HouseholdSurvey| {
            let mut s = s.clone();
            s.link_children();
            named(s.validate(&ctx()));
        }),
        1 => records(text, |f: &FollowUp| {
            for enrolled_on in [None, Some(day("2026-11-09"))] {
                let facts = ChildFacts {
                    surveyed_on: day("2026-11-01"),
                    enrolled_on,
                };
                named(f.validate_against(&ctx(), &facts));
            }
        }),
        2 => records(text, |s: &School| named(s.validate(&ctx()))),
        3 => records(text, |n: &InfrastructureNeed| named(n.validate(&ctx()))),
        4 => {
            let values = match decode_many::<Value>(text) {
                Ok(values) => values,
                Err(e) => return refused(e),
            };
            let mut stored = stored_survey(values.first());
            for patch in values.iter().skip(1) {
                match apply_survey_patch(&stored, patch) {
                    Ok(edited) => {
                        round_trips(&edited);
                        named(edited.validate(&ctx()));
                        stored = edited;
                    }
                    Err(e) => refused(e),
                }
            }
        }
        _ => match decode_one::<Geography>(text) {
            Ok(geography) => named(geography.validate(&ctx())),
            Err(e) => refused(e),
        },
    }
});
