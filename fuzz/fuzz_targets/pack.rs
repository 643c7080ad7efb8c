//! The pack reader (`daakhla_wire::open_pack`, then `SealedPack::unseal`): any bytes give a
//! pack or a refusal, never a panic or a huge allocation. A pack that opens is refused with
//! any other key; one that unseals has the header it opened with, and writes back into a pack
//! that reads the same.
//!
//! Mode 0: the bytes as a file holds them (almost never sealed right: the frame and header).
//! Mode 1: the bytes are a pack's header and body, framed with the right length and sealed
//! here with the fuzzing device's key, so the sections' decoder sees them.
#![no_main]

use daakhla_domain::Lang;
use daakhla_wire::{PackError, PackKey, encode_pack, open_pack};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = daakhla_fuzz::mode(data, 2) else {
        return;
    };
    let file = match mode {
        0 => rest.to_vec(),
        _ => daakhla_fuzz::sealed_frame(rest),
    };
    let key = daakhla_fuzz::key();
    let refused = |e: PackError| {
        assert!(!e.message(Lang::En).is_empty() && !e.message(Lang::Ur).is_empty());
    };
    match open_pack(&file) {
        Err(e) => refused(e),
        Ok(sealed) => assert_eq!(
            sealed.unseal(&PackKey::from_token("another device")),
            Err(PackError::Tampered)
        ),
    }
    let sealed = match open_pack(&file) {
        Ok(sealed) => sealed,
        Err(e) => return refused(e),
    };
    let header = sealed.header().clone();
    let pack = match sealed.unseal(&key) {
        Ok(pack) => pack,
        Err(e) => return refused(e),
    };
    assert_eq!(pack.header, header);
    let again = encode_pack(&pack, &key);
    assert_eq!(
        open_pack(&again).and_then(|s| s.unseal(&key)).as_ref(),
        Ok(&pack)
    );
});
