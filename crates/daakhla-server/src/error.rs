use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use daakhla_domain::Lang;
use daakhla_domain::codes::Coded;
use daakhla_domain::geography::Level;

/// Why the server refused a request or failed. Every refusal changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("no valid device token was given; enrol this device again")]
    Unauthorized,
    #[error(
        "this device was revoked at the server, so its token no longer works; enrol it again with a new one-time code from the coordinator (nothing saved on it is lost)"
    )]
    Revoked,
    #[error("no device {0} is enrolled here")]
    NoSuchDevice(String),
    #[error("too many enrolment attempts; try again in {retry_after} seconds")]
    TooManyEnrolments { retry_after: u64 },
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
    #[error(
        "record {doc_id}: field {field} must hold a plain value (a string as a scalar, not a text or other object)"
    )]
    NotPlain { doc_id: String, field: String },
    #[error(
        "record {doc_id}: field {field} must name the record itself, or the union council or record it belongs to, from its first change on"
    )]
    NoPlace { doc_id: String, field: &'static str },
    #[error(
        "record {doc_id}: its {field} {parent} is not a record of that kind on this server; send that record first"
    )]
    UnknownParent {
        doc_id: String,
        field: &'static str,
        parent: String,
    },
    #[error("place {code} cannot be added by this device: {why}")]
    PlaceNotYours { code: String, why: PlaceRule },
    #[error("the request cannot be read: {0}")]
    BadRequest(String),
    #[error("the server failed: {0}")]
    Internal(String),
    #[error("the server's SQLite data could not be read or written: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[cfg(feature = "postgres")]
    #[error("the server's PostgreSQL database could not be read or written: {0}")]
    Postgres(#[from] postgres::Error),
    #[error(
        "this build of the Daakhla server has no PostgreSQL support: give it a data directory, or use a build with the postgres feature"
    )]
    NoPostgres,
    #[error("a record's Automerge document could not be read: {0}")]
    Document(Box<daakhla_crdt::CrdtError>),
    #[error("the server's records could not be read or written: {0}")]
    Store(Box<daakhla_store::StoreError>),
    #[error("{0}")]
    Row(#[from] daakhla_store::rows::RowError),
    #[error("a value the server keeps could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Report(#[from] daakhla_reports::ReportError),
    #[error("{0}")]
    Export(#[from] daakhla_export::ExportError),
    /// A query string parameter that cannot be read as its route reads it.
    #[error("{0}")]
    Query(QueryProblem),
    #[error("the query string is longer than {limit} bytes")]
    QueryTooLong { limit: usize },
    #[error("the request body is larger than the {limit} bytes this route takes")]
    TooLarge { limit: usize },
    #[error("the request body stopped arriving: nothing came for {} seconds", seconds(*.gap))]
    BodyStalled { gap: std::time::Duration },
    #[error("the request body did not arrive in {} seconds", seconds(*.deadline))]
    BodyTooSlow { deadline: std::time::Duration },
    #[error("there is no {method} {path} here")]
    NoRoute { method: String, path: String },
    #[error("{path} does not take {method}; it takes {allowed}")]
    MethodNotAllowed {
        method: String,
        path: String,
        allowed: String,
    },
    #[error("the server is busy; try again in a few seconds")]
    Busy,
    /// Any other refusal of the HTTP layer, with its status and its reason as it was given.
    #[error("the request was refused ({status}): {reason}")]
    Refused { status: u16, reason: String },
}

/// Why a device may not add a place (`POST /v1/places`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceRule {
    /// Provinces and districts come from the server's operator.
    OperatorOnly,
    NotYourUnionCouncil,
    NotInYourUnionCouncil,
    /// A tehsil is taken only above a union council sent with it.
    NotAboveOne,
    /// The server knows the code as a place of another level.
    OtherLevel {
        known: Level,
        sent: Level,
    },
}

impl std::fmt::Display for PlaceRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlaceRule::OperatorOnly => {
                f.write_str("provinces and districts are added by the server's operator only")
            }
            PlaceRule::NotYourUnionCouncil => {
                f.write_str("it is not a union council of this device")
            }
            PlaceRule::NotInYourUnionCouncil => {
                f.write_str("it is not in a union council of this device")
            }
            PlaceRule::NotAboveOne => {
                f.write_str("it is not the tehsil of a union council sent with it")
            }
            PlaceRule::OtherLevel { known, sent } => write!(
                f,
                "it is a {} on this server, not a {}",
                known.label(Lang::En),
                sent.label(Lang::En)
            ),
        }
    }
}

impl PlaceRule {
    fn ur(&self) -> String {
        match self {
            PlaceRule::OperatorOnly => "صوبے اور اضلاع صرف سرور کا منتظم شامل کرتا ہے".into(),
            PlaceRule::NotYourUnionCouncil => "یہ اس ڈیوائس کی یونین کونسل نہیں".into(),
            PlaceRule::NotInYourUnionCouncil => "یہ اس ڈیوائس کی کسی یونین کونسل میں نہیں".into(),
            PlaceRule::NotAboveOne => "یہ ساتھ بھیجی گئی کسی یونین کونسل کی تحصیل نہیں".into(),
            PlaceRule::OtherLevel { known, sent } => format!(
                "اس سرور پر یہ {} ہے، {} نہیں",
                known.label(Lang::Ur),
                sent.label(Lang::Ur)
            ),
        }
    }
}

/// What is wrong with one parameter of a query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryProblem {
    pub parameter: String,
    pub rule: QueryRule,
    /// The value given, as it was given (cut to a readable length).
    pub got: Option<String>,
}

/// The rule a query parameter broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryRule {
    WholeNumber,
    Date,
    Missing,
    Repeated,
    /// Any other value its route cannot read.
    Invalid,
}

impl std::fmt::Display for QueryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rule = match self.rule {
            QueryRule::WholeNumber => "expected a whole number",
            QueryRule::Date => "expected a date as YYYY-MM-DD",
            QueryRule::Missing => "required, but not given",
            QueryRule::Repeated => "given more than once",
            QueryRule::Invalid => "not a value this route takes",
        };
        write!(f, "{}: {rule}", self.parameter)?;
        match &self.got {
            Some(got) => write!(f, ", got {got:?}"),
            None => Ok(()),
        }
    }
}

impl QueryProblem {
    fn message_ur(&self) -> String {
        let rule = match self.rule {
            QueryRule::WholeNumber => "پورا عدد ہونا چاہیے",
            QueryRule::Date => "تاریخ سال-مہینہ-دن کی صورت میں ہونی چاہیے، مثلاً 2025-03-01",
            QueryRule::Missing => "لازمی ہے مگر نہیں دیا گیا",
            QueryRule::Repeated => "ایک سے زیادہ بار دیا گیا",
            QueryRule::Invalid => "ایسی قدر یہ راستہ نہیں لیتا",
        };
        let mut message = format!("{:?}: {rule}", self.parameter);
        if let Some(got) = &self.got {
            message.push_str(&format!("؛ {got:?} ملا"));
        }
        message
    }
}

/// A duration in seconds as a sentence shows it: whole when it is, else to a tenth.
fn seconds(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.1}", d.as_secs_f64())
    }
}

impl ServerError {
    /// The server itself failed (its data, not the request): the device may try again later.
    pub fn is_internal(&self) -> bool {
        self.status() == StatusCode::INTERNAL_SERVER_ERROR
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::Unauthorized | ServerError::Revoked => StatusCode::UNAUTHORIZED,
            ServerError::NoSuchDevice(_) => StatusCode::NOT_FOUND,
            ServerError::TooManyEnrolments { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServerError::Forbidden => StatusCode::FORBIDDEN,
            ServerError::UnknownEnrolment => StatusCode::NOT_FOUND,
            ServerError::UsedEnrolment | ServerError::ExpiredEnrolment => StatusCode::GONE,
            ServerError::OutOfScope { .. } => StatusCode::FORBIDDEN,
            ServerError::PlaceNotYours { .. } => StatusCode::FORBIDDEN,
            ServerError::Mismatch { .. } | ServerError::UnknownParent { .. } => {
                StatusCode::CONFLICT
            }
            ServerError::NotPlain { .. } | ServerError::NoPlace { .. } => StatusCode::BAD_REQUEST,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            #[cfg(feature = "postgres")]
            ServerError::Postgres(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ServerError::Internal(_)
            | ServerError::NoPostgres
            | ServerError::Sqlite(_)
            | ServerError::Document(_)
            | ServerError::Store(_)
            | ServerError::Row(_)
            | ServerError::Json(_)
            | ServerError::Io { .. } => StatusCode::INTERNAL_SERVER_ERROR,
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
            ServerError::Query(_) => StatusCode::BAD_REQUEST,
            ServerError::QueryTooLong { .. } => StatusCode::URI_TOO_LONG,
            ServerError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::BodyStalled { .. } | ServerError::BodyTooSlow { .. } => {
                StatusCode::REQUEST_TIMEOUT
            }
            ServerError::NoRoute { .. } => StatusCode::NOT_FOUND,
            ServerError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ServerError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ServerError::Refused { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
        }
    }

    pub fn message_ur(&self) -> String {
        match self {
            ServerError::Unauthorized => {
                "ڈیوائس کا درست ٹوکن نہیں ملا؛ ڈیوائس دوبارہ رجسٹر کریں".into()
            }
            ServerError::Revoked => {
                "یہ ڈیوائس سرور پر منسوخ کر دی گئی ہے، اس لیے اس کا ٹوکن اب کام نہیں کرتا؛ کوآرڈینیٹر سے نیا ایک بار کا کوڈ لے کر اسے دوبارہ رجسٹر کریں (اس پر محفوظ کچھ بھی ضائع نہیں ہوگا)".into()
            }
            ServerError::NoSuchDevice(id) => format!("یہاں کوئی ڈیوائس {id} رجسٹر نہیں"),
            ServerError::TooManyEnrolments { retry_after } => {
                format!("رجسٹریشن کی بہت زیادہ کوششیں؛ {retry_after} سیکنڈ بعد دوبارہ کوشش کریں")
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
            ServerError::PlaceNotYours { code, why } => {
                format!("یہ ڈیوائس جگہ {code} شامل نہیں کر سکتی: {}", why.ur())
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
            ServerError::NotPlain { doc_id, field } => format!(
                "ریکارڈ {doc_id}: خانہ {field} میں سادہ قدر ہونی چاہیے (عبارت سادہ قدر کے طور پر، الگ متن یا کسی اور شے کے طور پر نہیں)"
            ),
            ServerError::NoPlace { doc_id, field } => format!(
                "ریکارڈ {doc_id}: خانہ {field} میں خود اس ریکارڈ، اس کی یونین کونسل یا اس ریکارڈ کا نام ہونا چاہیے جس سے یہ جڑا ہے، پہلی تبدیلی ہی سے"
            ),
            ServerError::UnknownParent {
                doc_id,
                field,
                parent,
            } => format!(
                "ریکارڈ {doc_id}: اس کا {field} {parent} اس سرور پر اس قسم کا ریکارڈ نہیں؛ پہلے وہ ریکارڈ بھیجیں"
            ),
            // The reason comes from a decoder or a database in English; the English sentence
            // carries it, so the Urdu one stays wholly Urdu.
            ServerError::BadRequest(_) => {
                "درخواست پڑھی نہیں جا سکی؛ اس ایپ کا نیا ورژن استعمال کریں یا کوآرڈینیٹر کو بتائیں"
                    .into()
            }
            ServerError::NoPostgres => {
                "سرور کے اس ورژن میں PostgreSQL شامل نہیں: اسے ڈیٹا کا فولڈر دیں، یا postgres والا ورژن استعمال کریں".into()
            }
            #[cfg(feature = "postgres")]
            ServerError::Postgres(_) => {
                "سرور میں خرابی ہوئی؛ کچھ دیر بعد دوبارہ کوشش کریں، آپ کا ڈیٹا اس فون پر محفوظ ہے"
                    .into()
            }
            ServerError::Internal(_)
            | ServerError::Sqlite(_)
            | ServerError::Document(_)
            | ServerError::Store(_)
            | ServerError::Row(_)
            | ServerError::Json(_)
            | ServerError::Io { .. } => {
                "سرور میں خرابی ہوئی؛ کچھ دیر بعد دوبارہ کوشش کریں، آپ کا ڈیٹا اس فون پر محفوظ ہے"
                    .into()
            }
            ServerError::Report(e) => e.message(daakhla_domain::Lang::Ur),
            ServerError::Export(e) => e.message(daakhla_domain::Lang::Ur),
            ServerError::Query(problem) => problem.message_ur(),
            ServerError::QueryTooLong { limit } => {
                format!("پتے میں سوال کا حصہ {limit} بائٹ سے لمبا ہے")
            }
            ServerError::TooLarge { limit } => {
                format!("درخواست کا مواد اس راستے کی حد، {limit} بائٹ، سے بڑا ہے")
            }
            ServerError::BodyStalled { gap } => format!(
                "درخواست کا مواد آنا رک گیا: {} سیکنڈ تک کچھ نہیں آیا",
                seconds(*gap)
            ),
            ServerError::BodyTooSlow { deadline } => format!(
                "درخواست کا مواد {} سیکنڈ میں پورا نہیں پہنچا",
                seconds(*deadline)
            ),
            ServerError::NoRoute { method, path } => {
                format!("یہاں {:?} موجود نہیں", format!("{method} {path}"))
            }
            ServerError::MethodNotAllowed {
                method,
                path,
                allowed,
            } => format!("{path:?} پر {method:?} نہیں چلتا؛ یہ {allowed:?} لیتا ہے"),
            ServerError::Busy => "سرور مصروف ہے؛ چند سیکنڈ بعد دوبارہ کوشش کریں".into(),
            ServerError::Refused { status, reason } => {
                format!("درخواست رد ہوئی ({status}): {reason:?}")
            }
        }
    }
}

// Boxed, as a store's: these errors are large, and every server call returns this.
impl From<daakhla_crdt::CrdtError> for ServerError {
    fn from(e: daakhla_crdt::CrdtError) -> Self {
        ServerError::Document(Box::new(e))
    }
}

impl From<daakhla_store::StoreError> for ServerError {
    fn from(e: daakhla_store::StoreError) -> Self {
        ServerError::Store(Box::new(e))
    }
}

impl ServerError {
    /// The protocol's JSON for this error: both sentences and, for a refusal about one
    /// record, the record, so the device can hold it back and send the rest.
    pub(crate) fn json(&self) -> serde_json::Value {
        let doc_id = match self {
            ServerError::OutOfScope { doc_id, .. }
            | ServerError::Mismatch { doc_id, .. }
            | ServerError::UnknownParent { doc_id, .. }
            | ServerError::NotPlain { doc_id, .. }
            | ServerError::NoPlace { doc_id, .. } => Some(doc_id.clone()),
            _ => None,
        };
        serde_json::json!({ "error": self.to_string(), "error_ur": self.message_ur(), "doc_id": doc_id })
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.json())).into_response();
        if let ServerError::TooManyEnrolments { retry_after } = self {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}
