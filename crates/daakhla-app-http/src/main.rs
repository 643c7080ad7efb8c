//! `daakhla-app-http`: the app's commands over loopback HTTP (`POST /api/<command>` with the
//! request as JSON), and the built UI beside them, on a real store file. The UI then runs in
//! a plain browser exactly as in the app, with no mock: tests drive it with Playwright.
//!
//! It listens on loopback addresses only: it has no login, and the store holds children's
//! data. Loopback alone does not keep other web pages out, so `guard` answers only requests
//! addressed to the bridge's own address, and runs a command only from the bridge's own page:
//! the secret made at each start reaches that page in the `index.html` served here.

mod guard;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use daakhla_app::{App, AppError, ErrorKind};
use guard::{Guard, Refusal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

struct Served {
    app: App,
    /// The built UI (`ui/dist`).
    ui: PathBuf,
    guard: Guard,
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
    // Encrypted like the app's: DAAKHLA_STORE_KEY when set (the browser tests set it), else
    // the device's keystore or key file.
    let app = App::open_or_create(&store, &*daakhla_keys::for_device()).map_err(|e| e.en)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let guard = Guard::new(address);
        let served = Arc::new(Served { app, ui, guard });
        let router = Router::new()
            .route("/api/{command}", post(command))
            .fallback(get(static_file))
            .layer(middleware::from_fn_with_state(served.clone(), own_host))
            .with_state(served);
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

/// Every request, static files included: refused unless addressed to this bridge.
async fn own_host(State(served): State<Arc<Served>>, request: Request, next: Next) -> Response {
    if let Err(refusal) = served.guard.check_host(request.headers(), request.uri()) {
        return refused(refusal);
    }
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn command(
    State(served): State<Arc<Served>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(refusal) = served.guard.check_command(&headers) {
        return refused(refusal);
    }
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

fn refused(refusal: Refusal) -> Response {
    (refusal.status, axum::Json(refusal.error)).into_response()
}

/// A file of the built UI; `/`, `/index.html` and any other path are the single-page app's
/// `index.html`, with this start's secret in it.
async fn static_file(State(served): State<Arc<Served>>, uri: Uri) -> Response {
    let relative = uri.path().trim_start_matches('/');
    let safe = !relative.split('/').any(|part| part == "..");
    let path = served.ui.join(relative);
    if !safe || relative.is_empty() || relative == "index.html" || !path.is_file() {
        return index(&served).await;
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
        Err(_) => not_built(),
    }
}

/// `index.html` with `<meta name="daakhla-secret">`: the UI's transport sends it back with
/// each command. Never cached (the secret changes at each start), never framed by another
/// page (that page could make the user click through the app).
async fn index(served: &Served) -> Response {
    let Ok(page) = tokio::fs::read_to_string(served.ui.join("index.html")).await else {
        return not_built();
    };
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    ];
    (headers, with_secret(&page, served.guard.secret())).into_response()
}

/// The page with the secret's `<meta>` at the end of its `<head>` (or first, if it has none).
fn with_secret(page: &str, secret: &str) -> String {
    let meta = format!(r#"<meta name="daakhla-secret" content="{secret}" />"#);
    // ASCII lower case keeps every byte where it was, so the offset fits `page` too.
    let at = page.to_ascii_lowercase().find("</head>").unwrap_or(0);
    format!("{}{meta}{}", &page[..at], &page[at..])
}

fn not_built() -> Response {
    (
        StatusCode::NOT_FOUND,
        "the UI is not built: run `npm run build` in ui/",
    )
        .into_response()
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

#[cfg(test)]
mod tests {
    use super::with_secret;

    #[test]
    fn the_secret_goes_at_the_end_of_the_head() {
        assert_eq!(
            with_secret(
                "<html><HEAD><title>t</title></HEAD><body></body></html>",
                "abc"
            ),
            r#"<html><HEAD><title>t</title><meta name="daakhla-secret" content="abc" /></HEAD><body></body></html>"#
        );
        assert_eq!(
            with_secret("<p>no head</p>", "abc"),
            r#"<meta name="daakhla-secret" content="abc" /><p>no head</p>"#
        );
    }
}
