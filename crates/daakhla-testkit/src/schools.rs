//! Schools and their infrastructure needs.

use daakhla_domain::input::decode_value;
use daakhla_domain::school::{InfrastructureNeed, School};
use serde_json::{Value, json};

/// A functional mixed primary school called `name` in `uc`, in `village` if given.
pub fn school(uc: &str, village: Option<&str>, name: &str) -> School {
    school_with(uc, village, name, json!({}))
}

/// `school`, with `fields` (a JSON object) written over it.
pub fn school_with(uc: &str, village: Option<&str>, name: &str, fields: Value) -> School {
    let school = json!({"name": name, "level": "primary", "gender": "mixed", "functional": true,
                        "uc_code": uc, "village_code": village});
    decode_value(merged(school, fields)).unwrap()
}

/// A need of `school` in `category`, high, identified by Ayesha on 2 November 2026, with
/// `fields` (a JSON object) written over it.
pub fn need(school: &School, category: &str, fields: Value) -> InfrastructureNeed {
    let need = json!({"school_id": school.id, "category": category, "severity": "high",
                      "identified_on": "2026-11-02", "reported_by": "Ayesha"});
    decode_value(merged(need, fields)).unwrap()
}

fn merged(mut base: Value, fields: Value) -> Value {
    let Value::Object(fields) = fields else {
        panic!("fields are a JSON object, not {fields}")
    };
    base.as_object_mut().unwrap().extend(fields);
    base
}
