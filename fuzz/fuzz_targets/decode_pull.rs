//! `daakhla_wire::decode_pull`: any bytes give a Pull or an error, never a panic or a huge
//! allocation; what decodes is within the protocol's limits, re-encodes to the same Pull, and
//! is not also a push.
//!
//! Mode 0: the bytes as they arrive (compressed). Mode 1: the message's plain bytes, compressed
//! here, so the fuzzer works on the format inside DEFLATE.
#![no_main]

use daakhla_wire::{MAX_CHANGE_BYTES, MAX_CHANGES, decode_pull, decode_push, encode_pull};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = daakhla_fuzz::mode(data, 2) else {
        return;
    };
    let message = match mode {
        0 => rest.to_vec(),
        _ => daakhla_fuzz::deflate(rest),
    };
    let Ok(decoded) = decode_pull(&message) else {
        return;
    };
    assert!(decoded.changes.len() <= MAX_CHANGES);
    for change in &decoded.changes {
        assert!(change.bytes.len() <= MAX_CHANGE_BYTES);
        assert!(change.scope.len() <= 64);
    }
    let again = encode_pull(&decoded);
    assert_eq!(decode_pull(&again).as_ref(), Ok(&decoded));
    assert!(decode_push(&message).is_err());
});
