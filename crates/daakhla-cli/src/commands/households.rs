use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::Lang;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::ids::HouseholdId;
use daakhla_domain::input::{InputError, apply_survey_patch, decode_many, decode_value};
use daakhla_store::Store;
use serde::Serialize;
use serde_json::Value;

/// What a save reports back: enough for a script to add follow-ups next.
#[derive(Serialize)]
struct Saved {
    households: usize,
    /// Already stored exactly as given, and skipped.
    unchanged: usize,
    children: usize,
    out_of_school: usize,
    saved: Vec<SavedHousehold>,
}

#[derive(Serialize)]
struct SavedHousehold {
    id: HouseholdId,
    village_code: String,
    household_number: String,
    children: Vec<SavedChild>,
}

#[derive(Serialize)]
struct SavedChild {
    id: String,
    name: String,
    out_of_school: bool,
}

impl Saved {
    fn of(surveys: &[HouseholdSurvey]) -> Saved {
        let saved: Vec<SavedHousehold> = surveys
            .iter()
            .map(|s| SavedHousehold {
                id: s.household.id,
                village_code: s.household.village_code.clone(),
                household_number: s.household.household_number.clone(),
                children: s
                    .children
                    .iter()
                    .map(|c| SavedChild {
                        id: c.id.to_string(),
                        name: c.name.clone(),
                        out_of_school: c.is_out_of_school(),
                    })
                    .collect(),
            })
            .collect();
        let children = saved.iter().map(|h| h.children.len()).sum();
        let out_of_school = saved
            .iter()
            .flat_map(|h| &h.children)
            .filter(|c| c.out_of_school)
            .count();
        Saved {
            households: saved.len(),
            unchanged: 0,
            children,
            out_of_school,
            saved,
        }
    }

    fn summary(&self, out: &Output, verb_en: &str, verb_ur: &str) -> String {
        let mut lines = vec![match out.lang {
            Lang::En => format!(
                "{verb_en} {} household(s) with {} children ({} out of school).",
                self.households, self.children, self.out_of_school
            ),
            Lang::Ur => format!(
                "{} گھرانے، {} بچے ({} اسکول سے باہر) {verb_ur}۔",
                self.households, self.children, self.out_of_school
            ),
        }];
        if self.unchanged > 0 {
            lines.push(match out.lang {
                Lang::En => format!(
                    "{} of them were already stored as given and were left as they were.",
                    self.unchanged
                ),
                Lang::Ur => format!(
                    "ان میں سے {} پہلے سے اسی طرح محفوظ تھے، انہیں نہیں چھیڑا گیا۔",
                    self.unchanged
                ),
            });
        }
        if self.households <= 10 {
            for h in &self.saved {
                lines.push(format!(
                    "  {} {}/{}",
                    h.id, h.village_code, h.household_number
                ));
                for c in &h.children {
                    let osc = if c.out_of_school {
                        out.say(" (out of school)", " (اسکول سے باہر)")
                    } else {
                        ""
                    };
                    lines.push(format!("    {} {}{osc}", c.id, c.name));
                }
            }
        }
        lines.join("\n")
    }
}

pub fn add(store: &mut Store, text: &str, out: &Output) -> Result<(), CliError> {
    let mut surveys: Vec<HouseholdSurvey> = decode_many(text)?;
    surveys.iter_mut().for_each(HouseholdSurvey::link_children);
    let bar = out.progress(
        surveys.len(),
        "Saving households",
        "گھرانے محفوظ ہو رہے ہیں",
    );
    let result = store.add_surveys(&surveys, &super::context(), &mut |done| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    let saved = Saved {
        unchanged: result.unchanged,
        ..Saved::of(&surveys)
    };
    out.show(&saved, || saved.summary(out, "Saved", "محفوظ ہو گئے"));
    Ok(())
}

/// Each patch names the survey it edits by `household.id`.
pub fn edit(store: &mut Store, text: &str, out: &Output) -> Result<(), CliError> {
    let patches: Vec<Value> = decode_many(text)?;
    let mut edited = Vec::with_capacity(patches.len());
    for (index, patch) in patches.iter().enumerate() {
        let in_batch = |e: InputError| InputError {
            record: (patches.len() > 1).then_some(index),
            ..e
        };
        let id: HouseholdId = patch
            .pointer("/household/id")
            .cloned()
            .ok_or_else(|| InputError {
                record: None,
                path: "household.id".into(),
                detail: "missing field `id`".into(),
            })
            .and_then(decode_value)
            .map_err(in_batch)?;
        let stored = store.survey(id)?;
        edited.push(apply_survey_patch(&stored, patch).map_err(in_batch)?);
    }
    let bar = out.progress(edited.len(), "Saving edits", "ترامیم محفوظ ہو رہی ہیں");
    store.replace_surveys(&edited, &super::context(), &mut |done| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    let saved = Saved::of(&edited);
    out.show(&saved, || saved.summary(out, "Edited", "میں ترمیم ہو گئی"));
    Ok(())
}

pub fn show(store: &Store, id: &str, out: &Output) -> Result<(), CliError> {
    let survey = store.survey(super::parse_id(id)?)?;
    out.show(&survey, || {
        serde_json::to_string_pretty(&survey).expect("surveys serialise")
    });
    Ok(())
}

pub fn list(
    store: &Store,
    village: Option<&str>,
    uc: Option<&str>,
    out: &Output,
) -> Result<(), CliError> {
    let households = store.households(village, uc)?;
    out.show(&households, || {
        if households.is_empty() {
            return out
                .say(
                    "No households surveyed here yet.",
                    "یہاں ابھی کسی گھرانے کا سروے نہیں ہوا۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = households
            .iter()
            .map(|h| {
                vec![
                    format!("{}/{}", h.village_code, h.household_number),
                    h.head_name
                        .clone()
                        .unwrap_or_else(|| out.say("(no consent)", "(رضامندی نہیں)").into()),
                    h.surveyed_on.clone(),
                    h.children.to_string(),
                    h.out_of_school.to_string(),
                    h.to_follow_up.to_string(),
                    h.id.to_string(),
                ]
            })
            .collect();
        let header = [
            out.say("Household", "گھرانہ"),
            out.say("Head", "سربراہ"),
            out.say("Surveyed", "سروے"),
            out.say("Children", "بچے"),
            out.say("Out of school", "اسکول سے باہر"),
            out.say("To follow up", "فالو اپ باقی"),
            "Id",
        ];
        table(&header, &rows)
    });
    Ok(())
}

pub fn search(store: &Store, text: &str, limit: usize, out: &Output) -> Result<(), CliError> {
    let hits = store.search(text, limit)?;
    out.show(&hits, || {
        if hits.is_empty() {
            return out.say("Nothing found.", "کچھ نہیں ملا۔").into();
        }
        let rows: Vec<Vec<String>> = hits
            .iter()
            .map(|h| {
                vec![
                    format!("{}/{}", h.village_code, h.household_number),
                    h.head_name.clone().unwrap_or_default(),
                    h.child_name.clone().unwrap_or_default(),
                    h.child_id
                        .clone()
                        .unwrap_or_else(|| h.household_id.to_string()),
                ]
            })
            .collect();
        table(
            &[
                out.say("Household", "گھرانہ"),
                out.say("Head", "سربراہ"),
                out.say("Child", "بچہ"),
                "Id",
            ],
            &rows,
        )
    });
    Ok(())
}

pub fn delete(store: &mut Store, id: &str, out: &Output) -> Result<(), CliError> {
    store.delete_household(super::parse_id(id)?)?;
    out.show(&serde_json::json!({ "deleted": id }), || {
        out.say(
            "Deleted the household and its children.",
            "گھرانہ اور اس کے بچے حذف کر دیے گئے۔",
        )
        .into()
    });
    Ok(())
}

pub fn duplicates(store: &Store, uc: Option<&str>, out: &Output) -> Result<(), CliError> {
    let pairs = store.duplicate_pairs(uc)?;
    out.show(&pairs, || {
        if pairs.is_empty() {
            return out
                .say("No likely duplicates.", "کوئی ممکنہ دہرا اندراج نہیں۔")
                .into();
        }
        let brief = |s: &daakhla_domain::household::HouseholdSurvey| {
            let h = &s.household;
            format!(
                "{}/{} {} ({})",
                h.village_code,
                h.household_number,
                h.head_name.as_deref().unwrap_or("-"),
                h.id
            )
        };
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|pair| {
                let clues: Vec<String> = pair
                    .likeness
                    .clues
                    .iter()
                    .map(|c| c.describe(out.lang))
                    .collect();
                vec![
                    format!("{}%", pair.likeness.score),
                    brief(&pair.first),
                    brief(&pair.second),
                    clues.join("; "),
                ]
            })
            .collect();
        table(
            &[
                out.say("Alike", "مشابہت"),
                out.say("Household", "گھرانہ"),
                out.say("Household", "گھرانہ"),
                out.say("Why", "کیوں"),
            ],
            &rows,
        )
    });
    Ok(())
}

pub fn merge(store: &mut Store, from: &str, into: &str, out: &Output) -> Result<(), CliError> {
    let twice = store.merge_households(super::parse_id(from)?, super::parse_id(into)?)?;
    let removed: Vec<String> = twice.iter().map(|(gone, _)| gone.to_string()).collect();
    out.show(
        &serde_json::json!({ "merged": from, "into": into, "children_recorded_twice": removed }),
        || {
            let merged = out.say(
                "Merged: the household is now shown as the other, with its children.",
                "یکجا ہو گئے: یہ گھرانہ اب دوسرے کے طور پر، اپنے بچوں سمیت، دکھایا جائے گا۔",
            );
            if twice.is_empty() {
                return merged.into();
            }
            let n = twice.len();
            format!(
                "{merged}\n{}",
                match out.lang {
                    daakhla_domain::Lang::En =>
                        format!("{n} child(ren) on both rosters kept once (the copy deleted)."),
                    daakhla_domain::Lang::Ur =>
                        format!("دونوں فہرستوں پر درج {n} بچے ایک بار رکھے گئے (نقل حذف)۔"),
                }
            )
        },
    );
    Ok(())
}
