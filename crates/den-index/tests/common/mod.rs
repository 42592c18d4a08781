//! A tiny loopback HTTP server for tests that need full control over response headers.

use std::io::{BufRead, BufReader, Write};
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
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handler = handler.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
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
                let _ = stream.write_all(&out);
            });
        }
    });
    base
}
