//! The daily digest's figures for a union council, from the same report supervisors read.

use crate::{Report, ReportError, ReportRequest, Source, Visible, report};
use chrono::NaiveDate;
use daakhla_domain::digest::DigestFigures;
use daakhla_domain::lang::Bilingual;

/// A union council's figures on a day (everything up to it): out-of-school children found
/// and enrolled, girls and boys apart, and its schools' needs still open. The one place the
/// digest's figures are filled, on a device and anywhere else.
pub fn digest_figures(
    source: &mut dyn Source,
    uc_code: &str,
    on: NaiveDate,
) -> Result<DigestFigures, ReportError> {
    let request = ReportRequest {
        area: Some(uc_code.to_string()),
        from: None,
        to: Some(on),
    };
    let Report {
        area,
        out_of_school,
        enrolled,
        needs,
        ..
    } = report(source, &request, &Visible::All, on)?;
    let uc = area.ok_or_else(|| ReportError::UnknownPlace(uc_code.to_string()))?;
    Ok(DigestFigures {
        uc_code: uc.code,
        uc_name: Bilingual {
            en: uc.name_en,
            ur: uc.name_ur,
        },
        on,
        osc_girls: out_of_school.girls,
        osc_boys: out_of_school.boys,
        enrolled_girls: enrolled.girls,
        enrolled_boys: enrolled.boys,
        open_needs: needs.iter().map(|n| n.open).sum(),
    })
}
