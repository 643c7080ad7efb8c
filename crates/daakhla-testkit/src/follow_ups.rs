//! Follow-up visits to a child and their outcomes.

use daakhla_domain::child::Child;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::input::decode_value;
use serde_json::{Value, json};

/// Ayesha's visit to `child` on `day` (YYYY-MM-DD), with its `outcome`.
pub fn visit(child: &Child, day: &str, outcome: Value) -> FollowUp {
    decode_value(
        json!({"child_id": child.id, "visited_on": day, "visited_by": "Ayesha",
                        "outcome": outcome}),
    )
    .unwrap()
}

/// The child was enrolled in class 1 of GGPS Goth Ali.
pub fn enrolled() -> Value {
    json!({"kind": "enrolled", "school": {"name": "GGPS Goth Ali"}, "class": 1})
}

/// The child was enrolled in class 1 of GGPS Goth Ali, admitted on `day`.
pub fn enrolled_on(day: &str) -> Value {
    let mut outcome = enrolled();
    outcome["admitted_on"] = json!(day);
    outcome
}
