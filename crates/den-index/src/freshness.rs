//! HTTP caching of index pages (RFC 9111 "HTTP Caching"): how long a stored response stays
//! fresh, from `Cache-Control`, `Age`, `Expires` and `Date`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{self, HeaderMap};

/// How long a page stays fresh when the server says nothing about it (no `Cache-Control:
/// max-age`/`no-cache`/`no-store`, no `Expires`): 10 minutes, what PyPI itself sends
/// (`max-age=600`). This is den's heuristic freshness (RFC 9111 §4.2.2); within it a cached
/// page is used without any request.
pub const DEFAULT_FRESHNESS: Duration = Duration::from_secs(600);

/// The seconds since the Unix epoch now (0 if the clock is before 1970).
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What a response says about storing it (RFC 9111 §3, §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    /// `Cache-Control: no-store`: do not keep the response.
    NoStore,
    /// Keep it: it was generated at `generated` (Unix seconds, the receipt time minus `Age`)
    /// and is fresh for `lifetime` seconds after that (0: revalidate before every use).
    Store { generated: u64, lifetime: u64 },
}

/// The storage rule of a response with `headers`, received at `received` (Unix seconds).
///
/// Freshness lifetime (RFC 9111 §4.2.1): `no-cache` gives 0; else `max-age`; else
/// `Expires` minus `Date` (or minus `received` without a valid `Date`), where an invalid
/// `Expires` (such as `0`) is in the past (§5.3); else [`DEFAULT_FRESHNESS`]. A malformed
/// `max-age` counts as 0 (stale), erring towards revalidation. The age at receipt is `Age`
/// (§5.1); our own response delay is ignored (requests take well under a second).
pub(crate) fn storage(headers: &HeaderMap, received: u64) -> Storage {
    let mut no_cache = false;
    let mut max_age: Option<u64> = None;
    for value in headers.get_all(header::CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let (name, argument) = match directive.split_once('=') {
                Some((name, argument)) => (name.trim(), Some(argument.trim().trim_matches('"'))),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("no-store") {
                return Storage::NoStore;
            } else if name.eq_ignore_ascii_case("no-cache") {
                no_cache = true;
            } else if name.eq_ignore_ascii_case("max-age") {
                // The first max-age wins (RFC 9111 §4.2.1: duplicates are invalid).
                max_age.get_or_insert(argument.and_then(|a| a.parse().ok()).unwrap_or(0));
            }
        }
    }
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let age = text(header::AGE)
        .and_then(|a| a.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let lifetime = if no_cache {
        0
    } else if let Some(max_age) = max_age {
        max_age
    } else if let Some(expires) = text(header::EXPIRES) {
        let date = text(header::DATE)
            .and_then(parse_http_date)
            .unwrap_or(received);
        parse_http_date(expires).map_or(0, |expires| expires.saturating_sub(date))
    } else {
        DEFAULT_FRESHNESS.as_secs()
    };
    Storage::Store {
        generated: received.saturating_sub(age),
        lifetime,
    }
}

/// Whether a response generated at `generated` with `lifetime` (both seconds) is still fresh
/// at `now` (RFC 9111 §4.2: current age below the freshness lifetime). A `generated` in the
/// future (the clock went back) counts as stale.
pub(crate) fn is_fresh(generated: u64, lifetime: u64, now: u64) -> bool {
    now.checked_sub(generated).is_some_and(|age| age < lifetime)
}

/// Parses an HTTP date (RFC 9110 §5.6.7: the IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`
/// and, as recipients must, the obsolete RFC 850 and asctime forms; the `httpdate` crate) into
/// Unix seconds. `None` for anything else, including a weekday that does not match the date,
/// which for `Expires` means "already expired": a safe reading.
pub(crate) fn parse_http_date(text: &str) -> Option<u64> {
    let time = httpdate::parse_http_date(text.trim()).ok()?;
    Some(time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn parses_imf_fixdates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Thu, 29 Feb 2024 00:00:00 GMT"),
            Some(1_709_164_800)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        // The obsolete forms RFC 9110 §5.6.7 has recipients accept (pip's cache reads them
        // with `email.utils.parsedate_tz`).
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date("Sun Nov  6 08:49:37 1994"),
            Some(784_111_777)
        );
        // As a real server sends it (PyPI's CDN, `Expires` and `Date`).
        assert_eq!(
            parse_http_date("Sat, 05 Dec 2026 09:10:42 GMT"),
            Some(1_796_461_842)
        );
        for bad in [
            "0",
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Thu, 06 Nov 1969 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn computes_lifetimes() {
        use header::{AGE, CACHE_CONTROL, DATE, EXPIRES};
        let store = |generated, lifetime| Storage::Store {
            generated,
            lifetime,
        };
        let now = 1_000_000;
        assert_eq!(
            storage(&headers(&[(CACHE_CONTROL, "public, max-age=600")]), now),
            store(now, 600)
        );
        assert_eq!(
            storage(
                &headers(&[(CACHE_CONTROL, "max-age=\"60\""), (AGE, "20")]),
                now
            ),
            store(now - 20, 60)
        );
        assert_eq!(
            storage(&headers(&[(CACHE_CONTROL, "max-age=600, No-Cache")]), now),
            store(now, 0)
        );
        assert_eq!(
            storage(
                &headers(&[(CACHE_CONTROL, "max-age=600"), (CACHE_CONTROL, "no-store")]),
                now
            ),
            Storage::NoStore
        );
        assert_eq!(
            storage(&headers(&[(CACHE_CONTROL, "max-age=soon")]), now),
            store(now, 0)
        );
        assert_eq!(
            storage(
                &headers(&[
                    (DATE, "Sun, 06 Nov 1994 08:49:37 GMT"),
                    (EXPIRES, "Sun, 06 Nov 1994 09:49:37 GMT")
                ]),
                now
            ),
            store(now, 3600)
        );
        assert_eq!(storage(&headers(&[(EXPIRES, "0")]), now), store(now, 0));
        assert_eq!(
            storage(&HeaderMap::new(), now),
            store(now, DEFAULT_FRESHNESS.as_secs())
        );
    }

    #[test]
    fn judges_freshness() {
        assert!(is_fresh(100, 600, 699));
        assert!(!is_fresh(100, 600, 700));
        assert!(!is_fresh(100, 0, 100));
        assert!(!is_fresh(800, 600, 700));
    }
}
