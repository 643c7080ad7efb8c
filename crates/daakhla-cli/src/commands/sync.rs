//! Sync with the server, and the coordinator's review of what sync brought: conflicts and
//! each record's history.

use crate::cli::TrustArgs;
use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::Lang;
use daakhla_store::Store;
use daakhla_sync::{Progress, Remote, SyncError, Trust};
use indicatif::{ProgressBar, ProgressStyle};

const SERVER_KEY: &str = "server_url";
pub(super) const TOKEN_KEY: &str = "server_token";

/// The CA file's certificates, read for `url`.
fn read_ca(url: &str, given: &TrustArgs) -> Result<Option<String>, CliError> {
    let Some(file) = &given.ca_file else {
        return Ok(None);
    };
    let pem = std::fs::read_to_string(file).map_err(|e| SyncError::Trust {
        url: url.to_string(),
        why: format!("the certificate authority file {}: {e}", file.display()),
    })?;
    Ok(Some(pem))
}

/// Enrols this device with a code from the coordinator (or the link in a hub's QR code), and
/// remembers the server, the token, how to trust the server (the link's pinned fingerprint,
/// a CA file) and the device's id for `sync` and `pack`.
pub fn enrol(
    store: &mut Store,
    server: Option<String>,
    code_or_link: &str,
    given: &TrustArgs,
    out: &Output,
) -> Result<(), CliError> {
    let (server, code, pinned) = match daakhla_sync::parse_enrolment_link(code_or_link) {
        Some(link) => (link.server, link.code, link.fingerprint),
        None => (
            server.ok_or(CliError::EnrolWithoutServer)?,
            code_or_link.to_string(),
            None,
        ),
    };
    let trust = Trust {
        ca_pem: read_ca(&server, given)?,
        fingerprint: pinned.or_else(|| given.fingerprint.clone()),
        insecure: given.insecure,
    };
    let enrolled = Remote::enrol_with(&server, &code, &trust)?;
    store.set_setting(SERVER_KEY, &enrolled.server)?;
    store.set_setting(TOKEN_KEY, &enrolled.token)?;
    daakhla_sync::remember_trust(
        store,
        &Trust {
            fingerprint: enrolled.fingerprint.clone(),
            ..trust
        },
    )?;
    store.set_setting(super::pack::DEVICE_KEY, &enrolled.device_id)?;
    out.show(
        &serde_json::json!({ "server": enrolled.server, "device_id": enrolled.device_id, "user": enrolled.user }),
        || match out.lang {
            Lang::En => format!(
                "Enrolled with {} as {}. `daakhla sync` now needs nothing more.",
                enrolled.server, enrolled.user
            ),
            Lang::Ur => format!(
                "{} پر {} کے طور پر رجسٹر ہو گئے۔ اب `daakhla sync` کو مزید کچھ نہیں چاہیے۔",
                enrolled.server, enrolled.user
            ),
        },
    );
    Ok(())
}

pub fn sync(
    store: &mut Store,
    server: Option<String>,
    token: Option<String>,
    given: &TrustArgs,
    out: &Output,
) -> Result<(), CliError> {
    if let Some(server) = &server {
        // A pin belongs to one server: another address forgets it (unless given anew).
        daakhla_sync::set_server(store, server)?;
    }
    if let Some(pem) = read_ca(server.as_deref().unwrap_or_default(), given)? {
        store.set_setting(daakhla_sync::CA_PEM_KEY, &pem)?;
    }
    if let Some(fingerprint) = &given.fingerprint {
        store.set_setting(daakhla_sync::FINGERPRINT_KEY, fingerprint)?;
    }
    if let Some(token) = &token {
        store.set_setting(TOKEN_KEY, token)?;
    }
    let (Some(url), Some(token)) = (store.setting(SERVER_KEY)?, store.setting(TOKEN_KEY)?) else {
        return Err(CliError::NotEnrolled);
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template is valid"));
    let lang = out.lang;
    let mut trust = daakhla_sync::stored_trust(store)?;
    trust.insecure |= given.insecure;
    let remote = Remote::with_trust(&url, &token, &trust)?;
    let summary = daakhla_sync::sync(store, &remote, &mut |progress| {
        bar.set_message(match (progress, lang) {
            (Progress::Sent { sent, total }, Lang::En) => format!("sent {sent} of {total} changes"),
            (Progress::Sent { sent, total }, Lang::Ur) => {
                format!("{total} میں سے {sent} تبدیلیاں بھیجی گئیں")
            }
            (Progress::Received { received }, Lang::En) => format!("received {received} changes"),
            (Progress::Received { received }, Lang::Ur) => {
                format!("{received} تبدیلیاں موصول ہوئیں")
            }
        });
        bar.tick();
    });
    bar.finish_and_clear();
    let summary = summary?;
    let held = store.held_back()?;
    out.show(&summary, || {
        let mut text = match lang {
            Lang::En => format!(
                "Synced with {url}: sent {} changes, received {} ({} records updated), {} KB on the wire. Conflicts to review: {}.",
                summary.sent,
                summary.received,
                summary.records,
                (summary.bytes_sent + summary.bytes_received).div_ceil(1024),
                summary.conflicts
            ),
            Lang::Ur => format!(
                "{url} کے ساتھ ہم آہنگی مکمل: {} تبدیلیاں بھیجیں، {} موصول ہوئیں ({} ریکارڈ تازہ)، {} KB ڈیٹا۔ جائزے کے لیے تنازعات: {}۔",
                summary.sent,
                summary.received,
                summary.records,
                (summary.bytes_sent + summary.bytes_received).div_ceil(1024),
                summary.conflicts
            ),
        };
        if !held.is_empty() {
            text.push_str(match lang {
                Lang::En => "\nThe server refused these records from this device; they are kept here, not sent:",
                Lang::Ur => "\nسرور نے اس ڈیوائس سے یہ ریکارڈ نہیں لیے؛ یہ یہیں محفوظ ہیں، بھیجے نہیں گئے:",
            });
            for (id, why) in &held {
                text.push_str(&format!("\n  {id}: {why}"));
            }
        }
        text
    });
    Ok(())
}

pub fn conflicts(store: &Store, out: &Output) -> Result<(), CliError> {
    let conflicts = store.conflicts()?;
    out.show(&conflicts, || {
        if conflicts.is_empty() {
            return out
                .say(
                    "No conflicts: every record agrees on every device.",
                    "کوئی تنازع نہیں: ہر ریکارڈ ہر ڈیوائس پر ایک جیسا ہے۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = conflicts
            .iter()
            .map(|c| {
                let losers: Vec<String> = c.losers.iter().map(|v| v.to_string()).collect();
                vec![
                    c.kind.code().into(),
                    c.doc_id.clone(),
                    c.field.clone(),
                    c.winner.to_string(),
                    losers.join(" | "),
                ]
            })
            .collect();
        let header = [
            out.say("Record", "ریکارڈ"),
            "Id",
            out.say("Field", "خانہ"),
            out.say("Shown now", "اب دکھائی دے رہا"),
            out.say("Also written", "یہ بھی لکھا گیا"),
        ];
        format!(
            "{}\n{}",
            table(&header, &rows),
            out.say(
                "To resolve one, edit the record and write the value that is right.",
                "حل کرنے کے لیے ریکارڈ میں ترمیم کر کے درست قدر لکھیں۔"
            )
        )
    });
    Ok(())
}

pub fn history(store: &Store, id: &str, out: &Output) -> Result<(), CliError> {
    let entries = store.history(id.trim())?;
    out.show(&entries, || {
        if entries.is_empty() {
            return out
                .say(
                    "No history: no record with this id is on this device.",
                    "کوئی تاریخ نہیں: اس شناخت کا کوئی ریکارڈ اس ڈیوائس پر نہیں۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = entries
            .iter()
            .map(|e| {
                let when = chrono::DateTime::from_timestamp(e.at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string());
                vec![
                    when.unwrap_or_default(),
                    e.author.clone(),
                    e.device.chars().take(8).collect(),
                    e.fields.join(", "),
                ]
            })
            .collect();
        table(
            &[
                out.say("When (UTC)", "کب (UTC)"),
                out.say("Who", "کس نے"),
                out.say("Device", "ڈیوائس"),
                out.say("Fields", "خانے"),
            ],
            &rows,
        )
    });
    Ok(())
}
