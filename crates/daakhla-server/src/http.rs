//! The HTTP face of the server (protocol v1, docs/sync-protocol.md).

use crate::error::{QueryProblem, QueryRule};
use crate::{Device, PULL_LIMIT, Role, Server, ServerError};
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

/// The most bytes a request body may have on any route but `/v1/push`: enrolment's JSON is
/// a few dozen bytes and the other routes take none.
pub const SMALL_BODY_BYTES: usize = 16 * 1024;

/// The most bytes of places a device sends at once: a coordinator's union councils with a
/// few hundred villages.
pub const PLACES_BODY_BYTES: usize = 256 * 1024;

/// The longest query string taken. The longest real one (a report's area and dates, an
/// export's language and union council) is under 100 bytes.
pub const MAX_QUERY_BYTES: usize = 2 * 1024;

/// The most bytes a request body may have on `path`: a push message's limit on the push
/// route, a small one everywhere else.
pub fn body_limit(path: &str) -> usize {
    match path {
        "/v1/push" => daakhla_wire::MAX_MESSAGE_BYTES,
        "/v1/places" => PLACES_BODY_BYTES,
        _ => SMALL_BODY_BYTES,
    }
}

pub fn router(server: Arc<Server>) -> Router {
    let routes = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/v1/whoami", get(whoami))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/places", post(places))
        .route("/v1/hub", get(hub_status))
        .route("/v1/hub/revoked", post(hub_revoked))
        .route("/v1/enrol", post(enrol))
        .route("/v1/report", get(report))
        .route("/v1/report/children", get(report_children))
        .route("/v1/report/child", get(report_child))
        .route("/v1/export/{file}", get(export))
        .fallback(get(crate::dashboard::serve))
        // `guard` holds each route to its own limit; this is only axum's backstop.
        .layer(DefaultBodyLimit::max(daakhla_wire::MAX_MESSAGE_BYTES))
        .with_state(server);
    // Around the routes as one service rather than as their layer, under which axum adds a
    // 405's `Allow` only after the layer has seen the answer.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(guard))
}

/// Every request passes here first and every answer last: a query string or a declared body
/// over its limit is refused before anything is read, a body that grows past its limit is
/// cut off there, and an error answered in axum's plain text (an unknown route, a wrong
/// method, a body cut off or stalled) becomes the protocol's JSON.
async fn guard(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    if request.uri().query().map_or(0, str::len) > MAX_QUERY_BYTES {
        return ServerError::QueryTooLong {
            limit: MAX_QUERY_BYTES,
        }
        .into_response();
    }
    let limit = body_limit(&path);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        // Answered at once: the body is never read, and hyper closes the connection after
        // this answer rather than read what follows.
        return ServerError::TooLarge { limit }.into_response();
    }
    let cut = Arc::new(OnceLock::new());
    let request = request.map(|body| {
        Body::new(Capped {
            inner: body,
            left: limit,
            limit,
            cut: cut.clone(),
        })
    });
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let error = match cut.get() {
        Some(cut) => ServerError::from(*cut),
        None if is_json(&response) => return response,
        None => plain_refusal(response, method, path).await,
    };
    let mut answer = error.into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The protocol's error for an answer axum or a fallback gave in plain text.
async fn plain_refusal(
    response: Response,
    method: axum::http::Method,
    path: String,
) -> ServerError {
    let path: String = path.chars().take(200).collect();
    match response.status() {
        StatusCode::NOT_FOUND => ServerError::NoRoute {
            method: method.to_string(),
            path,
        },
        StatusCode::METHOD_NOT_ALLOWED => ServerError::MethodNotAllowed {
            method: method.to_string(),
            path,
            allowed: response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .replace(',', ", "),
        },
        StatusCode::PAYLOAD_TOO_LARGE => ServerError::TooLarge {
            limit: body_limit(&path),
        },
        status => {
            let body = axum::body::to_bytes(response.into_body(), 4096)
                .await
                .unwrap_or_default();
            ServerError::Refused {
                status: status.as_u16(),
                reason: String::from_utf8_lossy(&body).chars().take(300).collect(),
            }
        }
    }
}

/// Why a request body was not read to its end. The body limit here, and the serving loop's
/// timeouts (serving.rs), end a body with one of these; `guard` answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyCut {
    TooLarge { limit: usize },
    Stalled { gap: Duration },
    TooSlow { deadline: Duration },
}

impl std::fmt::Display for BodyCut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        ServerError::from(*self).fmt(f)
    }
}

impl std::error::Error for BodyCut {}

impl From<BodyCut> for ServerError {
    fn from(cut: BodyCut) -> ServerError {
        match cut {
            BodyCut::TooLarge { limit } => ServerError::TooLarge { limit },
            BodyCut::Stalled { gap } => ServerError::BodyStalled { gap },
            BodyCut::TooSlow { deadline } => ServerError::BodyTooSlow { deadline },
        }
    }
}

/// A request body cut off at `limit` bytes, noting in `cut` why it ended early.
struct Capped {
    inner: Body,
    left: usize,
    limit: usize,
    cut: Arc<OnceLock<BodyCut>>,
}

impl http_body::Body for Capped {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let size = frame.data_ref().map_or(0, Bytes::len);
                if size > this.left {
                    let cut = BodyCut::TooLarge { limit: this.limit };
                    let _ = this.cut.set(cut);
                    return Poll::Ready(Some(Err(axum::Error::new(cut))));
                }
                this.left -= size;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                if let Some(cut) = cut_in(&e) {
                    let _ = this.cut.set(cut);
                }
                Poll::Ready(Some(Err(e)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The `BodyCut` an error of a body carries, however deep.
fn cut_in(error: &(dyn std::error::Error + 'static)) -> Option<BodyCut> {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(cut) = error.downcast_ref::<BodyCut>() {
            return Some(*cut);
        }
        next = error.source();
    }
    None
}

/// A query string read into `T`; a refusal names the parameter and the rule it broke, in
/// English and Urdu (axum's own `Query` answers in plain English text).
struct Query<T>(T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ServerError> {
        read_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

fn read_query<T: DeserializeOwned>(query: &str) -> Result<T, ServerError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|e| {
        let message = e.inner().to_string();
        let named = |prefix: &str| {
            message
                .strip_prefix(prefix)
                .and_then(|rest| rest.split('`').next())
                .map(str::to_string)
        };
        let (parameter, rule) = if let Some(field) = named("missing field `") {
            (field, QueryRule::Missing)
        } else if let Some(field) = named("duplicate field `") {
            (field, QueryRule::Repeated)
        } else {
            (e.path().to_string(), rule_of(&message))
        };
        let got = match rule {
            QueryRule::Missing | QueryRule::Repeated => None,
            _ => form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| *key == parameter)
                .map(|(_, value)| value.chars().take(60).collect()),
        };
        ServerError::Query(QueryProblem {
            parameter,
            rule,
            got,
        })
    })
}

/// The rule a value broke, from the message its parser gave: integers' (`u64`, `usize`)
/// and chrono's dates' (the only other types query strings here are read into).
fn rule_of(message: &str) -> QueryRule {
    const INTEGER: [&str; 4] = [
        "invalid digit found in string",
        "cannot parse integer from empty string",
        "number too large to fit in target type",
        "number too small to fit in target type",
    ];
    const DATE: [&str; 7] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "bad or unsupported format string",
    ];
    if INTEGER.contains(&message) {
        QueryRule::WholeNumber
    } else if DATE.contains(&message) {
        QueryRule::Date
    } else {
        QueryRule::Invalid
    }
}

/// Runs blocking work (SQLite) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServerError::Internal(format!("the request stopped: {e}")))?
}

fn bearer(headers: &HeaderMap) -> Result<String, ServerError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .ok_or(ServerError::Unauthorized)
}

async fn device(server: &Arc<Server>, headers: &HeaderMap) -> Result<Device, ServerError> {
    let token = bearer(headers)?;
    let server = server.clone();
    blocking(move || server.authenticate(&token)).await
}

async fn whoami(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
) -> Result<Json<Device>, ServerError> {
    Ok(Json(device(&server, &headers).await?))
}

async fn push(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ServerError> {
    let device = device(&server, &headers).await?;
    let message =
        daakhla_wire::decode_push(&body).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let pushed = blocking(move || server.push(&device, &message)).await?;
    Ok(Json(pushed).into_response())
}

/// The places a device records in (`places`): a geography file as JSON.
async fn places(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<crate::PlacesTaken>, ServerError> {
    let device = device(&server, &headers).await?;
    let geo: daakhla_domain::geography::Geography = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("expected a geography file as JSON: {e}")))?;
    Ok(Json(
        blocking(move || server.add_places(&device, &geo)).await?,
    ))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: u64,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    PULL_LIMIT
}

async fn pull(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    Query(query): Query<PullQuery>,
) -> Result<Response, ServerError> {
    let device = device(&server, &headers).await?;
    let pull = blocking(move || server.pull(&device, query.after, query.limit)).await?;
    let body = daakhla_wire::encode_pull(&pull);
    Ok(([(header::CONTENT_TYPE, "application/x-daakhla-sync")], body).into_response())
}

#[derive(Deserialize)]
struct EnrolRequest {
    code: String,
}

/// A phone exchanges its enrolment code (typed, or read from the hub's QR code) for a token.
/// Attempts are limited by the client's address (`limit`); a router served without connect
/// info counts every client as one.
async fn enrol(
    State(server): State<Arc<Server>>,
    client: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ServerError> {
    let client = client.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |info| info.0.0.ip());
    let request: EnrolRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("expected {{\"code\": \"...\"}}: {e}")))?;
    let (device, token) = blocking(move || server.enrol(&request.code, client)).await?;
    Ok(Json(
        serde_json::json!({ "device": device, "token": token }),
    ))
}

/// A hub's link upstream: what waits to be relayed, and what the central server refused.
/// For coordinators and admins.
async fn hub_status(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
) -> Result<Json<crate::HubStatus>, ServerError> {
    let device = device(&server, &headers).await?;
    if !matches!(device.role, Role::Coordinator | Role::Admin) {
        return Err(ServerError::Forbidden);
    }
    Ok(Json(
        blocking(move || server.hub_status_for(&device)).await?,
    ))
}

#[derive(Deserialize)]
struct RevokedReport {
    revoked: Vec<daakhla_sync::RevokedPhone>,
}

/// A hub (a coordinator's or admin's device) reports the phones it revoked.
async fn hub_revoked(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ServerError> {
    let hub = device(&server, &headers).await?;
    let report: RevokedReport = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("expected {{\"revoked\": [...]}}: {e}")))?;
    let taken = blocking(move || server.take_hub_revocations(&hub, &report.revoked)).await?;
    Ok(Json(serde_json::json!({ "taken": taken })))
}

/// A query string read into `T`, or the refusal naming what is wrong with it (taken as a
/// `Result` so that a request without a valid token is refused for that first).
fn query<T>(query: Result<Query<T>, ServerError>) -> Result<T, ServerError> {
    query.map(|Query(q)| q)
}

/// An area's figures, as far as the device's places reach.
async fn report(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    request: Result<Query<daakhla_reports::ReportRequest>, ServerError>,
) -> Result<Json<daakhla_reports::Report>, ServerError> {
    let device = device(&server, &headers).await?;
    let request = query(request)?;
    Ok(Json(
        blocking(move || server.report(&device, &request)).await?,
    ))
}

#[derive(Deserialize)]
struct VillageQuery {
    village: String,
}

/// A village's out-of-school children: the drill-down below a union council.
async fn report_children(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    request: Result<Query<VillageQuery>, ServerError>,
) -> Result<Json<Vec<daakhla_reports::ChildRow>>, ServerError> {
    let device = device(&server, &headers).await?;
    let village = query(request)?.village;
    Ok(Json(
        blocking(move || server.report_children(&device, &village)).await?,
    ))
}

#[derive(Deserialize)]
struct ChildQuery {
    id: String,
}

/// A child's lifecycle.
async fn report_child(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    request: Result<Query<ChildQuery>, ServerError>,
) -> Result<Json<daakhla_reports::ChildStory>, ServerError> {
    let device = device(&server, &headers).await?;
    let id = query(request)?.id;
    Ok(Json(
        blocking(move || server.report_child(&device, &id)).await?,
    ))
}

#[derive(Deserialize)]
struct ExportQuery {
    lang: Option<String>,
    uc: Option<String>,
}

/// `GET /v1/export/<kind>.<csv|xlsx|geojson>?lang=en|ur&uc=CODE`: records as a file, for
/// coordinators, supervisors and admins, within the token's union councils.
async fn export(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    axum::extract::Path(file): axum::extract::Path<String>,
    request: Result<Query<ExportQuery>, ServerError>,
) -> Result<Response, ServerError> {
    let device = device(&server, &headers).await?;
    let query = query(request)?;
    let (kind, extension) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    let request = daakhla_export::ExportRequest {
        kind: daakhla_export::ExportKind::parse(kind)?,
        format: daakhla_export::Format::parse(extension)?,
        lang: daakhla_export::parse_lang(query.lang.as_deref().unwrap_or("en"))?,
        uc: query.uc.filter(|uc| !uc.is_empty()),
    };
    let media_type = request.format.media_type();
    let disposition = format!("attachment; filename=\"{}\"", request.file_name());
    let bytes = blocking(move || server.export(&device, request)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
