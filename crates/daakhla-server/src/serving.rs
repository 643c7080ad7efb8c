//! The server on a TCP port: our own accept loop over hyper's HTTP/1.1 connections, with the
//! timeouts and connection limits `axum::serve` lacks, so that idle, stalled or crawling
//! clients (a phone losing its signal, or someone attacking the port) cannot hold the
//! server's memory or its connections. The limits are `ServeLimits`; docs/sync-protocol.md
//! says what a client can expect of them.
//!
//! With an `Identity` the server speaks HTTPS (rustls): the TLS handshake runs in the
//! connection's own task, after the connection was admitted, within `handshake_timeout`, so
//! a client that stalls its handshake holds one connection slot for that long and never the
//! accept loop. The timeouts below count the bytes on the socket, under TLS.
//!
//! Each connection has a watchdog (in its own task, beside hyper's connection) that reads
//! what the connection's socket and requests did last, and closes it when:
//! - no request is in flight and nothing arrived for `idle_timeout` (keep-alive idle);
//! - a request's head started arriving `header_timeout` ago and is still not complete;
//! - the socket took none of the answer for `send_stall`.
//!
//! A request body is ended with an error when nothing of it arrived for `body_gap`, or when
//! all of it has not arrived within `body_deadline`; the router answers that (408) and hyper
//! then closes the connection, since the body was not read to its end.

use crate::Server;
use crate::http::BodyCut;
use crate::tls::Identity;
use axum::Router;
use axum::body::{Body, Bytes};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot, watch};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long the server waits for clients, and how many it serves at once.
///
/// The defaults are for the central server and the office hub, whose phones sync over 2G
/// (50 kbit/s, so a 1 MB push takes about three minutes) and lose their signal for seconds at
/// a time; each is generous for such a phone and still frees what a stalled client holds.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    /// From the first byte of a request to its last header. 30 s: a request's head is a few
    /// hundred bytes, a fraction of a second even on 2G; the rest is room for a dropped
    /// signal. A client trickling its headers to hold the connection is closed.
    pub header_timeout: Duration,
    /// A connection with no request in flight and nothing received for this long is closed.
    /// 75 s: longer than the hub's relay rounds (every 30 or 60 s), so their connection
    /// stays open between rounds; short enough that idle phones give their connections back.
    pub idle_timeout: Duration,
    /// A request body of which nothing arrives for this long is refused (408) and its
    /// connection closed, with the memory it held. 60 s: a phone moving between cells can
    /// go quiet for tens of seconds and resume (TCP retries at 1, 2, 4, 8, 16, 32 s).
    pub body_gap: Duration,
    /// All of a request body must arrive within this, however steadily it comes. 15 min: a
    /// 5 MB push at 50 kbit/s (the largest real pushes are well under 1 MB, ~3 minutes);
    /// a client crawling just fast enough to beat `body_gap` is still cut off.
    pub body_deadline: Duration,
    /// A connection whose socket takes none of the answer for this long is closed. 60 s,
    /// as `body_gap`: a slow phone downloading an export still takes some every few seconds.
    pub send_stall: Duration,
    /// Connections served at once. 512: below the usual limit of 1024 open files, leaving
    /// room for the databases; a sync holds a connection a few seconds.
    pub max_connections: usize,
    /// Connections from one IP address at once, so that one address cannot take them all;
    /// beyond it a connection is answered 503 and closed. 64: phones behind one carrier's
    /// NAT share an address. Behind a reverse proxy every connection comes from the proxy:
    /// raise this to `max_connections` there and let the proxy limit per client.
    pub max_connections_per_address: usize,
    /// When all `max_connections` are in use, a new connection waits this long for one to
    /// be free, then is answered 503 and closed. 2 s.
    pub admission_wait: Duration,
    /// When the server stops, requests in flight get this long to finish. 5 s.
    pub shutdown_grace: Duration,
    /// From accepting a connection to the end of its TLS handshake (HTTPS only). 30 s, as
    /// `header_timeout`: a handshake is a few kilobytes, a second or two on 2G.
    pub handshake_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        ServeLimits {
            header_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(75),
            body_gap: Duration::from_secs(60),
            body_deadline: Duration::from_secs(15 * 60),
            send_stall: Duration::from_secs(60),
            max_connections: 512,
            max_connections_per_address: 64,
            admission_wait: Duration::from_secs(2),
            shutdown_grace: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(30),
        }
    }
}

/// The most bytes a request's head (request line and headers) may have: 64 KiB, far above a
/// real one (a token is 64 characters); hyper refuses a longer one (431).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// A server answering on a port, in its own thread; stopped when dropped.
pub struct Running {
    pub addr: SocketAddr,
    /// The SHA-256 fingerprint of the certificate it serves HTTPS with; none for plain HTTP.
    pub fingerprint: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// `https://ADDRESS` when it serves HTTPS, else `http://ADDRESS`.
    pub fn url(&self) -> String {
        let scheme = if self.fingerprint.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
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

/// Serves `server` on `addr` ("127.0.0.1:0" picks a free port) until the handle is dropped,
/// with the default `ServeLimits`.
pub fn spawn(server: Arc<Server>, addr: &str) -> std::io::Result<Running> {
    spawn_with_limits(server, addr, ServeLimits::default())
}

/// Serves `server` on `addr` with `limits` until the handle is dropped.
pub fn spawn_with_limits(
    server: Arc<Server>,
    addr: &str,
    limits: ServeLimits,
) -> std::io::Result<Running> {
    spawn_serving(server, addr, limits, None)
}

/// Serves `server` over HTTPS with `identity` on `addr`, with `limits`, until the handle is
/// dropped.
pub fn spawn_tls(
    server: Arc<Server>,
    addr: &str,
    limits: ServeLimits,
    identity: &Identity,
) -> std::io::Result<Running> {
    spawn_serving(server, addr, limits, Some(identity))
}

/// Serves `server` on `addr`, over HTTPS when given an identity.
pub fn spawn_serving(
    server: Arc<Server>,
    addr: &str,
    limits: ServeLimits,
    identity: Option<&Identity>,
) -> std::io::Result<Running> {
    let fingerprint = identity.map(|i| i.fingerprint.clone());
    let tls = identity.map(|i| TlsAcceptor::from(i.config.clone()));
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).expect("a tokio listener");
            serve(listener, crate::router(server), limits, stopped, tls).await;
        });
        // Whatever did not finish within the grace is dropped with the runtime.
        runtime.shutdown_timeout(Duration::from_secs(1));
    });
    Ok(Running {
        addr,
        fingerprint,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// Accepts connections until `stop`, then lets those open finish within the grace.
async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServeLimits,
    mut stop: oneshot::Receiver<()>,
    tls: Option<TlsAcceptor>,
) {
    let limits = Arc::new(limits);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let addresses = Arc::new(Mutex::new(HashMap::new()));
    // Refusals drain what the client sent before closing (so that it reads the 503 rather
    // than a reset); a few at a time, beyond which a refused connection is just closed.
    let refusals = Arc::new(Semaphore::new(16));
    let (closing, closed) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors, or a connection reset before it was accepted:
                // wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(address) =
            AddressSlot::take(&addresses, peer.ip(), limits.max_connections_per_address)
        else {
            refuse(stream, &refusals, tls.as_ref());
            continue;
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                let waited = tokio::select! {
                    _ = &mut stop => break,
                    waited = tokio::time::timeout(
                        limits.admission_wait,
                        slots.clone().acquire_owned(),
                    ) => waited,
                };
                match waited {
                    Ok(Ok(slot)) => slot,
                    _ => {
                        refuse(stream, &refusals, tls.as_ref());
                        continue;
                    }
                }
            }
        };
        connections.spawn(connection(
            stream,
            peer,
            router.clone(),
            limits.clone(),
            closed.clone(),
            (slot, address),
            tls.clone(),
        ));
    }
    drop(listener);
    let _ = closing.send(true);
    let _ = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

/// Answers a connection over a limit with a 503 in the protocol's JSON, and closes it. Over
/// HTTPS the answer needs a handshake: a few at a time, each briefly; beyond them, or when
/// the handshake does not finish soon, the connection is just closed.
fn refuse(stream: TcpStream, refusals: &Arc<Semaphore>, tls: Option<&TlsAcceptor>) {
    let body = crate::ServerError::Busy.json().to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 5\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Some(tls) = tls {
        let Ok(permit) = refusals.clone().try_acquire_owned() else {
            return;
        };
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let wait = Duration::from_secs(5);
            let Ok(Ok(mut stream)) = tokio::time::timeout(wait, tls.accept(stream)).await else {
                return;
            };
            let _ = tokio::time::timeout(wait, async {
                stream.write_all(answer.as_bytes()).await?;
                stream.shutdown().await
            })
            .await;
            drain(stream.into_inner().0, 64 << 10).await;
        });
        return;
    }
    // A fresh socket's send buffer is empty, so the few hundred bytes go at once.
    let _ = stream.try_write(answer.as_bytes());
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        drain(stream, 64 << 10).await;
    });
}

/// One of the connections an address may hold; given back when dropped.
struct AddressSlot {
    addresses: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl AddressSlot {
    fn take(
        addresses: &Arc<Mutex<HashMap<IpAddr, usize>>>,
        ip: IpAddr,
        most: usize,
    ) -> Option<AddressSlot> {
        let mut held = addresses.lock().unwrap_or_else(|e| e.into_inner());
        let count = held.entry(ip).or_insert(0);
        if *count >= most {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            addresses: addresses.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut held = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = held.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.ip);
            }
        }
    }
}

/// Serves one connection until it ends, its watchdog closes it, or the server stops.
async fn connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    limits: Arc<ServeLimits>,
    mut closing: watch::Receiver<bool>,
    _slots: (OwnedSemaphorePermit, AddressSlot),
    tls: Option<TlsAcceptor>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let watched = Watched {
        inner: stream,
        activity: activity.clone(),
    };
    let io = match tls {
        None => Io::Plain(watched),
        Some(tls) => {
            let handshake = tokio::time::timeout(limits.handshake_timeout, tls.accept(watched));
            let shaken = tokio::select! {
                shaken = handshake => shaken,
                _ = closing.changed() => return,
            };
            match shaken {
                Ok(Ok(stream)) => {
                    activity.handshaken();
                    Io::Tls(Box::new(stream))
                }
                // Too slow, or not TLS at all (plain HTTP to an HTTPS port, a scanner):
                // closed, with the slot it held.
                _ => return,
            }
        }
    };
    let io = TokioIo::new(io);
    let service = {
        let activity = activity.clone();
        let limits = limits.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let in_flight = InFlight::start(&activity);
            let mut request = request.map(|body| {
                Body::new(Timed {
                    inner: body,
                    gap: limits.body_gap,
                    deadline: limits.body_deadline,
                    timers: None,
                })
            });
            // The client's address, which limits its enrolment attempts.
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            let router = router.clone();
            // Boxed, so that the connection can be polled without shutting its socket.
            Box::pin(async move {
                let response = router.oneshot(request).await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    Body::new(Answer {
                        inner: body,
                        _in_flight: in_flight,
                    })
                }))
            })
        })
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    // The watchdog times headers (hyper's own timer would also count idle keep-alive time).
    http.header_read_timeout(None).max_buf_size(MAX_HEAD_BYTES);
    let mut connection = http.serve_connection(io, service);
    let mut stopping = false;
    loop {
        let check = match activity.overdue(&limits, Instant::now()) {
            Ok(check) => check,
            // Dropping the connection closes its socket and frees what it held.
            Err(()) => return,
        };
        tokio::select! {
            done = std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)) => {
                if done.is_ok() {
                    finish(connection.into_parts().io.into_inner()).await;
                }
                return;
            }
            _ = tokio::time::sleep_until(check) => {}
            _ = closing.changed(), if !stopping => {
                stopping = true;
                Pin::new(&mut connection).graceful_shutdown();
            }
        }
    }
}

/// Closes a connection after its last answer: over TLS, first says so (close_notify), then
/// drains the socket as `drain` does.
async fn finish(io: Io) {
    match io {
        Io::Plain(watched) => drain(watched.inner, 1 << 20).await,
        Io::Tls(mut stream) => {
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.shutdown()).await;
            drain(stream.into_inner().0.inner, 1 << 20).await;
        }
    }
}

/// Closes a connection after its last answer, first reading (and dropping) for a moment what
/// the client still sends, up to `most` bytes: a socket closed with bytes unread resets the
/// connection, and the client may lose the answer (a 413 or 408 for a body not read to
/// its end). A client that closed its side already ends this at once.
async fn drain(stream: TcpStream, most: usize) {
    let Ok(stream) = stream.into_std() else {
        return;
    };
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let Ok(stream) = TcpStream::from_std(stream) else {
        return;
    };
    let mut buffer = [0u8; 8192];
    let mut left = most;
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while left > 0 {
            if stream.readable().await.is_err() {
                return;
            }
            match stream.try_read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => left = left.saturating_sub(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    })
    .await;
}

/// What a connection did last, in milliseconds since it was accepted; 0 is "never" for the
/// moments kept as `1 + ms`.
struct Activity {
    accepted: Instant,
    in_flight: AtomicUsize,
    /// When the last request's answer ended (or the connection was accepted).
    idle_since: AtomicU64,
    /// When a byte last came in or went out: an answer's last bytes may still be leaving
    /// (slowly, to a phone on 2G) after hyper has taken all of it from its request.
    last_io: AtomicU64,
    /// 1 + when the first byte of the next request's head arrived.
    head_started: AtomicU64,
    /// 1 + when a write first found the socket full (cleared when one goes through).
    send_blocked: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            accepted: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            last_io: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            send_blocked: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        self.accepted.elapsed().as_millis() as u64
    }

    /// The TLS handshake is over: its bytes were no request's head, and the connection is
    /// idle from now.
    fn handshaken(&self) {
        self.idle_since.store(self.now(), Ordering::Release);
        self.head_started.store(0, Ordering::Release);
    }

    fn read(&self) {
        let now = self.now();
        self.last_io.fetch_max(now, Ordering::AcqRel);
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let _ =
                self.head_started
                    .compare_exchange(0, now + 1, Ordering::AcqRel, Ordering::Relaxed);
        }
    }

    fn wrote(&self, polled: &Poll<std::io::Result<usize>>) {
        match polled {
            Poll::Pending => {
                let now = self.now() + 1;
                let _ =
                    self.send_blocked
                        .compare_exchange(0, now, Ordering::AcqRel, Ordering::Relaxed);
            }
            Poll::Ready(Ok(n)) if *n > 0 => {
                self.last_io.fetch_max(self.now(), Ordering::AcqRel);
                self.send_blocked.store(0, Ordering::Release);
            }
            Poll::Ready(_) => {}
        }
    }

    /// When to look again, or `Err` when the connection is over a limit and must close.
    /// Every change of state sets a deadline at least the shortest limit away, so looking
    /// at least that often (when no deadline is known) is never late by more than that.
    fn overdue(&self, limits: &ServeLimits, now: Instant) -> Result<Instant, ()> {
        let at = |ms: u64| self.accepted + Duration::from_millis(ms);
        let shortest = limits
            .header_timeout
            .min(limits.idle_timeout)
            .min(limits.send_stall);
        let mut first = now + shortest;
        let blocked = self.send_blocked.load(Ordering::Acquire);
        if blocked != 0 {
            first = first.min(at(blocked - 1) + limits.send_stall);
        }
        if self.in_flight.load(Ordering::Acquire) == 0 {
            let head = self.head_started.load(Ordering::Acquire);
            first = first.min(if head != 0 {
                at(head - 1) + limits.header_timeout
            } else {
                let quiet = self
                    .idle_since
                    .load(Ordering::Acquire)
                    .max(self.last_io.load(Ordering::Acquire));
                at(quiet) + limits.idle_timeout
            });
        }
        if first <= now { Err(()) } else { Ok(first) }
    }
}

/// A request from its head until its answer has been handed to the socket (or dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.head_started.store(0, Ordering::Release);
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let activity = &self.0;
        activity.idle_since.store(activity.now(), Ordering::Release);
        activity.head_started.store(0, Ordering::Release);
        activity.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The connection's socket, noting reads and blocked writes in its `Activity`.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.activity.wrote(&polled);
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.activity.wrote(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A connection's stream: the socket itself, or TLS over it.
enum Io {
    Plain(Watched),
    Tls(Box<tokio_rustls::server::TlsStream<Watched>>),
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(io) => Pin::new(io).poll_read(cx, buf),
            Io::Tls(io) => Pin::new(io.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(io) => Pin::new(io).poll_write(cx, buf),
            Io::Tls(io) => Pin::new(io.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Io::Plain(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Io::Tls(io) => Pin::new(io.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Io::Plain(io) => io.is_write_vectored(),
            Io::Tls(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(io) => Pin::new(io).poll_flush(cx),
            Io::Tls(io) => Pin::new(io.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Io::Plain(io) => Pin::new(io).poll_shutdown(cx),
            Io::Tls(io) => Pin::new(io.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A request body that fails when nothing of it arrives for `gap`, or all of it has not
/// arrived by `deadline`. The timers start when the body is first read.
struct Timed {
    inner: Incoming,
    gap: Duration,
    deadline: Duration,
    timers: Option<Timers>,
}

/// A body's two timers: since its last bytes, and since it was first read.
struct Timers {
    quiet: Pin<Box<Sleep>>,
    overall: Pin<Box<Sleep>>,
}

impl http_body::Body for Timed {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let (gap, deadline) = (this.gap, this.deadline);
        let Timers { quiet, overall } = this.timers.get_or_insert_with(|| {
            let now = Instant::now();
            Timers {
                quiet: Box::pin(tokio::time::sleep_until(now + gap)),
                overall: Box::pin(tokio::time::sleep_until(now + deadline)),
            }
        });
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                quiet.as_mut().reset(Instant::now() + gap);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                if overall.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(BodyCut::TooSlow { deadline }))));
                }
                if quiet.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(BodyCut::Stalled { gap }))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// An answer's body, ending its request's time in flight when it is done or dropped.
struct Answer {
    inner: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
