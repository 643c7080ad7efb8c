//! Records as people and scripts type them: JSON holding one record or a list of them, and
//! edits given as patches. A malformed value is reported with the path to it.

use crate::Lang;
use crate::household::HouseholdSurvey;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt;

/// Input that could not be read as records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// The record's place in a list, when the input was a list.
    pub record: Option<usize>,
    /// Where inside the record, e.g. `children[0].sex`; empty for the whole input.
    pub path: String,
    /// What the reader expected (serde's words, in English).
    pub detail: String,
}

impl InputError {
    fn whole(detail: impl fmt::Display) -> Self {
        Self {
            record: None,
            path: String::new(),
            detail: detail.to_string(),
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        let at = match (self.record, self.path.as_str()) {
            (None, "" | ".") => String::new(),
            (None, path) => format!("{path}: "),
            (Some(i), "" | ".") => format!("[{i}]: "),
            (Some(i), path) => format!("[{i}].{path}: "),
        };
        match lang {
            Lang::En => format!("{at}cannot read this value: {}", self.detail),
            Lang::Ur => format!("{at}یہ اندراج پڑھا نہیں جا سکا: {}", self.detail),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// Reads JSON holding one record, or a list of records, into records.
pub fn decode_many<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, InputError> {
    let value: Value = serde_json::from_str(text).map_err(InputError::whole)?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                decode_value(item).map_err(|e| InputError {
                    record: Some(i),
                    ..e
                })
            })
            .collect(),
        single => decode_value(single).map(|record| vec![record]),
    }
}

/// Reads JSON holding exactly one record.
pub fn decode_one<T: DeserializeOwned>(text: &str) -> Result<T, InputError> {
    decode_value(serde_json::from_str(text).map_err(InputError::whole)?)
}

/// Reads one JSON value into a record, naming the path to the first value that does not fit.
pub fn decode_value<T: DeserializeOwned>(value: Value) -> Result<T, InputError> {
    serde_path_to_error::deserialize(value).map_err(|e| InputError {
        record: None,
        path: e.path().to_string(),
        detail: e.inner().to_string(),
    })
}

/// Applies an edit to a stored survey. The patch has the survey's shape and holds only what
/// changes: objects merge key by key (RFC 7386; `null` removes a key), and each child in
/// `children` is merged into the stored child with the same `id`, or added when it has none
/// or an unknown one. Children are never removed by an edit.
pub fn apply_survey_patch(
    stored: &HouseholdSurvey,
    patch: &Value,
) -> Result<HouseholdSurvey, InputError> {
    let mut merged = serde_json::to_value(stored).map_err(InputError::whole)?;
    let Value::Object(patch) = patch else {
        return Err(InputError::whole("an edit must be a JSON object"));
    };
    for (key, value) in patch {
        match (key.as_str(), value) {
            ("children", Value::Array(children)) => {
                let stored_children = merged["children"]
                    .as_array_mut()
                    .expect("a survey has a roster");
                for child in children {
                    let id = child.get("id").cloned();
                    match stored_children
                        .iter_mut()
                        .find(|c| id.is_some() && c.get("id") == id.as_ref())
                    {
                        Some(existing) => merge_patch(existing, child),
                        None => stored_children.push(without_nulls(child)),
                    }
                }
            }
            (key, value) => merge_patch(
                merged
                    .as_object_mut()
                    .expect("a survey is an object")
                    .entry(key)
                    .or_insert(Value::Null),
                value,
            ),
        }
    }
    let mut survey: HouseholdSurvey = decode_value(merged)?;
    survey.link_children();
    Ok(survey)
}

/// RFC 7386 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("just made an object");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

fn without_nulls(value: &Value) -> Value {
    let mut clean = Value::Object(Map::new());
    merge_patch(&mut clean, value);
    clean
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored() -> HouseholdSurvey {
        let mut survey: HouseholdSurvey = decode_value(json!({
            "household": {"uc_code": "UC1", "village_code": "V1", "household_number": "12",
                          "consent": true, "head_name": "Muhammad Aslam", "surveyed_by": "Ayesha",
                          "surveyed_on": "2026-11-01"},
            "children": [{"name": "Sana", "sex": "girl", "age_years": 9,
                          "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost"]}]
        }))
        .unwrap();
        survey.link_children();
        survey
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let before = stored();
        let child_id = before.children[0].id.to_string();
        let after = apply_survey_patch(
            &before,
            &json!({"household": {"head_name": "M. Aslam", "landmark": null},
                    "children": [{"id": child_id, "age_years": 10},
                                 {"name": "Ali", "sex": "boy", "age_years": 7,
                                  "schooling": {"status": "enrolled"}}]}),
        )
        .unwrap();
        assert_eq!(after.household.head_name.as_deref(), Some("M. Aslam"));
        assert_eq!(after.household.id, before.household.id);
        assert_eq!(after.household.household_number, "12");
        assert_eq!(after.children.len(), 2);
        assert_eq!(after.children[0].age_years, Some(10));
        assert_eq!(after.children[0].name, "Sana");
        assert_eq!(after.children[1].household_id, before.household.id);
    }

    #[test]
    fn a_bad_value_is_named_by_its_path() {
        let err = decode_many::<HouseholdSurvey>(
            r#"[{"household": {"consent": true, "surveyed_on": "2026-11-01"}},
                {"household": {"consent": true, "surveyed_on": "2026-11-01"},
                 "children": [{"name": "A", "sex": "female", "schooling": {"status": "never_enrolled"}}]}]"#,
        )
        .unwrap_err();
        assert_eq!(err.record, Some(1));
        assert_eq!(err.path, "children[0].sex");
        assert!(
            err.message(Lang::En).starts_with("[1].children[0].sex: "),
            "{}",
            err.message(Lang::En)
        );
        assert!(err.detail.contains("girl"));
    }

    #[test]
    fn malformed_json_is_an_error_for_the_whole_input() {
        let err = decode_many::<HouseholdSurvey>("{\"household\": ").unwrap_err();
        assert_eq!(err.record, None);
        assert!(err.message(Lang::Ur).contains("پڑھا نہیں"));
    }
}
