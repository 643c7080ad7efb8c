//! The server on loopback against clients that misbehave, byte by byte over raw sockets:
//! idle, stalled and crawling connections are closed, one address cannot take every
//! connection, bodies over their limit are refused before they are read, and every refusal
//! is the protocol's JSON in English and Urdu.
//!
//! Timeouts are configured small (a second) and every wait is generous (ten seconds), so
//! the tests check what happens, never how fast.

use daakhla_server::{Role, Running, ServeLimits, Server};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Far longer than any configured limit: a test waits this long before it calls the server
/// stuck.
const GENEROUS: Duration = Duration::from_secs(10);

fn small_limits() -> ServeLimits {
    ServeLimits {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        body_gap: Duration::from_secs(1),
        body_deadline: Duration::from_secs(60),
        send_stall: Duration::from_secs(2),
        max_connections: 64,
        max_connections_per_address: 32,
        admission_wait: Duration::from_millis(500),
        shutdown_grace: Duration::from_secs(1),
        handshake_timeout: Duration::from_secs(1),
    }
}

struct Fixture {
    running: Running,
    token: String,
    _data: tempfile::TempDir,
}

fn start(limits: ServeLimits) -> Fixture {
    let data = tempfile::tempdir().unwrap();
    let server = Server::open(data.path().join("server")).unwrap();
    let (_, token) = server
        .add_device("Asma", Role::Coordinator, &["*".to_string()])
        .unwrap();
    let running = daakhla_server::spawn_with_limits(Arc::new(server), "127.0.0.1:0", limits)
        .expect("the server starts");
    Fixture {
        running,
        token,
        _data: data,
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    stream
}

/// A connection to `addr` from another loopback address (all of 127/8 is loopback).
fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        socket.connect(addr).await.unwrap()
    });
    let stream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    stream
}

/// Reads until the server closes the connection (what it sent before, if anything), or
/// fails the test when it is still open after `GENEROUS`.
fn read_until_closed(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return received,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("{what}: still open after {:?}", started.elapsed())
            }
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

/// One answer: status, head and body (by its Content-Length).
struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\n{}",
                self.head,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut buffer).expect("an answer");
        assert!(n > 0, "closed before an answer: {received:?}");
        received.extend_from_slice(&buffer[..n]);
    };
    let head = String::from_utf8(received[..head_end].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .expect("a Content-Length");
    let mut body = received[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buffer).expect("the rest of the body");
        assert!(n > 0, "closed in the body");
        body.extend_from_slice(&buffer[..n]);
    }
    body.truncate(length);
    Answer { status, head, body }
}

fn get(stream: &mut TcpStream, path: &str, token: Option<&str>) -> Answer {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
    read_answer(stream)
}

/// Checks an error answer is the protocol's JSON and returns its sentences.
fn json_error(answer: &Answer, status: u16) -> (String, String) {
    assert_eq!(answer.status, status, "{}", answer.head);
    assert!(
        answer
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{}",
        answer.head
    );
    let json = answer.json();
    assert!(json["doc_id"].is_null(), "{json}");
    let english = json["error"].as_str().expect("an English sentence");
    let urdu = json["error_ur"].as_str().expect("an Urdu sentence");
    (english.to_string(), urdu.to_string())
}

/// Checks an error answer is the protocol's JSON, with an Urdu sentence that is wholly Urdu
/// but for what it quotes, and returns its English sentence.
fn protocol_error(answer: &Answer, status: u16) -> String {
    let (english, urdu) = json_error(answer, status);
    assert!(
        urdu.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
        "no Urdu letters: {urdu}"
    );
    let unquoted: String = urdu.split('"').step_by(2).collect();
    assert!(
        !unquoted.chars().any(|c| c.is_ascii_alphabetic()),
        "English letters outside quotes in {urdu:?}"
    );
    english
}

#[test]
fn an_idle_connection_is_closed() {
    let fixture = start(small_limits());
    // Never a request.
    let mut silent = connect(fixture.running.addr);
    assert!(read_until_closed(&mut silent, "a silent connection").is_empty());
    // Quiet after one.
    let mut kept = connect(fixture.running.addr);
    assert_eq!(get(&mut kept, "/health", None).body, b"ok");
    assert!(read_until_closed(&mut kept, "a kept-alive connection").is_empty());
}

#[test]
fn headers_that_never_finish_are_closed() {
    let fixture = start(ServeLimits {
        // Longer than the test: only the header rule can close it.
        idle_timeout: Duration::from_secs(30),
        ..small_limits()
    });
    let mut stream = connect(fixture.running.addr);
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    // A byte of a header every 200 ms, never its end: never idle, never complete.
    let mut writer = stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for byte in b"X-Slow: ".iter().cycle().take(100) {
            if writer.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    read_until_closed(&mut stream, "headers trickling in");
    trickle.join().unwrap();
}

/// A push declaring `length` bytes, of which `sent` are sent.
fn start_upload(addr: SocketAddr, token: &str, length: usize, sent: usize) -> TcpStream {
    let mut stream = connect(addr);
    write!(
        stream,
        "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/x-daakhla-sync\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(&vec![0x55; sent]).unwrap();
    stream
}

fn assert_stalled_upload_refused(stream: &mut TcpStream) {
    let received = read_until_closed(stream, "a stalled upload");
    // Answered before closing: 408, in the protocol's JSON.
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("\"error_ur\"") && text.contains("stopped arriving"),
        "{text}"
    );
}

#[test]
fn an_upload_that_stalls_is_closed() {
    let fixture = start(small_limits());
    let mut upload = start_upload(fixture.running.addr, &fixture.token, 1_000_000, 10_000);
    assert_stalled_upload_refused(&mut upload);
}

#[test]
fn stalled_uploads_do_not_hold_up_other_clients() {
    let fixture = start(ServeLimits {
        body_gap: Duration::from_secs(3),
        ..small_limits()
    });
    let addr = fixture.running.addr;
    let mut uploads: Vec<TcpStream> = (0..6)
        .map(|_| start_upload(addr, &fixture.token, 30 << 20, 64 << 10))
        .collect();

    let mut client = connect(addr);
    assert_eq!(get(&mut client, "/health", None).body, b"ok");
    let whoami = get(&mut client, "/v1/whoami", Some(&fixture.token));
    assert_eq!(whoami.status, 200, "{}", whoami.head);
    assert_eq!(whoami.json()["user"], "Asma");

    for upload in &mut uploads {
        assert_stalled_upload_refused(upload);
    }
}

#[test]
fn one_address_cannot_take_every_connection() {
    let fixture = start(ServeLimits {
        idle_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(30),
        max_connections_per_address: 4,
        ..small_limits()
    });
    let addr = fixture.running.addr;
    let held: Vec<TcpStream> = (0..4).map(|_| connect(addr)).collect();
    // Until the server has counted them, a fifth might still get in: wait for its refusal.
    let started = Instant::now();
    let refused = loop {
        let mut fifth = connect(addr);
        write!(fifth, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let answer = read_answer(&mut fifth);
        if answer.status == 503 {
            break answer;
        }
        assert!(
            started.elapsed() < GENEROUS,
            "never refused: {}",
            answer.head
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    protocol_error(&refused, 503);

    // Another address is served meanwhile.
    let mut other = connect_from("127.0.0.2", addr);
    assert_eq!(get(&mut other, "/health", None).body, b"ok");
    drop(other);

    // Once they close, the address is served again.
    drop(held);
    let started = Instant::now();
    loop {
        let mut again = connect(addr);
        write!(again, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let answer = read_answer(&mut again);
        if answer.status == 200 {
            assert_eq!(answer.body, b"ok");
            break;
        }
        assert!(
            started.elapsed() < GENEROUS,
            "still refused after the others closed: {}",
            answer.head
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_declared_body_over_the_limit_is_refused_before_it_is_sent() {
    let fixture = start(small_limits());
    let mut stream = connect(fixture.running.addr);
    write!(
        stream,
        "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Length: 209715200\r\n\r\n",
        fixture.token
    )
    .unwrap();
    // Not a byte of the body: the answer comes anyway.
    let english = protocol_error(&read_answer(&mut stream), 413);
    assert!(
        english.contains(&daakhla_wire::MAX_MESSAGE_BYTES.to_string()),
        "{english}"
    );
    // And the body is never waited for.
    assert!(read_until_closed(&mut stream, "after a 413").is_empty());
}

#[test]
fn a_chunked_body_is_cut_off_at_the_limit() {
    let fixture = start(small_limits());
    let mut stream = connect(fixture.running.addr);
    write!(
        stream,
        "POST /v1/enrol HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b' '; 4096];
    // Far past enrolment's limit; the server stops reading long before the end.
    for _ in 0..64 {
        let mut bytes = format!("{:x}\r\n", chunk.len()).into_bytes();
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(b"\r\n");
        if stream.write_all(&bytes).is_err() {
            break;
        }
    }
    let english = protocol_error(&read_answer(&mut stream), 413);
    assert!(
        english.contains(&daakhla_server::SMALL_BODY_BYTES.to_string()),
        "{english}"
    );
    read_until_closed(&mut stream, "after a body cut off");
}

#[test]
fn refusals_are_the_protocols_json() {
    let fixture = start(small_limits());
    let token = Some(fixture.token.as_str());
    let mut stream = connect(fixture.running.addr);

    let english = protocol_error(&get(&mut stream, "/v1/pull?after=abc", token), 400);
    assert_eq!(english, r#"after: expected a whole number, got "abc""#);

    let long = format!("/v1/pull?after=1&pad={}", "a".repeat(5000));
    let english = protocol_error(&get(&mut stream, &long, token), 414);
    assert!(english.contains("query string"), "{english}");

    let mut stream = connect(fixture.running.addr);
    let english = protocol_error(&get(&mut stream, "/v1/pull?limit=-1", token), 400);
    assert!(
        english.starts_with("limit: expected a whole number"),
        "{english}"
    );
    let english = protocol_error(&get(&mut stream, "/v1/report/children", token), 400);
    assert_eq!(english, "village: required, but not given");
    let english = protocol_error(&get(&mut stream, "/v1/report?from=2025-13-01", token), 400);
    assert!(english.starts_with("from: expected a date"), "{english}");
    let english = protocol_error(
        &get(&mut stream, "/v1/export/children.csv?uc=1&uc=2", token),
        400,
    );
    assert_eq!(english, "uc: given more than once");
    // The export crate's own refusal (its Urdu names `en` and `ur` unquoted).
    let (english, _) = json_error(
        &get(&mut stream, "/v1/export/children.csv?lang=xx", token),
        400,
    );
    assert!(english.contains("xx"), "{english}");
    // An export's query is read after its token, like the reports'.
    protocol_error(
        &get(&mut stream, "/v1/export/children.csv?uc=1&uc=2", None),
        401,
    );

    let english = protocol_error(&get(&mut stream, "/v1/nothing", token), 404);
    assert_eq!(english, "there is no GET /v1/nothing here");
    let answer = get(&mut stream, "/v1/push", token);
    let english = protocol_error(&answer, 405);
    assert!(english.contains("POST"), "{english}");
    assert!(
        answer.head.to_ascii_lowercase().contains("allow: post"),
        "{}",
        answer.head
    );
}
