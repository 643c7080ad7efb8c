//! `daakhla digest`: a union council's daily digest for officials, and what it costs as SMS.

use crate::error::CliError;
use crate::output::Output;
use daakhla_domain::Lang;
use daakhla_domain::digest::{SmsEncoding, compose};
use daakhla_store::Store;

pub fn show(store: &Store, uc: &str, out: &Output) -> Result<(), CliError> {
    let figures = daakhla_reports::digest_figures(
        &mut daakhla_reports::SqliteSource(store.connection()),
        uc,
        super::context().today,
    )?;
    let digest = compose(&figures, out.lang);
    out.show(&digest, || {
        let encoding = match digest.sms.encoding {
            SmsEncoding::Gsm7 => "GSM-7",
            SmsEncoding::Ucs2 => "UCS-2",
        };
        let cost = match out.lang {
            Lang::En => format!(
                "{} SMS part(s): {} of {} {encoding} characters for one message",
                digest.sms.parts, digest.sms.units, digest.sms.single_limit
            ),
            Lang::Ur => format!(
                "ایس ایم ایس کے {} حصے: ایک پیغام میں {} میں سے {} {encoding} حروف",
                digest.sms.parts, digest.sms.single_limit, digest.sms.units
            ),
        };
        format!("{}\n\n{cost}", digest.text)
    });
    Ok(())
}
