//! The supervisors' dashboard: the built UI (`ui/dist`) served as static files at `/`.
//!
//! The folder is `DAAKHLA_DASHBOARD` when set, else the repository's `ui/dist` when it
//! exists. Only plain path segments are served, so `..` or an absolute path never leaves the
//! folder; the JSON API's routes are matched before this fallback.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::path::{Component, Path, PathBuf};

/// The folder served, if any.
pub fn folder() -> Option<PathBuf> {
    let dir = std::env::var_os("DAAKHLA_DASHBOARD")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/dist"));
    dir.is_dir().then_some(dir)
}

/// Answers a GET outside the API with a file of the dashboard (`/` is `dashboard.html`).
pub async fn serve(uri: Uri) -> Response {
    let Some(dir) = folder() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(path) = file_in(&dir, uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::task::spawn_blocking(move || std::fs::read(&path).map(|b| (path, b))).await {
        Ok(Ok((path, bytes))) => {
            ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
/// The file a request path names inside `dir`, refusing anything but plain segments.
pub fn file_in(dir: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = request_path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "dashboard.html"
    } else {
        relative
    };
    if relative.contains('\\') || relative.contains('%') {
        return None;
    }
    let mut path = dir.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(segment) => path.push(segment),
            _ => return None,
        }
    }
    path.is_file().then_some(path)
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_files_inside_and_refuses_traversal() {
        let dir = std::env::temp_dir().join(format!("daakhla-dash-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("dashboard.html"), "<html></html>").unwrap();
        std::fs::write(dir.join("assets/app.js"), "1").unwrap();
        std::fs::write(dir.with_extension("secret"), "no").unwrap();

        assert_eq!(file_in(&dir, "/"), Some(dir.join("dashboard.html")));
        assert_eq!(
            file_in(&dir, "/assets/app.js"),
            Some(dir.join("assets/app.js"))
        );
        assert_eq!(
            content_type(&file_in(&dir, "/assets/app.js").unwrap()),
            "text/javascript; charset=utf-8"
        );
        let name = dir.with_extension("secret");
        let escape = format!("/../{}", name.file_name().unwrap().to_str().unwrap());
        assert_eq!(file_in(&dir, &escape), None);
        assert_eq!(file_in(&dir, "/assets/../../x"), None);
        assert_eq!(file_in(&dir, "/%2e%2e/x"), None);
        assert_eq!(file_in(&dir, "/missing.js"), None);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_file(name).unwrap();
    }
}
