use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why the server refused a request or failed. Every refusal changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("no valid device token was given; enrol this device again")]
    Unauthorized,
    #[error("this device's role may not do that; ask a coordinator")]
    Forbidden,
    #[error("this enrolment code is not known here; check it with the coordinator")]
    UnknownEnrolment,
    #[error("this enrolment code was already used; ask the coordinator for a new one")]
    UsedEnrolment,
    #[error("this enrolment code has expired; ask the coordinator for a new one")]
    ExpiredEnrolment,
    #[error("record {doc_id} belongs to union council {scope}, which this device may not see")]
    OutOfScope { doc_id: String, scope: String },
    #[error(
        "record {doc_id} is a {known} in union council {known_scope}; a change cannot make it something else"
    )]
    Mismatch {
        doc_id: String,
        known: String,
        known_scope: String,
    },
    #[error("the request cannot be read: {0}")]
    BadRequest(String),
    #[error("the server failed: {0}")]
    Internal(String),
    #[error("{0}")]
    Report(#[from] daakhla_reports::ReportError),
    #[error("{0}")]
    Export(#[from] daakhla_export::ExportError),
}

impl ServerError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden => StatusCode::FORBIDDEN,
            ServerError::UnknownEnrolment => StatusCode::NOT_FOUND,
            ServerError::UsedEnrolment | ServerError::ExpiredEnrolment => StatusCode::GONE,
            ServerError::OutOfScope { .. } => StatusCode::FORBIDDEN,
            ServerError::Mismatch { .. } => StatusCode::CONFLICT,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ServerError::Report(e) => match e {
                daakhla_reports::ReportError::OutOfScope(_) => StatusCode::FORBIDDEN,
                daakhla_reports::ReportError::UnknownPlace(_)
                | daakhla_reports::ReportError::UnknownChild(_) => StatusCode::NOT_FOUND,
                daakhla_reports::ReportError::EmptyRange { .. } => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ServerError::Export(daakhla_export::ExportError::UnknownPlace(_)) => {
                StatusCode::NOT_FOUND
            }
            ServerError::Export(daakhla_export::ExportError::Write(_)) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            ServerError::Export(_) => StatusCode::BAD_REQUEST,
        }
    }

    pub fn message_ur(&self) -> String {
        match self {
            ServerError::Unauthorized => {
                "ڈیوائس کا درست ٹوکن نہیں ملا؛ ڈیوائس دوبارہ رجسٹر کریں".into()
            }
            ServerError::Forbidden => {
                "اس ڈیوائس کا کردار یہ کام نہیں کر سکتا؛ کوآرڈینیٹر سے رابطہ کریں".into()
            }
            ServerError::UnknownEnrolment => {
                "یہ رجسٹریشن کوڈ یہاں معلوم نہیں؛ کوآرڈینیٹر سے تصدیق کریں".into()
            }
            ServerError::UsedEnrolment => {
                "یہ رجسٹریشن کوڈ پہلے استعمال ہو چکا؛ کوآرڈینیٹر سے نیا کوڈ لیں".into()
            }
            ServerError::ExpiredEnrolment => {
                "اس رجسٹریشن کوڈ کی مدت ختم ہو چکی؛ کوآرڈینیٹر سے نیا کوڈ لیں".into()
            }
            ServerError::OutOfScope { doc_id, scope } => {
                format!("ریکارڈ {doc_id} یونین کونسل {scope} کا ہے، جو یہ ڈیوائس نہیں دیکھ سکتی")
            }
            ServerError::Mismatch {
                doc_id,
                known,
                known_scope,
            } => {
                format!(
                    "ریکارڈ {doc_id} یونین کونسل {known_scope} کا {known} ہے؛ تبدیلی اسے کچھ اور نہیں بنا سکتی"
                )
            }
            ServerError::BadRequest(why) => format!("درخواست پڑھی نہیں جا سکی: {why}"),
            ServerError::Internal(why) => format!("سرور میں خرابی: {why}"),
            ServerError::Report(e) => e.message(daakhla_domain::Lang::Ur),
            ServerError::Export(e) => e.message(daakhla_domain::Lang::Ur),
        }
    }
}

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        ServerError::Internal(e.to_string())
    }
}

impl From<postgres::Error> for ServerError {
    fn from(e: postgres::Error) -> Self {
        ServerError::Internal(format!("PostgreSQL: {e}"))
    }
}

impl From<daakhla_crdt::CrdtError> for ServerError {
    fn from(e: daakhla_crdt::CrdtError) -> Self {
        ServerError::Internal(e.to_string())
    }
}

impl From<daakhla_store::StoreError> for ServerError {
    fn from(e: daakhla_store::StoreError) -> Self {
        ServerError::Internal(e.to_string())
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        // A refusal about one record names it, so the device can hold that record back and
        // send the rest.
        let doc_id = match &self {
            ServerError::OutOfScope { doc_id, .. } | ServerError::Mismatch { doc_id, .. } => {
                Some(doc_id.clone())
            }
            _ => None,
        };
        let body = serde_json::json!({ "error": self.to_string(), "error_ur": self.message_ur(), "doc_id": doc_id });
        (self.status(), axum::Json(body)).into_response()
    }
}
