//! The daily digest to officials: its figures for a union council, the officials it goes to,
//! and the log of what was sent to whom and what they answered.

use crate::{Store, StoreError};
use daakhla_domain::codes::{Coded, OfficialRole};
use daakhla_domain::digest::{DigestChannel, DigestRecipient};
use daakhla_domain::validation::{Checker, Context, FieldPath, MAX_LONG_TEXT, Rule, Validate};
use daakhla_domain::{Lang, Violation, Violations};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

/// An official the digest can be sent to, as kept on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Recipient {
    pub id: i64,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub office: OfficialRole,
    pub phone: Option<String>,
}

/// One digest sent: when, to whom, how, the exact text, and the response once noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DigestSent {
    pub id: i64,
    /// RFC 3339, with the device's offset.
    pub sent_at: String,
    pub uc_code: String,
    #[cfg_attr(feature = "ts", ts(type = "\"en\" | \"ur\""))]
    pub lang: Lang,
    pub recipient_name: String,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub recipient_office: OfficialRole,
    pub recipient_phone: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub channel: DigestChannel,
    pub text: String,
    pub response: Option<String>,
    pub response_at: Option<String>,
}

impl Store {
    /// Keeps an official to send digests to; refused whole if a field breaks a rule.
    pub fn add_recipient(
        &mut self,
        recipient: &DigestRecipient,
        ctx: &Context,
    ) -> Result<Recipient, StoreError> {
        recipient.validate(ctx).map_err(StoreError::Invalid)?;
        let name = recipient.name.trim().to_string();
        let phone = recipient
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        self.conn.execute(
            "INSERT INTO digest_recipients (name, office, phone) VALUES (?1, ?2, ?3)",
            params![name, recipient.office.code(), phone],
        )?;
        Ok(Recipient {
            id: self.conn.last_insert_rowid(),
            name,
            office: recipient.office,
            phone,
        })
    }

    /// The officials digests go to, by name.
    pub fn recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, office, phone FROM digest_recipients ORDER BY name, id")?;
        let rows = stmt.query_map([], |row| {
            Ok(Recipient {
                id: row.get(0)?,
                name: row.get(1)?,
                office: crate::coded_column(row, 2)?,
                phone: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Logs that `text` was sent to a recipient at `sent_at` (RFC 3339).
    pub fn record_digest_sent(
        &mut self,
        recipient_id: i64,
        uc_code: &str,
        lang: Lang,
        channel: DigestChannel,
        text: &str,
        sent_at: &str,
    ) -> Result<DigestSent, StoreError> {
        let recipient = self
            .recipients()?
            .into_iter()
            .find(|r| r.id == recipient_id)
            .ok_or_else(|| StoreError::NotFound {
                kind: "recipient",
                id: recipient_id.to_string(),
            })?;
        if text.trim().is_empty() {
            return Err(StoreError::Invalid(Violations(vec![Violation::new(
                FieldPath::root().key("text"),
                Rule::Required,
            )])));
        }
        self.conn.execute(
            "INSERT INTO digest_log (sent_at, uc_code, lang, recipient_id, recipient_name,
                                     recipient_office, recipient_phone, channel, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                sent_at,
                uc_code,
                lang.code(),
                recipient.id,
                recipient.name,
                recipient.office.code(),
                recipient.phone,
                channel.code(),
                text,
            ],
        )?;
        let id = self.conn.last_insert_rowid();
        self.digest_sent(id)
    }

    /// Notes what an official answered to a digest (replacing an earlier note).
    pub fn note_digest_response(
        &mut self,
        id: i64,
        response: &str,
        noted_at: &str,
        ctx: &Context,
    ) -> Result<DigestSent, StoreError> {
        let mut checker = Checker::new(*ctx);
        let at = FieldPath::root().key("response");
        checker.required_text(at.clone(), response);
        checker.optional_text(at, Some(response), MAX_LONG_TEXT);
        checker.finish().map_err(StoreError::Invalid)?;
        let changed = self.conn.execute(
            "UPDATE digest_log SET response = ?2, response_at = ?3 WHERE id = ?1",
            params![id, response.trim(), noted_at],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                kind: "digest sent",
                id: id.to_string(),
            });
        }
        self.digest_sent(id)
    }

    /// The digests sent, newest first; of one union council when `uc_code` is given.
    pub fn digest_log(&self, uc_code: Option<&str>) -> Result<Vec<DigestSent>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {LOG_COLUMNS} FROM digest_log WHERE ?1 IS NULL OR uc_code = ?1
              ORDER BY sent_at DESC, id DESC"
        ))?;
        let rows = stmt.query_map([uc_code], log_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn digest_sent(&self, id: i64) -> Result<DigestSent, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {LOG_COLUMNS} FROM digest_log WHERE id = ?1"),
                [id],
                log_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound {
                kind: "digest sent",
                id: id.to_string(),
            })
    }
}

const LOG_COLUMNS: &str = "id, sent_at, uc_code, lang, recipient_name, recipient_office,
    recipient_phone, channel, text, response, response_at";

fn log_row(row: &rusqlite::Row) -> rusqlite::Result<DigestSent> {
    let lang: String = row.get(3)?;
    Ok(DigestSent {
        id: row.get(0)?,
        sent_at: row.get(1)?,
        uc_code: row.get(2)?,
        lang: Lang::from_locale(&lang).unwrap_or_default(),
        recipient_name: row.get(4)?,
        recipient_office: crate::coded_column(row, 5)?,
        recipient_phone: row.get(6)?,
        channel: crate::coded_column(row, 7)?,
        text: row.get(8)?,
        response: row.get(9)?,
        response_at: row.get(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use daakhla_domain::geography::Geography;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::create(dir.path().join("s.sqlite")).unwrap();
        let reference: Geography =
            serde_json::from_str(daakhla_domain::geography::REFERENCE_JSON).unwrap();
        store.import_geography(&reference, &ctx()).unwrap();
        let geo: Geography = serde_json::from_value(serde_json::json!({
            "tehsils": [{"code": "T-1", "parent": "SD-THT", "name": {"en": "Mirpur Sakro", "ur": "میرپور ساکرو"}}],
            "union_councils": [{"code": "UC-1", "parent": "T-1", "name": {"en": "Gharo", "ur": "گھارو"}}]
        }))
        .unwrap();
        store.import_geography(&geo, &ctx()).unwrap();
        (dir, store)
    }

    fn ctx() -> Context {
        Context {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        }
    }

    #[test]
    fn a_send_is_logged_with_its_recipient_as_they_were_and_its_response_later() {
        let (_dir, mut store) = store();
        let bad = DigestRecipient {
            name: " ".into(),
            office: OfficialRole::Mpa,
            phone: Some("call me".into()),
        };
        let err = store.add_recipient(&bad, &ctx()).unwrap_err();
        let StoreError::Invalid(violations) = err else {
            panic!("{err}")
        };
        assert_eq!(violations.0.len(), 2, "name and phone");
        assert!(store.recipients().unwrap().is_empty(), "nothing saved");

        let deo = store
            .add_recipient(
                &DigestRecipient {
                    name: "Rukhsana Memon".into(),
                    office: OfficialRole::DistrictEducationOfficer,
                    phone: Some("0300 1234567".into()),
                },
                &ctx(),
            )
            .unwrap();
        let figures = daakhla_reports::digest_figures(
            &mut daakhla_reports::SqliteSource(store.connection()),
            "UC-1",
            ctx().today,
        )
        .unwrap();
        assert_eq!((figures.osc_girls, figures.open_needs), (0, 0));
        assert_eq!(figures.uc_name.ur, "گھارو");
        let text = daakhla_domain::digest::compose(&figures, Lang::Ur).text;
        let sent = store
            .record_digest_sent(
                deo.id,
                "UC-1",
                Lang::Ur,
                DigestChannel::WhatsApp,
                &text,
                "2026-11-23T09:00:00+05:00",
            )
            .unwrap();
        assert_eq!(sent.recipient_name, "Rukhsana Memon");
        assert_eq!(sent.text, text);
        assert!(sent.response.is_none());
        assert!(matches!(
            store.record_digest_sent(
                99,
                "UC-1",
                Lang::En,
                DigestChannel::Sms,
                "x",
                "2026-11-23T09:00:00+05:00"
            ),
            Err(StoreError::NotFound { .. })
        ));

        assert!(
            store
                .note_digest_response(sent.id, "  ", "2026-11-23T12:00:00+05:00", &ctx())
                .is_err()
        );
        let answered = store
            .note_digest_response(
                sent.id,
                "Will visit GGPS Gharo on Monday",
                "2026-11-23T12:00:00+05:00",
                &ctx(),
            )
            .unwrap();
        assert_eq!(
            answered.response.as_deref(),
            Some("Will visit GGPS Gharo on Monday")
        );
        let log = store.digest_log(Some("UC-1")).unwrap();
        assert_eq!(log, vec![answered]);
        assert!(store.digest_log(Some("UC-2")).unwrap().is_empty());
        assert!(matches!(
            daakhla_reports::digest_figures(
                &mut daakhla_reports::SqliteSource(store.connection()),
                "UC-404",
                ctx().today
            ),
            Err(daakhla_reports::ReportError::UnknownPlace(_))
        ));
    }
}
