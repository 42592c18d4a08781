//! The ceiling on how much an archive (a wheel, an sdist) may unpack to: a zip bomb or a
//! tar bomb is refused with an error naming the archive instead of filling the disk.

/// The environment variable that sets the ceiling, in bytes, optionally with a binary suffix:
/// `K`, `M`, `G`, `T` (or `KiB`, `MiB`, `GiB`, `TiB`; powers of 1024), e.g. `16G`.
pub const MAX_UNPACKED_SIZE_VAR: &str = "DEN_MAX_UNPACKED_SIZE";

/// The default ceiling: 8 GiB. The largest wheels on PyPI (CUDA builds of PyTorch, NVIDIA's
/// libraries) unpack to 2-4 GiB; twice that leaves room to grow while a bomb still stops long
/// before a disk fills.
pub const DEFAULT_MAX_UNPACKED_SIZE: u64 = 8 << 30;

/// `DEN_MAX_UNPACKED_SIZE` does not hold a size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{MAX_UNPACKED_SIZE_VAR}=`{value}` is not a size: give a number of bytes, optionally with \
     K, M, G or T (powers of 1024), e.g. {MAX_UNPACKED_SIZE_VAR}=16G"
)]
pub struct UnpackLimitError {
    /// The value found (control characters escaped).
    pub value: String,
}

/// The ceiling on the total unpacked size of one archive: `DEN_MAX_UNPACKED_SIZE` when set
/// and not empty, else [`DEFAULT_MAX_UNPACKED_SIZE`].
///
/// Errors: the variable is set to something that is not a size ([`parse_size`]).
pub fn max_unpacked_size() -> Result<u64, UnpackLimitError> {
    match std::env::var_os(MAX_UNPACKED_SIZE_VAR) {
        Some(value) if !value.is_empty() => {
            let text = value.to_string_lossy();
            parse_size(&text).ok_or_else(|| UnpackLimitError {
                value: crate::escape_controls(&text).into_owned(),
            })
        }
        _ => Ok(DEFAULT_MAX_UNPACKED_SIZE),
    }
}

/// A size in bytes: digits, then optionally `K`, `M`, `G` or `T` with an optional `iB` or `B`
/// (case-insensitive, all powers of 1024), spaces around ignored. `None` for anything else
/// or a value that overflows `u64`.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 {
        return None;
    }
    let number: u64 = text[..digits].parse().ok()?;
    let unit = text[digits..].trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    number.checked_mul(1u64 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size(" 16G "), Some(16 << 30));
        assert_eq!(parse_size("3 MiB"), Some(3 << 20));
        assert_eq!(parse_size("2kb"), Some(2048));
        assert_eq!(parse_size("1t"), Some(1 << 40));
        for bad in ["", "G", "-1", "1.5G", "12Q", "99999999999T", "1 G G"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }
}
