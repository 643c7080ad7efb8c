//! Reading commands' and servers' JSON answers.

use serde_json::Value;

/// The text at `pointer` (a JSON pointer such as `/name` or `/milestone/code`) in each element
/// of the array `list`, in order: what a list shows, compared in one assertion.
pub fn texts<'a>(list: &'a Value, pointer: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|item| {
            item.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("no text at {pointer} in {item}"))
        })
        .collect()
}
