//! Sync packs: this device's changes into a file for the server, and the server's pack for
//! this device into the store, when there is no network.

use super::sync::TOKEN_KEY;
use crate::cli::PackEnrolment;
use crate::error::CliError;
use crate::output::Output;
use daakhla_domain::Lang;
use daakhla_store::Store;
use daakhla_sync::pack::{Enrolment, Imported, MAX_PACK_BYTES, PackError, Refusal, Written};
use std::io::Write;
use std::path::Path;

/// The server's id of this device, as `daakhla-server device add` printed it.
pub(super) const DEVICE_KEY: &str = "server_device_id";

pub fn write(
    store: &mut Store,
    file: &Path,
    enrolment: PackEnrolment,
    author: &str,
    out: &Output,
) -> Result<(), CliError> {
    let (device, token) = remembered(store, enrolment)?;
    let now = chrono::Utc::now().timestamp().max(0) as u64;
    let enrolment = Enrolment {
        device: &device,
        token: &token,
    };
    let (bytes, written) = daakhla_sync::pack::write_pack(store, enrolment, author, now)?;
    write_atomically(file, &bytes)?;
    out.show(&written, || said_written(&written, file, out.lang));
    Ok(())
}

pub fn import(
    store: &mut Store,
    file: &Path,
    enrolment: PackEnrolment,
    out: &Output,
) -> Result<(), CliError> {
    let (device, token) = remembered(store, enrolment)?;
    let bytes = read_pack(file)?;
    let enrolment = Enrolment {
        device: &device,
        token: &token,
    };
    let imported = daakhla_sync::pack::import_pack(store, enrolment, &bytes)?;
    out.show(&imported, || said_imported(&imported, out.lang));
    Ok(())
}

/// The device's id and token: given now (and remembered) or remembered from before.
fn remembered(store: &mut Store, enrolment: PackEnrolment) -> Result<(String, String), CliError> {
    if let Some(device) = &enrolment.device {
        store.set_setting(DEVICE_KEY, device.trim())?;
    }
    if let Some(token) = &enrolment.token {
        store.set_setting(TOKEN_KEY, token.trim())?;
    }
    match (store.setting(DEVICE_KEY)?, store.setting(TOKEN_KEY)?) {
        (Some(device), Some(token)) => Ok((device, token)),
        _ => Err(CliError::NotEnrolledForPacks),
    }
}

/// Reads a pack, refusing a file larger than a pack may be before reading it.
fn read_pack(file: &Path) -> Result<Vec<u8>, CliError> {
    let failed = |source| CliError::Read {
        path: file.into(),
        source,
    };
    let size = std::fs::metadata(file).map_err(failed)?.len();
    if size > MAX_PACK_BYTES as u64 {
        return Err(PackError::Refused(Refusal::TooLarge).into());
    }
    std::fs::read(file).map_err(failed)
}

/// Writes beside the file, flushes to the disk, then renames: a pack cut short by a full disk
/// or a USB stick pulled out never takes the pack's name.
fn write_atomically(file: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let partial = file.with_extension("partial");
    let failed = |source| CliError::Write {
        path: file.into(),
        source,
    };
    let mut out = std::fs::File::create(&partial).map_err(failed)?;
    out.write_all(bytes).map_err(failed)?;
    out.sync_all().map_err(failed)?;
    drop(out);
    std::fs::rename(&partial, file).map_err(failed)
}

fn said_written(written: &Written, file: &Path, lang: Lang) -> String {
    let kb = written.bytes.div_ceil(1024);
    match lang {
        Lang::En => format!(
            "Wrote {} changes ({kb} KB) to {}. Take it to the server (`daakhla-server pack import`). Nothing is marked as sent: the next pack or sync carries these changes again, and the server keeps each once.",
            written.changes,
            file.display()
        ),
        Lang::Ur => format!(
            "{} تبدیلیاں ({kb} KB) {} میں لکھ دی گئیں۔ اسے سرور تک پہنچائیں (`daakhla-server pack import`)۔ انہیں بھیجا ہوا نہیں مانا گیا: اگلا پیک یا سنک یہ تبدیلیاں پھر لے جائے گا، اور سرور ہر ایک کو ایک بار رکھتا ہے۔",
            written.changes,
            file.display()
        ),
    }
}

fn said_imported(imported: &Imported, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "Took in {} changes ({} new, {} records updated; {} of this device's changes are now acknowledged). Conflicts to review: {}.{}",
            imported.changes,
            imported.new_changes,
            imported.records,
            imported.acknowledged,
            imported.conflicts,
            if imported.after <= imported.cursor {
                String::new()
            } else {
                format!(
                    " This pack starts after log position {}, beyond what this device has; the next sync or pack fills the gap.",
                    imported.after
                )
            }
        ),
        Lang::Ur => format!(
            "{} تبدیلیاں لی گئیں ({} نئی، {} ریکارڈ تازہ؛ اس ڈیوائس کی {} تبدیلیاں سرور تک پہنچنے کی تصدیق ہوئی)۔ جائزے کے لیے تنازعات: {}۔{}",
            imported.changes,
            imported.new_changes,
            imported.records,
            imported.acknowledged,
            imported.conflicts,
            if imported.after <= imported.cursor {
                String::new()
            } else {
                format!(
                    " یہ پیک لاگ کی جگہ {} کے بعد سے شروع ہوتا ہے، جو اس ڈیوائس کے پاس موجود سے آگے ہے؛ اگلا سنک یا پیک یہ کمی پوری کرے گا۔",
                    imported.after
                )
            }
        ),
    }
}
