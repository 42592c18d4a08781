//! pip 26's `--uploaded-prior-to`: [`UploadedPriorTo`], the cutoff, read as pip reads it,
//! and the rule deciding which files it leaves.
//!
//! The times compared are the PEP 700 `upload-time` of each file on a PEP 691 JSON page
//! (HTML pages carry none), at microsecond precision as Python's `datetime` holds them. As in
//! pip's `LinkEvaluator`: a file uploaded at or after the cutoff is no candidate, a file whose
//! URL is a `file:` URL (a local find-links directory or file, a local index) is kept without
//! looking, and any other file without an upload time is an error
//! ([`IndexError::NoUploadTime`]), never silently kept or dropped.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::TimeZone;

use crate::{IndexError, IndexFile};

/// The cutoff of pip's `--uploaded-prior-to`: only files uploaded strictly before this
/// instant are candidates.
///
/// Read ([`FromStr`]) as pip 26 reads the option: `P<n>D` (ASCII digits) is `n` days of 24
/// hours before now; anything else is an ISO 8601 date or date and time as Python's
/// `datetime.fromisoformat` takes it (`2023-01-01`, `2023-01-01T12:30`, `2023-01-01
/// 12:30:45.5+02:00`, `...Z`), read in the local time zone (`TZ`, else the system's) when
/// it names no offset. Kept to Python's microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UploadedPriorTo {
    /// The instant.
    instant: Timestamp,
    /// `n` when it was given as `P<n>D` (days before the time it was read).
    days: Option<i64>,
}

impl UploadedPriorTo {
    /// The cutoff at `instant` (truncated to microseconds).
    pub fn at(instant: Timestamp) -> Self {
        Self {
            instant: micros(instant),
            days: None,
        }
    }

    /// The instant.
    pub fn instant(self) -> Timestamp {
        self.instant
    }

    /// What identifies the cutoff for something kept and reused under it (den's build
    /// environments): `P<n>D` as given, since what it admitted when the thing was made it
    /// admits at every later time (its instant only moves forward), else the instant
    /// (`2023-01-01T00:00:00Z`).
    pub fn key(self) -> String {
        match self.days {
            Some(days) => format!("P{days}D"),
            None => self.instant.to_string(),
        }
    }

    /// Whether a file with this upload time is a candidate, as pip's `LinkEvaluator` decides:
    /// `Some(true)` when uploaded before the cutoff (or `url` is a `file:` URL, which the
    /// option does not concern), `Some(false)` when uploaded at or after it, `None` when the
    /// index gave no upload time.
    pub fn admits(self, url: &str, upload_time: Option<Timestamp>) -> Option<bool> {
        if is_file_url(url) {
            return Some(true);
        }
        upload_time.map(|uploaded| micros(uploaded) < self.instant)
    }

    /// Keeps the files of `files` this cutoff admits ([`UploadedPriorTo::admits`]).
    ///
    /// Errors: [`IndexError::NoUploadTime`] naming where the first file without an upload
    /// time was listed (`location` of it: a page's URL, a find-links location).
    pub fn retain(
        self,
        files: &mut Vec<IndexFile>,
        location: impl Fn(&IndexFile) -> String,
    ) -> Result<(), IndexError> {
        let mut missing = None;
        files.retain(|file| match self.admits(file.url_str(), file.upload_time) {
            Some(admitted) => admitted,
            None => {
                missing.get_or_insert_with(|| location(file));
                false
            }
        });
        match missing {
            Some(location) => Err(IndexError::NoUploadTime { location }),
            None => Ok(()),
        }
    }
}

/// Whether `url` is a `file:` URL (pip's `Link.is_file`: the scheme, any case).
fn is_file_url(url: &str) -> bool {
    url.get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("file:"))
}

/// `instant` truncated to whole microseconds (Python's `datetime` precision).
fn micros(instant: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(instant.as_microsecond()).unwrap_or(instant)
}

/// Why a value is not a cutoff, in pip's words: what is wrong, then the forms accepted
/// (`Invalid isoformat string: 'x'. Expected an ISO 8601 datetime string ...`); the value
/// itself is [`InvalidCutoff::value`], which pip's message puts before it (as clap does with
/// the value it was given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCutoff {
    value: String,
    reason: String,
}

impl InvalidCutoff {
    /// The value refused.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for InvalidCutoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}. Expected an ISO 8601 datetime string (e.g., '2023-01-01' or \
             '2023-01-01T00:00:00Z') or a duration in days (e.g., 'P3D')",
            self.reason
        )
    }
}

impl std::error::Error for InvalidCutoff {}

impl FromStr for UploadedPriorTo {
    type Err = InvalidCutoff;

    /// Errors: [`InvalidCutoff`], with pip's wording, for a value that is neither `P<n>D`
    /// nor an ISO 8601 date(-time), or a day count too large.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: String| InvalidCutoff {
            value: value.to_string(),
            reason,
        };
        if let Some(days) = value
            .strip_prefix('P')
            .and_then(|rest| rest.strip_suffix('D'))
            .filter(|days| !days.is_empty() && days.bytes().all(|b| b.is_ascii_digit()))
        {
            let too_large = || invalid(format!("{days} days is too large a duration"));
            let days: i64 = days.parse().map_err(|_| too_large())?;
            let seconds = days.checked_mul(86_400).ok_or_else(too_large)?;
            let before = Timestamp::now()
                .checked_sub(jiff::SignedDuration::from_secs(seconds))
                .map_err(|_| too_large())?;
            return Ok(Self {
                days: Some(days),
                ..Self::at(before)
            });
        }
        let pieces = Pieces::parse(value)
            .map_err(|_| invalid(format!("Invalid isoformat string: '{value}'")))?;
        // Python's reader knows no `[zone]` annotations (RFC 9557).
        if pieces.time_zone_annotation().is_some() {
            return Err(invalid(format!("Invalid isoformat string: '{value}'")));
        }
        let civil = pieces.date().to_datetime(pieces.time().unwrap_or_default());
        let zone = match pieces.offset() {
            Some(PiecesOffset::Zulu) => TimeZone::UTC,
            Some(PiecesOffset::Numeric(numeric)) => TimeZone::fixed(numeric.offset()),
            // No offset: local time, as Python's `astimezone()` reads a naive datetime.
            Some(_) | None => TimeZone::system(),
        };
        let instant = zone
            .to_timestamp(civil)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(Self::at(instant))
    }
}

impl fmt::Display for UploadedPriorTo {
    /// RFC 3339 in UTC (`2023-01-01T00:00:00Z`), which reads back as the same cutoff.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.instant.fmt(f)
    }
}

/// A PEP 700 `upload-time` as an index gives it (`2023-01-01T12:30:45.123456Z`); `None`
/// when it is not an RFC 3339 instant with an offset (logged).
pub(crate) fn parse_upload_time(text: &str) -> Option<Timestamp> {
    text.trim()
        .parse::<Timestamp>()
        .inspect_err(|e| tracing::debug!("ignoring the upload-time `{text}`: {e}"))
        .ok()
        .map(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cutoff(text: &str) -> Result<UploadedPriorTo, InvalidCutoff> {
        text.parse()
    }

    #[test]
    fn reads_pips_forms() {
        let utc = |text: &str| cutoff(text).unwrap().to_string();
        assert_eq!(utc("2023-01-01T00:00:00Z"), "2023-01-01T00:00:00Z");
        assert_eq!(utc("2023-01-01T02:00:00+02:00"), "2023-01-01T00:00:00Z");
        assert_eq!(
            utc("2023-01-01 00:00:00.1234567Z"),
            "2023-01-01T00:00:00.123456Z"
        );
        assert_eq!(utc("20230101T000000Z"), "2023-01-01T00:00:00Z");
        let days = cutoff("P3D").unwrap().instant();
        let expected = Timestamp::now() - jiff::SignedDuration::from_hours(72);
        assert!((expected - days).abs() < jiff::SignedDuration::from_secs(5));
        assert!(cutoff("P0D").is_ok());
        // A relative cutoff is identified by its rule, an absolute one by its instant.
        assert_eq!(cutoff("P3D").unwrap().key(), "P3D");
        assert_eq!(
            cutoff("2023-01-01T02:00:00+02:00").unwrap().key(),
            "2023-01-01T00:00:00Z"
        );
    }

    #[test]
    fn a_value_without_offset_is_local_time() {
        let naive = cutoff("2023-06-01T12:00:00").unwrap().instant();
        let local = TimeZone::system()
            .to_timestamp(jiff::civil::date(2023, 6, 1).at(12, 0, 0, 0))
            .unwrap();
        assert_eq!(naive, local);
        let date = cutoff("2023-06-01").unwrap().instant();
        assert_eq!(naive - date, jiff::SignedDuration::from_hours(12));
    }

    #[test]
    fn refuses_what_pip_refuses_in_its_words() {
        for bad in [
            "nonsense",
            "2023-13-01",
            "P3X",
            "PD",
            "P-1D",
            "P3W",
            "",
            "2023-01-01T00:00Z[UTC]",
        ] {
            let err = cutoff(bad).unwrap_err();
            assert_eq!(err.value(), bad);
            let err = err.to_string();
            assert!(
                err.ends_with("or a duration in days (e.g., 'P3D')"),
                "{err}"
            );
        }
        let err = cutoff("nonsense").unwrap_err().to_string();
        assert!(
            err.starts_with("Invalid isoformat string: 'nonsense'. Expected an ISO 8601"),
            "{err}"
        );
        assert!(cutoff("P99999999999999999999D").is_err());
    }

    #[test]
    fn keeps_files_uploaded_before_and_local_files() {
        let at = cutoff("2024-01-01T00:00:00Z").unwrap();
        let time = |text: &str| parse_upload_time(text);
        let url = "https://files.example/x-1.0.tar.gz";
        assert_eq!(
            at.admits(url, time("2023-12-31T23:59:59.999999Z")),
            Some(true)
        );
        assert_eq!(at.admits(url, time("2024-01-01T00:00:00Z")), Some(false));
        assert_eq!(
            at.admits(url, time("2024-01-01T00:00:00.0000001Z")),
            Some(false)
        );
        assert_eq!(at.admits(url, None), None);
        assert_eq!(at.admits("FILE:///wheels/x-1.0.tar.gz", None), Some(true));
        assert_eq!(time("2024-01-01T00:00:00"), None);
    }
}
