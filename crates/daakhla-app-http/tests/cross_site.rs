//! The real `daakhla-app-http` attacked the way a web page in the machine's browser can: form
//! posts from another site aimed at a fake server, a hostile name resolving to 127.0.0.1
//! (DNS rebinding), commands without the page's secret. Raw HTTP over a `TcpStream`, so every
//! header is exactly what the test writes. Each is refused and changes nothing; the bridge's
//! own page still works.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "the-device-token-nobody-else-may-see";

/// The bridge on a fresh store and a one-page UI, stopped when dropped.
struct Bridge {
    child: Child,
    port: u16,
    secret: String,
    _dir: tempfile::TempDir,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What came back: status, headers (names in lower case) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A refusal: the status, and an `AppError` in English and wholly in Urdu.
    fn assert_refused(&self, status: u16, what: &str) {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        let error = self.json();
        let en = error["en"].as_str().expect("an English sentence");
        let ur = error["ur"].as_str().expect("an Urdu sentence");
        assert!(en.starts_with("Refused: "), "{what}: {en}");
        assert!(
            !ur.is_empty() && !ur.chars().any(|c| c.is_ascii_alphabetic()),
            "{what}: {ur}"
        );
        assert_eq!(error["kind"], "bad_request", "{what}");
    }
}

impl Bridge {
    fn start() -> Bridge {
        let dir = tempfile::tempdir().unwrap();
        let ui = dir.path().join("ui");
        std::fs::create_dir(&ui).unwrap();
        std::fs::write(
            ui.join("index.html"),
            "<!doctype html><html><head><title>Daakhla</title></head><body></body></html>",
        )
        .unwrap();
        std::fs::write(ui.join("app.js"), "console.log('app')").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_daakhla-app-http"))
            .arg("--store")
            .arg(dir.path().join("store.sqlite"))
            .arg("--ui")
            .arg(&ui)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on http://127.0.0.1:")
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .parse()
            .unwrap();
        let mut bridge = Bridge {
            child,
            port,
            secret: String::new(),
            _dir: dir,
        };
        bridge.secret = bridge.secret_from_page();
        bridge
    }

    fn own(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The secret as the browser gets it: in the `index.html` the bridge serves.
    fn secret_from_page(&self) -> String {
        let page = self.send(&format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.own()
        ));
        assert_eq!(page.status, 200, "{}", page.body);
        let (_, after) = page
            .body
            .split_once(r#"<meta name="daakhla-secret" content=""#)
            .unwrap_or_else(|| panic!("no secret in {}", page.body));
        after.split('"').next().unwrap().to_string()
    }

    /// Sends `request` as written and reads the whole answer.
    fn send(&self, request: &str) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, body) = raw
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer: {raw:?}"));
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        Answer {
            status: status.parse().unwrap(),
            headers: lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect(),
            body: body.to_string(),
        }
    }

    /// `POST /api/<command>` with these extra header lines and body.
    fn post(&self, command: &str, headers: &[String], body: &str) -> Answer {
        let mut request = format!("POST /api/{command} HTTP/1.1\r\n");
        for line in headers {
            request.push_str(line);
            request.push_str("\r\n");
        }
        request.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        self.send(&request)
    }

    /// The header lines the bridge's own page sends, for `content_type`.
    fn page_headers(&self, content_type: &str) -> Vec<String> {
        vec![
            format!("Host: {}", self.own()),
            format!("Origin: http://{}", self.own()),
            "Sec-Fetch-Site: same-origin".into(),
            format!("Content-Type: {content_type}"),
            format!("X-Daakhla-Secret: {}", self.secret),
        ]
    }

    /// A command as the bridge's own page sends it; it must work.
    fn call(&self, command: &str, request: Value) -> Value {
        let answer = self.post(
            command,
            &self.page_headers("application/json"),
            &request.to_string(),
        );
        assert_eq!(answer.status, 200, "{command}: {}", answer.body);
        answer.json()
    }

    fn settings(&self) -> Value {
        self.call("settings", json!({}))
    }

    /// Enrolled (by hand) with a real-looking server and a token worth stealing.
    fn enrol(&self) -> Value {
        self.call(
            "save_settings",
            json!({
                "lang": null, "surveyor_name": "Ayesha", "uc_code": null,
                "server_url": "http://127.0.0.1:9/the-real-server", "token": TOKEN,
            }),
        )
    }
}

/// A server that records every byte sent to it, and answers 500.
struct FakeServer {
    url: String,
    received: Arc<Mutex<Vec<u8>>>,
}

impl FakeServer {
    fn start() -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                stream
                    .set_read_timeout(Some(Duration::from_millis(500)))
                    .unwrap();
                let mut buffer = [0; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buffer) {
                    log.lock().unwrap().extend_from_slice(&buffer[..n]);
                }
                let _ = stream.write_all(b"HTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n");
            }
        });
        FakeServer { url, received }
    }

    fn assert_untouched(&self, what: &str) {
        let received = self.received.lock().unwrap();
        assert!(
            received.is_empty(),
            "{what}: the fake server received {}",
            String::from_utf8_lossy(&received)
        );
    }
}

#[test]
fn a_form_post_from_another_site_sends_nothing_and_changes_nothing() {
    let bridge = Bridge::start();
    let enrolled = bridge.enrol();
    assert_eq!(enrolled["has_token"], true);
    let fake = FakeServer::start();
    let host = format!("Host: {}", bridge.own());
    let evil = "Origin: http://evil.example".to_string();

    // What `<form enctype="text/plain">` sends: a field name and value that read as JSON.
    let sync = format!(r#"{{"server_url":"{}","token":null,"x":"="}}"#, fake.url);
    let settings = format!(
        r#"{{"lang":null,"surveyor_name":null,"uc_code":null,"server_url":"{}","token":null,"x":"="}}"#,
        fake.url
    );
    let form = |content_type: &str| {
        vec![
            host.clone(),
            evil.clone(),
            "Sec-Fetch-Site: cross-site".into(),
            format!("Content-Type: {content_type}"),
        ]
    };
    for (command, body) in [("sync", &sync), ("save_settings", &settings)] {
        let answer = bridge.post(command, &form("text/plain"), body);
        fake.assert_untouched(command);
        answer.assert_refused(403, command);
        // The same without the fetch metadata an older browser leaves out.
        let answer = bridge.post(command, &[host.clone(), evil.clone()], body);
        fake.assert_untouched(command);
        answer.assert_refused(403, command);
    }
    let urlencoded = format!("server_url={}&token=", fake.url);
    bridge
        .post(
            "sync",
            &form("application/x-www-form-urlencoded"),
            &urlencoded,
        )
        .assert_refused(403, "urlencoded");
    // Even knowing the secret and sending its own origin, a form's body is refused.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=b",
    ] {
        let answer = bridge.post("sync", &bridge.page_headers(content_type), &sync);
        answer.assert_refused(415, content_type);
    }

    fake.assert_untouched("the cross-site posts");
    let after = bridge.settings();
    assert_eq!(after["server_url"], "http://127.0.0.1:9/the-real-server");
    assert_eq!(after, enrolled);
    fake.assert_untouched("the cross-site posts");
}

#[test]
fn a_hostile_name_for_this_machine_is_refused_everywhere() {
    let bridge = Bridge::start();
    let enrolled = bridge.enrol();
    let fake = FakeServer::start();
    let port = bridge.port;
    let rebound = format!("evil.example:{port}");
    for path in ["/", "/index.html", "/app.js", "/anything"] {
        let answer = bridge.send(&format!(
            "GET {path} HTTP/1.1\r\nHost: {rebound}\r\nConnection: close\r\n\r\n"
        ));
        answer.assert_refused(421, path);
        assert!(!answer.body.contains(&bridge.secret), "{path}");
    }
    // A rebound page's fetch is same-origin to the browser, secret or not.
    let sync = json!({"server_url": fake.url, "token": null}).to_string();
    let mut headers = bridge.page_headers("application/json");
    headers[0] = format!("Host: {rebound}");
    headers[1] = format!("Origin: http://{rebound}");
    bridge
        .post("sync", &headers, &sync)
        .assert_refused(421, "sync");
    // The right name with another port, no Host at all, or two of them.
    for host in [
        vec![format!("Host: 127.0.0.1:{}", port.wrapping_add(1))],
        vec![],
        vec![
            format!("Host: {}", bridge.own()),
            format!("Host: {rebound}"),
        ],
    ] {
        let mut request = String::from("GET / HTTP/1.1\r\n");
        for line in &host {
            request.push_str(&format!("{line}\r\n"));
        }
        request.push_str("Connection: close\r\n\r\n");
        bridge
            .send(&request)
            .assert_refused(421, &format!("{host:?}"));
    }
    fake.assert_untouched("the rebound requests");
    assert_eq!(bridge.settings(), enrolled);

    // Its own names still answer, each with the page and its secret.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let answer = bridge.send(&format!(
            "GET /app.js HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(answer.status, 200, "{host}");
        assert_eq!(answer.body, "console.log('app')");
    }
}

#[test]
fn a_command_without_this_starts_secret_is_refused() {
    let bridge = Bridge::start();
    let enrolled = bridge.enrol();
    let fake = FakeServer::start();
    let sync = json!({"server_url": fake.url, "token": null}).to_string();
    let mut headers = bridge.page_headers("application/json");
    let secret = headers.pop().unwrap();
    bridge
        .post("sync", &headers, &sync)
        .assert_refused(403, "no secret");
    let mut wrong = bridge.secret.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    for guess in [wrong, String::new(), bridge.secret[..10].to_string()] {
        let mut headers = headers.clone();
        headers.push(format!("X-Daakhla-Secret: {guess}"));
        bridge
            .post("sync", &headers, &sync)
            .assert_refused(403, &guess);
    }
    // The secret from another of this machine's pages: a foreign origin, or the same site.
    let mut other_origin = bridge.page_headers("application/json");
    other_origin[1] = "Origin: http://127.0.0.1:3000".into();
    other_origin[2] = "Sec-Fetch-Site: same-site".into();
    bridge
        .post("sync", &other_origin, &sync)
        .assert_refused(403, "other origin");
    headers.push(secret);
    headers[2] = "Sec-Fetch-Site: cross-site".into();
    bridge
        .post("sync", &headers, &sync)
        .assert_refused(403, "cross-site");

    fake.assert_untouched("the requests without the secret");
    assert_eq!(bridge.settings(), enrolled);

    // A new start has a new secret; the old one opens nothing.
    let again = Bridge::start();
    assert_ne!(again.secret, bridge.secret);
}

#[test]
fn the_bridges_own_page_runs_commands() {
    let bridge = Bridge::start();
    let page = bridge.send(&format!(
        "GET /some/screen HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        bridge.port
    ));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert!(page.body.contains(&format!(
        r#"<meta name="daakhla-secret" content="{}" /></head>"#,
        bridge.secret
    )));
    assert!(bridge.secret.len() >= 32, "{}", bridge.secret);

    let enrolled = bridge.enrol();
    assert_eq!(enrolled["server_url"], "http://127.0.0.1:9/the-real-server");
    assert_eq!(enrolled["has_token"], true);
    assert_eq!(bridge.settings(), enrolled);
    // Without Origin or fetch metadata (a test's or a script's client), and with a charset.
    let answer = bridge.post(
        "settings",
        &[
            format!("Host: {}", bridge.own()),
            "Content-Type: application/json; charset=utf-8".into(),
            format!("X-Daakhla-Secret: {}", bridge.secret),
        ],
        "{}",
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json(), enrolled);
    // A command's own failures keep their shape and status.
    let answer = bridge.post(
        "no_such_command",
        &bridge.page_headers("application/json"),
        "{}",
    );
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["kind"], "bad_request");
    // No cross-origin read is ever granted: a preflight is not answered with CORS headers.
    let preflight = bridge.send(&format!(
        "OPTIONS /api/sync HTTP/1.1\r\nHost: {}\r\nOrigin: http://evil.example\r\n\
         Access-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type, x-daakhla-secret\r\n\
         Connection: close\r\n\r\n",
        bridge.own()
    ));
    assert_ne!(preflight.status / 100, 2, "{}", preflight.body);
    assert!(
        preflight
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-"))
    );
}
