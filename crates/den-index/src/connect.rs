//! Connecting once per host. An install starts dozens of requests at the same moment, before
//! any connection exists; left alone, each would look the host up in DNS and open its own
//! connection and TLS session, and some resolvers drop part of such a burst (glibc then waits
//! its 5 s timeout). So each host is looked up once per process ([`SharedResolver`], concurrent
//! callers await the one lookup), and the first request to a host goes alone
//! ([`HostGates::send`]) so the ones after it share its connection (HTTP/2 multiplexing, or
//! keep-alive reuse).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::OnceCell;
use url::Url;

/// Addresses of one host, looked up once.
type Lookup = Arc<OnceCell<Vec<SocketAddr>>>;

/// A DNS resolver for reqwest that asks the system resolver (`getaddrinfo`, through tokio)
/// once per host name and shares the answer for the life of the process. A failed lookup is
/// not remembered, so a retry looks up again.
#[derive(Debug, Default)]
pub(crate) struct SharedResolver {
    lookups: Mutex<HashMap<String, Lookup>>,
}

impl Resolve for SharedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let lookup = {
            let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
            lookups.entry(host.clone()).or_default().clone()
        };
        Box::pin(async move {
            let addresses = lookup
                .get_or_try_init(|| async {
                    let found: Vec<SocketAddr> =
                        tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                    std::io::Result::Ok(found)
                })
                .await?;
            let addresses: Addrs = Box::new(addresses.clone().into_iter());
            Ok(addresses)
        })
    }
}

/// Whether a host has answered a request yet, and the lock its first request holds.
#[derive(Debug, Default)]
struct Gate {
    open: AtomicBool,
    first: tokio::sync::Mutex<()>,
}

/// One [`Gate`] per `host:port`.
#[derive(Debug, Default)]
pub(crate) struct HostGates {
    gates: Mutex<HashMap<String, Arc<Gate>>>,
}

impl HostGates {
    /// Sends `request` (for `url`): at once when the host has answered before; otherwise the
    /// first request to the host goes alone and the others wait until it has an answer (or
    /// failed, when the next one tries).
    pub(crate) async fn send(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
    ) -> reqwest::Result<reqwest::Response> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
            gates.entry(key).or_default().clone()
        };
        if gate.open.load(Ordering::Acquire) {
            return request.send().await;
        }
        let _first = gate.first.lock().await;
        if gate.open.load(Ordering::Acquire) {
            drop(_first);
            return request.send().await;
        }
        let response = request.send().await;
        if response.is_ok() {
            gate.open.store(true, Ordering::Release);
        }
        response
    }
}
