//! A minimal threaded HTTP/1.1 server on loopback, plain or over TLS: one thread accepts, one
//! thread per connection handles keep-alive requests in turn. [`crate::TestIndex`] runs on it;
//! tests that need full control over status lines and headers give it their own handler.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// One parsed request: method, path (with query), headers with lowercase names.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `HEAD`, ...
    pub method: String,
    /// The request target as sent, query included (`/simple/demo/?x=1`).
    pub path: String,
    /// `(lowercase name, value)` in the order sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response to write back: the server adds `Content-Length` (and `Connection: close` when
/// the client asked for it) and leaves the body out for `HEAD`.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code; the reason phrase comes from it.
    pub status: u16,
    /// Headers as written, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When set, only this many bytes of the body are sent before the connection is closed
    /// (`Content-Length` still gives the whole body's): a connection lost mid-transfer.
    pub cut_after: Option<usize>,
}

impl Response {
    /// A response with status `status`, a `Content-Type` and `body`.
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            cut_after: None,
        }
    }

    /// A `text/plain` (UTF-8) response.
    pub fn text(status: u16, body: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", body)
    }

    /// The response with one more header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        304 => "Not Modified",
        401 => "Unauthorized",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// A server answering every request with a handler, on `127.0.0.1` and a free port; it
/// stops accepting when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    scheme: &'static str,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// What answers a request.
pub type Handler = dyn Fn(&Request) -> Response + Send + Sync;

impl HttpServer {
    /// Serves plain HTTP with `handler`.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound or no thread started.
    pub fn start(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> Self {
        Self::with_handler(Arc::new(handler), None)
    }

    /// Serves HTTPS with `handler`, presenting the certificate chain of the PEM file `cert`
    /// with the private key of the PEM file `key`. A client that refuses the certificate just
    /// sees the connection end.
    ///
    /// # Panics
    ///
    /// When either file cannot be read or parsed, or as [`HttpServer::start`].
    pub fn start_tls(
        handler: impl Fn(&Request) -> Response + Send + Sync + 'static,
        cert: &Path,
        key: &Path,
    ) -> Self {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .unwrap_or_else(|e| panic!("cannot read the certificates in {}: {e}", cert.display()));
        let key = PrivateKeyDer::from_pem_file(key)
            .unwrap_or_else(|e| panic!("cannot read the private key in {}: {e}", key.display()));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(certs, key))
        .unwrap_or_else(|e| panic!("cannot configure TLS with {}: {e}", cert.display()));
        Self::with_handler(Arc::new(handler), Some(Arc::new(config)))
    }

    fn with_handler(handler: Arc<Handler>, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener =
            TcpListener::bind("127.0.0.1:0").expect("binding a loopback port for a test server");
        let addr = listener
            .local_addr()
            .expect("the address of a bound loopback listener");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let accept = std::thread::Builder::new()
            .name("test-server-accept".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stop_flag.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = handler.clone();
                    let stop = stop_flag.clone();
                    let tls = tls.clone();
                    // A failed spawn drops the connection; the client sees a reset.
                    let _ = std::thread::Builder::new()
                        .name("test-server-conn".into())
                        .spawn(move || accept_connection(stream, tls, &*handler, &stop));
                }
            })
            .expect("starting a test server's accept thread");
        Self {
            addr,
            scheme,
            stop,
            accept: Some(accept),
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's base URL, `http://127.0.0.1:<port>` (`https://` over TLS), no trailing
    /// slash.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

/// A loopback address nothing listens on (a port bound, then released): connecting to it is
/// refused, for tests of unreachable servers.
///
/// # Panics
///
/// When no loopback port can be bound.
pub fn refused_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("binding a loopback port")
}

fn accept_connection(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    handler: &Handler,
    stop: &AtomicBool,
) {
    // Idle keep-alive connections wake up periodically to notice the server stopped.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(250)));
    match tls {
        None => serve_connection(stream, handler, stop),
        Some(config) => {
            let Ok(connection) = rustls::ServerConnection::new(config) else {
                return;
            };
            serve_connection(rustls::StreamOwned::new(connection, stream), handler, stop);
        }
    }
}

fn serve_connection(stream: impl Read + Write, handler: &Handler, stop: &AtomicBool) {
    let mut reader = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut reader, stop) else {
            return;
        };
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let response = handler(&request);
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            response.status,
            reason(response.status)
        );
        for (name, value) in &response.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if request.method != "HEAD" {
            let sent = response.cut_after.unwrap_or(usize::MAX);
            out.extend_from_slice(&response.body[..sent.min(response.body.len())]);
        }
        let writer = reader.get_mut();
        if writer
            .write_all(&out)
            .and_then(|()| writer.flush())
            .is_err()
            || close
            || response.cut_after.is_some()
        {
            return;
        }
    }
}

/// Reads one request head (and discards any body); `None` at end of stream, on a malformed
/// request or a failed TLS handshake, or once the server stops while the connection is idle.
fn read_request(reader: &mut impl BufRead, stop: &AtomicBool) -> Option<Request> {
    let mut lines = Vec::new();
    let mut line = String::new();
    loop {
        // A read that times out mid-line keeps what it read in `line`: clear only after a
        // whole line.
        match reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::SeqCst) {
                    return None;
                }
                continue;
            }
            Err(_) => return None,
        }
        let trimmed = line.trim_end_matches(['\r', '\n']).to_string();
        line.clear();
        if trimmed.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        lines.push(trimmed);
    }
    let mut first = lines.first()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let request = Request {
        method,
        path,
        headers,
    };
    if let Some(length) = request
        .header("content-length")
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::io::copy(&mut reader.take(length), &mut std::io::sink()).ok()?;
    }
    Some(request)
}
