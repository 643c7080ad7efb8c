//! The dashboard's static files over real HTTP on loopback: served with their content type,
//! a traversal refused, and the JSON API untouched.

use std::io::{Read, Write};
use std::sync::Arc;

fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn dashboard_files_are_served_and_traversal_refused() {
    let data = tempfile::tempdir().unwrap();
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("dashboard.html"), "<title>Dash</title>").unwrap();
    std::fs::write(site.path().join("app.js"), "let a = 1;").unwrap();
    std::fs::write(data.path().join("secret.txt"), "secret").unwrap();
    // SAFETY: set before the server starts; no other thread of this test binary reads it.
    unsafe { std::env::set_var("DAAKHLA_DASHBOARD", site.path()) };

    let server = daakhla_server::Server::open(data.path().join("server")).unwrap();
    let running = daakhla_server::spawn(Arc::new(server), "127.0.0.1:0").unwrap();

    let page = get(running.addr, "/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("text/html; charset=utf-8") && page.contains("<title>Dash</title>"));
    let script = get(running.addr, "/app.js");
    assert!(script.contains("text/javascript") && script.contains("let a = 1;"));
    for bad in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/nothing.js",
    ] {
        let answer = get(running.addr, bad);
        assert!(answer.starts_with("HTTP/1.1 404"), "{bad}: {answer}");
        assert!(
            !answer.contains("secret\r") && !answer.ends_with("secret"),
            "{bad}"
        );
    }
    assert!(get(running.addr, "/health").ends_with("ok"));
    assert!(get(running.addr, "/v1/whoami").starts_with("HTTP/1.1 401"));
}
