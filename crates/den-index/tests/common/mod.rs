//! A tiny loopback HTTP server for tests that need full control over response headers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

/// One request: path and lowercase-named headers.
pub struct Request {
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header named `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response: status line text (`200 OK`), extra headers, body.
pub struct Response {
    pub status: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Serves every request on `127.0.0.1:<port>` with `handler` (one connection per request,
/// `Connection: close`), on a background thread that lives as long as the test process.
/// Returns `http://127.0.0.1:<port>`.
pub fn serve(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> String {
    let (listener, address) = bind();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handler = handler.clone();
            std::thread::spawn(move || answer(stream, &*handler));
        }
    });
    format!("http://{address}")
}

/// Like [`serve`] over TLS with the self-signed certificate of `tests/data/cert.pem` (for
/// `127.0.0.1`, made for these tests only). Returns `https://127.0.0.1:<port>`.
pub fn serve_tls(handler: impl Fn(&Request) -> Response + Send + Sync + 'static) -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let certs = CertificateDer::pem_file_iter(data.join("cert.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(data.join("key.pem")).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let (listener, address) = bind();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (handler, config) = (handler.clone(), config.clone());
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                answer(rustls::StreamOwned::new(connection, stream), &*handler);
            });
        }
    });
    format!("https://{address}")
}

fn bind() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    (listener, address)
}

/// Reads one request from `stream` and writes `handler`'s response. A failed handshake (the
/// client refused the certificate) just ends the connection.
fn answer(stream: impl Read + Write, handler: &(impl Fn(&Request) -> Response + ?Sized)) {
    let mut reader = BufReader::new(stream);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        lines.push(line.trim().to_string());
    }
    let Some(first) = lines.first() else { return };
    let request = Request {
        path: first.split_whitespace().nth(1).unwrap_or("/").to_string(),
        headers: lines[1..]
            .iter()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect(),
    };
    let response = handler(&request);
    let mut head = format!("HTTP/1.1 {}\r\n", response.status);
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let mut out = head.into_bytes();
    out.extend_from_slice(&response.body);
    let stream = reader.get_mut();
    let _ = stream.write_all(&out).and_then(|()| stream.flush());
}
