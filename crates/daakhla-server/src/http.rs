//! The HTTP face of the server (protocol v1, docs/sync-protocol.md).

use crate::{Device, PULL_LIMIT, Role, Server, ServerError};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/v1/whoami", get(whoami))
        .route("/v1/push", post(push))
        .route("/v1/pull", get(pull))
        .route("/v1/hub", get(hub_status))
        .route("/v1/enrol", post(enrol))
        .route("/v1/report", get(report))
        .route("/v1/report/children", get(report_children))
        .route("/v1/report/child", get(report_child))
        .route("/v1/export/{file}", get(export))
        .fallback(get(crate::dashboard::serve))
        .layer(DefaultBodyLimit::max(daakhla_wire::MAX_MESSAGE_BYTES))
        .with_state(server)
}

/// Runs blocking work (SQLite) off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?
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
async fn enrol(
    State(server): State<Arc<Server>>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, ServerError> {
    let request: EnrolRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("expected {{\"code\": \"...\"}}: {e}")))?;
    let (device, token) = blocking(move || server.enrol(&request.code)).await?;
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
    Ok(Json(blocking(move || server.hub_status()).await?))
}

/// A query string read into `T`, or a clear refusal naming what is wrong with it.
fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ServerError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ServerError::BadRequest(e.body_text()))
}

/// An area's figures, as far as the device's places reach.
async fn report(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    request: Result<Query<daakhla_reports::ReportRequest>, QueryRejection>,
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
    request: Result<Query<VillageQuery>, QueryRejection>,
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
    request: Result<Query<ChildQuery>, QueryRejection>,
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
    Query(query): Query<ExportQuery>,
) -> Result<Response, ServerError> {
    let device = device(&server, &headers).await?;
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

/// A server answering on a port, in its own thread; stopped when dropped.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves `server` on `addr` ("127.0.0.1:0" picks a free port) until the handle is dropped.
pub fn spawn(server: Arc<Server>, addr: &str) -> std::io::Result<Running> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            axum::serve(listener, router(server))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .expect("the server runs");
        });
    });
    Ok(Running {
        addr,
        stop: Some(stop),
        thread: Some(thread),
    })
}
