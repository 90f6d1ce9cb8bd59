//! Integrity: a sorted sha256 manifest of every file in a package (`integrity.json`) and an
//! optional secp256k1 ECDSA signature over its exact bytes (`integrity.sig`).

use k256::ecdsa::signature::{Signer, Verifier};
use k256::ecdsa::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Manifest file name, at the plugin root.
pub const MANIFEST: &str = "integrity.json";
/// Signature file name, at the plugin root.
pub const SIGNATURE: &str = "integrity.sig";

/// The manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version of this file.
    pub format: u32,
    /// Pack name.
    pub pack: String,
    /// Pack version.
    pub version: String,
    /// Host id.
    pub host: String,
    /// Hex SEC1 compressed public key of the signer, when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// Relative path → hex sha256, for every file but the manifest and signature.
    pub files: BTreeMap<String, String>,
}

/// Integrity failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A key file problem.
    #[error("{0}")]
    Key(String),
    /// The manifest is unreadable or malformed.
    #[error("integrity.json: {0}")]
    Manifest(String),
}

/// Hex sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Manifest {
    /// Canonical bytes: pretty JSON with sorted keys and a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a manifest, rejecting paths that could leave the package directory.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, Error> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| Error::Manifest(e.to_string()))?;
        for path in m.files.keys() {
            if !safe_rel_path(path) {
                return Err(Error::Manifest(format!("unsafe path `{path}`")));
            }
        }
        Ok(m)
    }
}

/// A relative, `/`-separated path with no empty, `.` or `..` segments, no backslash or drive.
pub fn safe_rel_path(p: &str) -> bool {
    !p.is_empty()
        && !p.contains(['\\', '\0', ':'])
        && !p.starts_with('/')
        && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

/// Reads a private key file (64 hex characters). On Unix the file must not be readable by group
/// or others.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, Error> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| Error::Key(format!("cannot read key {shown}: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Error::Key(format!(
                "key file {shown} is readable by others (mode {:o}); run `chmod 600 {shown}`",
                mode & 0o777
            )));
        }
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Key(format!("cannot read key {shown}: {e}")))?;
    let bytes = hex::decode(text.trim()).map_err(|_| Error::Key(format!("key file {shown} is not hex")))?;
    SigningKey::from_slice(&bytes)
        .map_err(|_| Error::Key(format!("key file {shown} does not hold a secp256k1 private key")))
}

/// A new random key pair: (private key hex, public key hex).
pub fn generate() -> Result<(String, String), Error> {
    loop {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| Error::Key(format!("no randomness: {e}")))?;
        if let Ok(key) = SigningKey::from_slice(&seed) {
            return Ok((hex::encode(seed), public_hex(&key)));
        }
    }
}

/// Hex SEC1 compressed public key of `key`.
pub fn public_hex(key: &SigningKey) -> String {
    hex::encode(key.verifying_key().to_sec1_point(true).as_bytes())
}

/// Hex signature (r‖s) of `bytes`.
pub fn sign(key: &SigningKey, bytes: &[u8]) -> String {
    let sig: k256::ecdsa::Signature = key.sign(bytes);
    hex::encode(sig.to_bytes())
}

/// Whether `sig_hex` is a valid signature of `bytes` by `pubkey_hex`.
pub fn verify_signature(pubkey_hex: &str, bytes: &[u8], sig_hex: &str) -> bool {
    let Ok(pk) = hex::decode(pubkey_hex.trim()) else { return false };
    let Ok(vk) = VerifyingKey::from_sec1_bytes(&pk) else { return false };
    let Ok(sig) = hex::decode(sig_hex.trim()) else { return false };
    let Ok(sig) = k256::ecdsa::Signature::from_slice(&sig) else { return false };
    vk.verify(bytes, &sig).is_ok()
}

/// One file that differs from the manifest, found by [`check_dir`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "lowercase")]
pub enum Finding {
    /// A file on disk that the manifest does not list.
    Added(String),
    /// A listed file that is not on disk.
    Missing(String),
    /// A listed file whose hash differs (or that is no longer a regular file).
    Changed(String),
}

/// What the signature files of a package say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Signature {
    /// No signature and no public key.
    Unsigned,
    /// integrity.sig verifies integrity.json under the public key the manifest names. Who that
    /// key belongs to is a question of trust (see the runtime's `trust`), not of this check.
    Valid {
        /// The signer's public key (hex SEC1 compressed, lowercase).
        key: String,
    },
    /// The signature is missing, malformed or does not match.
    Bad {
        /// What is wrong.
        why: String,
    },
}

/// A package directory compared with its manifest.
#[derive(Debug, Clone)]
pub struct Check {
    /// The manifest.
    pub manifest: Manifest,
    /// Files that differ.
    pub files: Vec<Finding>,
    /// The signature.
    pub signature: Signature,
}

/// Largest integrity.json read.
pub const MAX_MANIFEST: u64 = 64 * 1024 * 1024;

/// The hex sha256 of a regular file, streamed (no FIFO, device or symlink is opened).
pub fn sha256_file(path: &Path) -> Result<String, crate::fsio::ReadError> {
    let (f, _) = crate::fsio::open_regular(path, crate::fsio::Links::Refuse)?;
    sha256_reader(f).map_err(|e| crate::fsio::ReadError::Io(path.to_path_buf(), e))
}

/// The hex sha256 of everything `r` yields, read in pieces.
pub fn sha256_reader(mut r: impl std::io::Read) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(hex::encode(h.finalize())),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A public key as given by a person (hex SEC1, compressed or not), checked and normalized to
/// lowercase compressed hex.
pub fn parse_public_key(text: &str) -> Result<String, Error> {
    let bad = || {
        Error::Key(format!(
            "`{}` is not a secp256k1 public key (66 hex characters, as `skillwright keygen` prints)",
            crate::text::one_line(text, 80)
        ))
    };
    let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
    let key = VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| bad())?;
    Ok(hex::encode(key.to_sec1_point(true).as_bytes()))
}

/// Compares a package directory with its integrity.json and checks its signature.
/// `hash_bin` also hashes `bin/` (the bundled binaries: the slowest part).
pub fn check_dir(dir: &Path, hash_bin: bool) -> Result<Check, Error> {
    use crate::fsio::{Links, read_bounded};
    let bytes = read_bounded(&dir.join(MANIFEST), MAX_MANIFEST, Links::Refuse)
        .map_err(|e| Error::Manifest(format!("cannot read {e}")))?;
    let manifest = Manifest::parse(&bytes)?;
    let mut files = Vec::new();
    for (path, want) in &manifest.files {
        if !hash_bin && path.starts_with("bin/") {
            continue;
        }
        match sha256_file(&dir.join(path)) {
            Ok(h) if &h == want => {}
            Ok(_) => files.push(Finding::Changed(path.clone())),
            Err(e) if e.is_not_found() => files.push(Finding::Missing(path.clone())),
            Err(_) => files.push(Finding::Changed(path.clone())),
        }
    }
    for path in list_files(dir) {
        if path != MANIFEST && path != SIGNATURE && !manifest.files.contains_key(&path) {
            files.push(Finding::Added(path));
        }
    }
    let sig = match read_bounded(&dir.join(SIGNATURE), 4096, Links::Refuse) {
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(e) if e.is_not_found() => None,
        Err(e) => Some(format!("unreadable: {e}")),
    };
    let signature = match (&manifest.public_key, sig) {
        (None, None) => Signature::Unsigned,
        (Some(_), None) => Signature::Bad { why: "integrity.sig is missing".into() },
        (None, Some(_)) => {
            Signature::Bad { why: "integrity.sig present but no public key in integrity.json".into() }
        }
        (Some(pk), Some(sig)) => match parse_public_key(pk) {
            Ok(key) if verify_signature(&key, &bytes, &sig) => Signature::Valid { key },
            Ok(_) => Signature::Bad { why: "signature does not match integrity.json".into() },
            Err(_) => Signature::Bad { why: "the public key in integrity.json is malformed".into() },
        },
    };
    Ok(Check { manifest, files, signature })
}

/// Every regular file under `dir`, relative and `/`-separated, sorted; symlinks count as files
/// so that an added link is reported.
pub fn list_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in
        walkdir::WalkDir::new(dir).follow_links(false).min_depth(1).sort_by_file_name().into_iter().flatten()
    {
        if e.file_type().is_dir() {
            continue;
        }
        if let Ok(rel) = e.path().strip_prefix(dir) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip_and_tamper() {
        let (sk_hex, pk_hex) = generate().unwrap();
        let key = SigningKey::from_slice(&hex::decode(sk_hex).unwrap()).unwrap();
        assert_eq!(public_hex(&key), pk_hex);
        let sig = sign(&key, b"hello");
        assert!(verify_signature(&pk_hex, b"hello", &sig));
        assert!(!verify_signature(&pk_hex, b"hellp", &sig));
        let (_, other) = generate().unwrap();
        assert!(!verify_signature(&other, b"hello", &sig));
    }

    #[test]
    fn hostile_manifest_paths_are_rejected() {
        for p in ["../x", "/etc/passwd", "a/../../b", "a//b", "C:/x", "a\\b", ""] {
            assert!(!safe_rel_path(p), "{p}");
        }
        let m = br#"{"format":1,"pack":"p","version":"1.0.0","host":"h","files":{"../x":"00"}}"#;
        assert!(Manifest::parse(m).is_err());
    }
}
