//! The server over HTTPS on loopback against slow and wrong clients: a handshake that never
//! finishes holds neither the accept loop nor its slot for long, the header and idle timeouts
//! still apply under TLS, plain HTTP to the HTTPS port is closed, and a connection over its
//! address's limit is answered 503 in the protocol's JSON, over TLS.

use daakhla_server::{Identity, Role, Running, ServeLimits, Server};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

const GENEROUS: Duration = Duration::from_secs(10);

struct Fixture {
    running: Running,
    token: String,
    ca: rustls::pki_types::CertificateDer<'static>,
    _data: tempfile::TempDir,
}

fn limits() -> ServeLimits {
    ServeLimits {
        header_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        handshake_timeout: Duration::from_secs(3),
        ..ServeLimits::default()
    }
}

/// A server with a certificate for 127.0.0.1 signed by a CA made here.
fn start(limits: ServeLimits) -> Fixture {
    let data = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let (cert_file, key_file) = (data.path().join("cert.pem"), data.path().join("key.pem"));
    std::fs::write(&cert_file, leaf.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let identity = Identity::from_pem_files(&cert_file, &key_file).unwrap();
    let server = Server::open(data.path().join("server")).unwrap();
    let (_, token) = server
        .add_device("Asma", Role::Coordinator, &["*".to_string()])
        .unwrap();
    let running = daakhla_server::spawn_tls(Arc::new(server), "127.0.0.1:0", limits, &identity)
        .expect("the server starts");
    Fixture {
        running,
        token,
        ca: ca.der().clone(),
        _data: data,
    }
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A TLS connection trusting the fixture's CA, its handshake done.
fn tls_connect(fixture: &Fixture) -> Tls {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(fixture.ca.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let socket = TcpStream::connect(fixture.running.addr).unwrap();
    socket.set_read_timeout(Some(GENEROUS)).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock).unwrap();
    }
    tls
}

/// True once the other side closed (or reset) the connection; false when it is still open
/// after `GENEROUS`. What came before the close is returned too.
fn closed(stream: &mut impl Read) -> (bool, Vec<u8>) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return (true, got),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return (false, got);
            }
            Err(_) => return (true, got),
        }
        if started.elapsed() > GENEROUS {
            return (false, got);
        }
    }
}

fn silent(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    stream
}

#[test]
fn handshakes_that_never_finish_hold_neither_the_accept_loop_nor_their_slots_for_long() {
    let fixture = start(limits());
    // Ten clients connect and never say hello; one sends half a ClientHello.
    let mut stalled: Vec<TcpStream> = (0..10).map(|_| silent(fixture.running.addr)).collect();
    let mut half = silent(fixture.running.addr);
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // Meanwhile a real client is served at once, well within their handshake timeout.
    let started = Instant::now();
    let mut tls = tls_connect(&fixture);
    write!(
        tls,
        "GET /v1/whoami HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\nconnection: close\r\n\r\n",
        fixture.token
    )
    .unwrap();
    let (_, answer) = closed(&mut tls);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"Asma\""), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "served while the stalled handshakes wait: {:?}",
        started.elapsed()
    );
    // And the stalled ones are closed once their handshake time is up.
    for stream in stalled.iter_mut().chain([&mut half]) {
        assert!(closed(stream).0, "a stalled handshake is closed");
    }
}

#[test]
fn headers_and_idle_timeouts_still_apply_under_tls() {
    let fixture = start(limits());
    // A head that never ends.
    let mut trickle = tls_connect(&fixture);
    trickle
        .write_all(b"GET /v1/whoami HTTP/1.1\r\nhost:")
        .unwrap();
    trickle.flush().unwrap();
    let started = Instant::now();
    let (was_closed, said) = closed(&mut trickle);
    assert!(was_closed && said.is_empty(), "closed without an answer");
    assert!(started.elapsed() >= Duration::from_millis(900));
    // A connection that says nothing after its handshake.
    let mut idle = tls_connect(&fixture);
    assert!(closed(&mut idle).0, "an idle TLS connection is closed");
}

#[test]
fn plain_http_to_the_https_port_is_closed() {
    let fixture = start(limits());
    let mut plain = silent(fixture.running.addr);
    plain
        .write_all(b"GET /v1/whoami HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let (was_closed, said) = closed(&mut plain);
    assert!(was_closed, "closed, not left open");
    assert!(
        !String::from_utf8_lossy(&said).contains("HTTP/1.1 200"),
        "never answered in the clear"
    );
}

#[test]
fn a_connection_over_its_addresss_limit_is_answered_503_over_tls() {
    let fixture = start(ServeLimits {
        max_connections_per_address: 1,
        idle_timeout: Duration::from_secs(30),
        ..limits()
    });
    let _held = tls_connect(&fixture);
    let mut refused = tls_connect(&fixture);
    let (_, answer) = closed(&mut refused);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"error_ur\""), "{answer}");
}
