//! The places test records are made in.

use daakhla_domain::geography::{Geography, REFERENCE_JSON};
use daakhla_domain::input::decode_value;
use daakhla_store::Store;
use serde_json::json;

/// The compiled-in reference geography (provinces and districts), as every store and server
/// starts with.
pub fn reference() -> Geography {
    serde_json::from_str(REFERENCE_JSON).unwrap()
}

/// Two union councils under the reference district SD-THT: UC1 (villages V1 Goth Ali and V2
/// Goth Sher) and UC2 (W1 Basti), enough for a record's place to be right, wrong or another
/// reader's.
pub fn two_union_councils() -> Geography {
    decode_value(json!({
        "tehsils": [{"code": "SD-THT-T9", "parent": "SD-THT", "name": {"en": "T9", "ur": "ت9"}}],
        "union_councils": [
            {"code": "UC1", "parent": "SD-THT-T9", "name": {"en": "UC one", "ur": "یونین کونسل ایک"}},
            {"code": "UC2", "parent": "SD-THT-T9", "name": {"en": "UC two", "ur": "یونین کونسل دو"}}],
        "villages": [
            {"code": "V1", "parent": "UC1", "name": {"en": "Goth Ali", "ur": "گوٹھ علی"}},
            {"code": "V2", "parent": "UC1", "name": {"en": "Goth Sher", "ur": "گوٹھ شیر"}},
            {"code": "W1", "parent": "UC2", "name": {"en": "Basti", "ur": "بستی"}}]
    }))
    .unwrap()
}

/// Imports the reference geography and `two_union_councils` into `store`.
pub fn import(store: &mut Store) {
    let ctx = crate::context::ctx();
    store.import_geography(&reference(), &ctx).unwrap();
    store.import_geography(&two_union_councils(), &ctx).unwrap();
}
