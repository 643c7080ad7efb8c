//! JSON values ⇄ Automerge scalars. Scalars map to scalars; objects and lists are kept whole,
//! as JSON bytes, so that they merge as one value.

use automerge::ScalarValue;
use serde_json::{Number, Value};

pub fn to_scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Null => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Boolean(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(f)) if n.is_f64() => ScalarValue::F64(f),
            // A u64 above i64::MAX: keep it exact.
            _ => ScalarValue::Uint(n.as_u64().unwrap_or_default()),
        },
        Value::String(s) => ScalarValue::Str(s.as_str().into()),
        composite => {
            ScalarValue::Bytes(serde_json::to_vec(composite).expect("JSON values serialise"))
        }
    }
}

pub fn from_scalar(scalar: &ScalarValue) -> Value {
    match scalar {
        ScalarValue::Null => Value::Null,
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Value::from(*i),
        ScalarValue::Uint(u) => Value::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Str(s) => Value::String(s.to_string()),
        // Bytes this crate wrote are JSON; anything else is kept visible rather than dropped.
        ScalarValue::Bytes(bytes) => serde_json::from_slice(bytes).unwrap_or(Value::Null),
        ScalarValue::Unknown { .. } => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_json_value_comes_back_as_it_went_in() {
        for value in [
            json!(null),
            json!(true),
            json!(-3),
            json!(2.5),
            json!(u64::MAX),
            json!("گوٹھ علی"),
            json!(["cost", "child_works"]),
            json!({"status": "enrolled", "class": 3}),
        ] {
            assert_eq!(from_scalar(&to_scalar(&value)), value);
        }
    }
}
