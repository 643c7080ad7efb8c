//! `daakhla-app-http`: the app's commands over loopback HTTP (`POST /api/<command>` with the
//! request as JSON), and the built UI beside them, on a real store file. The UI then runs in
//! a plain browser exactly as in the app, with no mock: tests drive it with Playwright.
//!
//! It listens on loopback addresses only: it has no login, and the store holds children's
//! data.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use daakhla_app::{App, AppError, ErrorKind};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

struct Served {
    app: App,
    /// The built UI (`ui/dist`).
    ui: PathBuf,
}

const USAGE: &str = "usage: daakhla-app-http --store FILE --ui DIR [--listen 127.0.0.1:PORT]";

fn main() {
    if let Err(message) = run() {
        eprintln!("{message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut store = None;
    let mut ui = None;
    let mut listen: SocketAddr = "127.0.0.1:8750".parse().expect("a valid address");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| USAGE.to_string());
        match arg.as_str() {
            "--store" => store = Some(PathBuf::from(value()?)),
            "--ui" => ui = Some(PathBuf::from(value()?)),
            "--listen" => listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?,
            _ => return Err(USAGE.into()),
        }
    }
    let (Some(store), Some(ui)) = (store, ui) else {
        return Err(USAGE.into());
    };
    if !listen.ip().is_loopback() {
        return Err(format!(
            "{listen} is not a loopback address: this bridge has no login, so it listens on this machine only"
        ));
    }
    let app = App::open_or_create(&store).map_err(|e| e.en)?;
    let served = Arc::new(Served { app, ui });
    let router = Router::new()
        .route("/api/{command}", post(command))
        .fallback(get(static_file))
        .with_state(served);
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        // Tests read this line for the port when they ask for port 0.
        println!("listening on http://{address}");
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| e.to_string())
    })
}

async fn command(
    State(served): State<Arc<Served>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    let answer = tokio::task::spawn_blocking(move || {
        let request = if body.is_empty() {
            Ok(serde_json::json!({}))
        } else {
            serde_json::from_slice(&body).map_err(AppError::bad_request)
        };
        request.and_then(|request| served.app.call(&name, request))
    })
    .await
    .unwrap_or_else(|e| Err(AppError::bad_request(e)));
    match answer {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => {
            let status = match error.kind {
                ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
                ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
                ErrorKind::NotEnrolled | ErrorKind::Sync => StatusCode::BAD_GATEWAY,
                ErrorKind::Store => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, axum::Json(error)).into_response()
        }
    }
}

/// A file of the built UI; any other path is the single-page app's `index.html`.
async fn static_file(State(served): State<Arc<Served>>, uri: Uri) -> Response {
    let relative = uri.path().trim_start_matches('/');
    let safe = !relative.split('/').any(|part| part == "..");
    let path = served.ui.join(relative);
    let path = if safe && !relative.is_empty() && path.is_file() {
        path
    } else {
        served.ui.join("index.html")
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            "the UI is not built: run `npm run build` in ui/",
        )
            .into_response(),
    }
}

fn content_type(path: &std::path::Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "css" => "text/css",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}
