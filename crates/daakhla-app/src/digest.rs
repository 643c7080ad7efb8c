//! The digest screen: preview a union council's daily digest for officials in either
//! language with what it costs as SMS, keep the officials it goes to, log each send and the
//! response noted later.

use crate::error::AppError;
use crate::vocabulary::{Choice, choices};
use crate::{App, NoInput};
use daakhla_domain::Lang;
use daakhla_domain::codes::{Coded, OfficialRole};
use daakhla_domain::digest::{DigestChannel, DigestRecipient, SmsEncoding, compose};
use daakhla_store::{DigestSent, Recipient};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DigestRequest {
    /// The union council; the device's own when none.
    pub uc_code: Option<String>,
    #[ts(type = "Lang")]
    pub lang: Lang,
}

/// The digest as it would be sent, and its cost as SMS.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct DigestPreview {
    pub uc_code: String,
    #[ts(type = "Lang")]
    pub lang: Lang,
    pub text: String,
    /// `gsm7` (English) or `ucs2` (Urdu).
    pub encoding: String,
    /// Characters in that encoding (GSM-7 extension characters count twice).
    pub units: u32,
    pub parts: u32,
    /// What one SMS holds in that encoding: 160 or 70.
    pub single_limit: u32,
    /// The offices recipients hold and the ways a digest goes out, with both labels.
    pub offices: Vec<Choice>,
    pub channels: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RecipientInput {
    pub name: String,
    /// An office code: mna, mpa, deputy_commissioner, district_education_officer, other.
    pub office: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DigestSendInput {
    pub recipient_id: i64,
    pub uc_code: String,
    #[ts(type = "Lang")]
    pub lang: Lang,
    /// sms, whatsapp or copied.
    pub channel: String,
    /// The exact text sent.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DigestResponseInput {
    pub id: i64,
    pub response: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DigestLogRequest {
    pub uc_code: Option<String>,
}

fn coded<T: Coded>(code: &str, field: &str) -> Result<T, AppError> {
    T::from_code(code).ok_or_else(|| {
        AppError::bad_request(format!("{field}: {code:?} is not one of the list's codes"))
    })
}

fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

impl App {
    /// The union council a digest is about: the one asked for, else the device's own, else
    /// the first the device knows.
    fn digest_uc(&self, asked: Option<String>) -> Result<String, AppError> {
        if let Some(uc) = asked.filter(|uc| !uc.is_empty()) {
            return Ok(uc);
        }
        if let Some(uc) = self.settings(NoInput {})?.uc_code {
            return Ok(uc);
        }
        let store = self.store();
        let first = store
            .places(daakhla_domain::geography::Level::UnionCouncil, None)?
            .into_iter()
            .next();
        first.map(|p| p.code).ok_or_else(|| {
            AppError::new(
                crate::ErrorKind::NotFound,
                "this device knows no union council yet",
                "اس ڈیوائس میں ابھی کوئی یونین کونسل نہیں",
            )
        })
    }

    pub fn digest_preview(&self, request: DigestRequest) -> Result<DigestPreview, AppError> {
        let uc_code = self.digest_uc(request.uc_code)?;
        let figures = daakhla_reports::digest_figures(
            &mut daakhla_reports::SqliteSource(self.store().connection()),
            &uc_code,
            self.today(),
        )
        .map_err(|e| crate::progress::report_error(e, "uc_code"))?;
        let digest = compose(&figures, request.lang);
        Ok(DigestPreview {
            uc_code,
            lang: request.lang,
            encoding: match digest.sms.encoding {
                SmsEncoding::Gsm7 => "gsm7",
                SmsEncoding::Ucs2 => "ucs2",
            }
            .into(),
            units: digest.sms.units as u32,
            parts: digest.sms.parts as u32,
            single_limit: digest.sms.single_limit as u32,
            text: digest.text,
            offices: choices::<OfficialRole>(),
            channels: choices::<DigestChannel>(),
        })
    }

    pub fn digest_recipients(&self, _: NoInput) -> Result<Vec<Recipient>, AppError> {
        Ok(self.store().recipients()?)
    }

    pub fn add_digest_recipient(&self, input: RecipientInput) -> Result<Recipient, AppError> {
        let recipient = DigestRecipient {
            name: input.name,
            office: coded(&input.office, "office")?,
            phone: input.phone.filter(|p| !p.trim().is_empty()),
        };
        Ok(self.store().add_recipient(&recipient, &self.context())?)
    }

    pub fn record_digest_sent(&self, input: DigestSendInput) -> Result<DigestSent, AppError> {
        let channel: DigestChannel = coded(&input.channel, "channel")?;
        Ok(self.store().record_digest_sent(
            input.recipient_id,
            &input.uc_code,
            input.lang,
            channel,
            &input.text,
            &now(),
        )?)
    }

    pub fn note_digest_response(&self, input: DigestResponseInput) -> Result<DigestSent, AppError> {
        Ok(self
            .store()
            .note_digest_response(input.id, &input.response, &now(), &self.context())?)
    }

    pub fn digest_log(&self, request: DigestLogRequest) -> Result<Vec<DigestSent>, AppError> {
        let uc = request.uc_code.filter(|uc| !uc.is_empty());
        Ok(self.store().digest_log(uc.as_deref())?)
    }
}
