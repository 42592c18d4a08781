//! File hashes as indexes (PEP 503 `#sha256=...` fragments, PEP 691 `hashes` maps) and wheel
//! RECORD files (PEP 376 / PEP 427: `sha256=<urlsafe-base64-nopad>`) write them.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::Digest;

/// A hash algorithm den can verify. Indexes also publish md5 and others; those are ignored.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    /// SHA-256, the algorithm of PyPI and of wheel RECORDs.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The lowercase name used in URLs and RECORD (`sha256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
}

impl FromStr for HashAlgorithm {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, HashError> {
        [Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|algorithm| algorithm.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                HashError(format!(
                    "unsupported hash algorithm `{}`",
                    s.to_ascii_lowercase()
                ))
            })
    }
}

/// A hash string that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HashError(String);

/// An expected digest: algorithm and lowercase hex value, written `sha256=<hex>`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct HashDigest {
    /// The algorithm.
    pub algorithm: HashAlgorithm,
    /// Lowercase hexadecimal digest.
    pub hex: String,
}

impl HashDigest {
    /// Builds a digest from an algorithm name and hex value, as found in PEP 691 `hashes`.
    pub fn new(algorithm: &str, hex: &str) -> Result<Self, HashError> {
        let algorithm = algorithm.parse()?;
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HashError(format!("`{hex}` is not a hexadecimal digest")));
        }
        Ok(Self {
            algorithm,
            hex: hex.to_ascii_lowercase(),
        })
    }
}

impl FromStr for HashDigest {
    type Err = HashError;
    /// Parses `sha256=<hex>` (PEP 503 URL fragment) or `sha256:<hex>` (pip's `--hash`).
    fn from_str(s: &str) -> Result<Self, HashError> {
        let (algorithm, hex) = s
            .split_once(['=', ':'])
            .ok_or_else(|| HashError(format!("`{s}` is not of the form algorithm=hexdigest")))?;
        Self::new(algorithm, hex)
    }
}

impl fmt::Display for HashDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.algorithm.as_str(), self.hex)
    }
}

/// An incremental hasher for one algorithm; feed it bytes, then compare with [`HashDigest`]s.
pub enum Hasher {
    /// SHA-256 state.
    Sha256(sha2::Sha256),
    /// SHA-384 state.
    Sha384(sha2::Sha384),
    /// SHA-512 state.
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh hasher for `algorithm`.
    pub fn new(algorithm: HashAlgorithm) -> Self {
        match algorithm {
            HashAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha384 => Self::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha512 => Self::Sha512(sha2::Sha512::new()),
        }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(bytes),
            Self::Sha384(h) => h.update(bytes),
            Self::Sha512(h) => h.update(bytes),
        }
    }

    /// The raw digest bytes.
    pub fn finalize_bytes(self) -> Vec<u8> {
        match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }

    /// The digest as a [`HashDigest`] (lowercase hex).
    pub fn finalize(self) -> HashDigest {
        let algorithm = match &self {
            Self::Sha256(_) => HashAlgorithm::Sha256,
            Self::Sha384(_) => HashAlgorithm::Sha384,
            Self::Sha512(_) => HashAlgorithm::Sha512,
        };
        let hex = self
            .finalize_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        HashDigest { algorithm, hex }
    }
}

/// Feeding a hasher as a byte sink, so a file streams into it with `std::io::copy` instead of
/// being read into memory whole. Never fails.
impl std::io::Write for Hasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The RECORD form of a SHA-256 digest of `bytes`: `sha256=<urlsafe base64, no padding>`
/// (PEP 376 §RECORD, PEP 427 §The .dist-info directory).
pub fn record_hash(bytes: &[u8]) -> String {
    let digest = sha2::Sha256::digest(bytes);
    format!("sha256={}", URL_SAFE_NO_PAD.encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_separators() {
        let a: HashDigest = "sha256=ABCdef01".parse().unwrap();
        let b: HashDigest = "sha256:abcdef01".parse().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "sha256=abcdef01");
        assert!("md5=abc".parse::<HashDigest>().is_err());
        assert!("sha256=xyz".parse::<HashDigest>().is_err());
    }

    #[test]
    fn hashes_match_known_values() {
        let mut h = Hasher::new(HashAlgorithm::Sha256);
        h.update(b"abc");
        assert_eq!(
            h.finalize().hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            record_hash(b"abc"),
            "sha256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }
}
