//! Whose signature counts: the keys a user trusts for each pack.
//!
//! A signature only means something if the key behind it is known independently of the package,
//! since whoever can change a package can also re-sign it with a key of their own. So a key is
//! trusted when the user gives it (`verify --pubkey`), lists it in a trusted-keys file, or pinned
//! it for the pack: explicitly (`skillwright trust add`) or on first use, when the session-start
//! self-check first meets a validly signed package of that pack. The pins live in the user's state
//! directory (`trust.json`), out of the package's reach.

use crate::{Env, state};
use serde::{Deserialize, Serialize};
use skillwright_model::fsio::{self, Links};
use skillwright_model::integrity::{Check, Finding, Signature};
use std::collections::BTreeMap;

/// The trust file's name in the state directory.
pub const TRUST_FILE: &str = "trust.json";

/// The pins: pack name → the key trusted to sign it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trust {
    /// By pack name.
    pub packs: BTreeMap<String, Pin>,
}

/// One pinned key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    /// The key (lowercase hex SEC1 compressed).
    pub key: String,
    /// When it was pinned (RFC 3339).
    pub since: String,
    /// How: `trust add`, or the package it was first seen in.
    pub how: String,
}

/// Trust failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state directory cannot be used.
    #[error(transparent)]
    State(#[from] state::Error),
    /// Reading or writing the trust file failed.
    #[error("{0}")]
    Io(String),
}

/// The user's pins (none when there is no state directory or no trust file yet).
pub fn load(env: &Env) -> Trust {
    let Ok(dir) = env.home().map(|h| h.to_path_buf()) else { return Trust::default() };
    fsio::read_bounded(&dir.join(TRUST_FILE), 1024 * 1024, Links::Refuse)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Changes the pins under the state directory's trust lock.
fn update<T>(env: &Env, f: impl FnOnce(&mut Trust) -> T) -> Result<T, Error> {
    let dir = state::dir(env, "locks")?;
    let lock_path = dir.join("trust.lock");
    let lock = fsio::lock(&lock_path).map_err(|e| Error::Io(format!("{}: {e}", lock_path.display())))?;
    let mut trust = load(env);
    let out = f(&mut trust);
    let path = env.home().map_err(|_| state::Error::NoHome)?.join(TRUST_FILE);
    let bytes = serde_json::to_vec_pretty(&trust).map_err(|e| Error::Io(e.to_string()))?;
    fsio::write_atomic(&path, &bytes, fsio::WriteOptions::STATE)
        .map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
    let _ = lock.unlock();
    Ok(out)
}

/// Pins `key` for `pack` (replacing an earlier pin). `how` says where it came from.
pub fn pin(env: &Env, pack: &str, key: &str, how: &str) -> Result<(), Error> {
    let since = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    update(env, |t| {
        t.packs.insert(pack.to_string(), Pin { key: key.to_string(), since, how: how.to_string() });
    })
}

/// Pins `key` for `pack` unless the pack already has a pin (trust on first use); true if pinned now.
pub fn pin_first_use(env: &Env, pack: &str, key: &str, how: &str) -> Result<bool, Error> {
    if load(env).packs.contains_key(pack) {
        return Ok(false);
    }
    let since = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    update(env, |t| {
        if t.packs.contains_key(pack) {
            return false;
        }
        t.packs.insert(pack.to_string(), Pin { key: key.to_string(), since, how: how.to_string() });
        true
    })
}

/// Removes the pin of `pack`; true if there was one.
pub fn unpin(env: &Env, pack: &str) -> Result<bool, Error> {
    update(env, |t| t.packs.remove(pack).is_some())
}

/// Where trust in a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Given on the command line (or by the caller).
    Given,
    /// Listed in a trusted-keys file.
    TrustedKeys,
    /// Pinned for the pack.
    Pinned,
}

/// What a checked package amounts to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Every file matches, and the signature is by a trusted key.
    Verified {
        /// The signer.
        key: String,
        /// Why the key is trusted.
        by: Source,
    },
    /// Every file matches the manifest and the signature is valid, but nothing says the key is
    /// the publisher's: not proof of origin.
    Unpinned {
        /// The signer.
        key: String,
    },
    /// Every file matches the manifest, which nobody signed, and no key is pinned for the pack:
    /// the package is intact as built, by whoever built it.
    Unsigned,
    /// Something is wrong.
    Failed {
        /// Each problem, one line each.
        problems: Vec<String>,
    },
}

impl Verdict {
    /// Whether it proves the package is what a trusted key signed.
    pub fn verified(&self) -> bool {
        matches!(self, Verdict::Verified { .. })
    }
}

/// Judges a checked package: `given` is a key the caller requires, `trusted` keys from a
/// trusted-keys file, `trust` the user's pins.
pub fn judge(check: &Check, given: Option<&str>, trusted: &[String], trust: &Trust) -> Verdict {
    let mut problems: Vec<String> = check
        .files
        .iter()
        .map(|f| match f {
            Finding::Added(p) => format!("added:     {p}"),
            Finding::Missing(p) => format!("missing:   {p}"),
            Finding::Changed(p) => format!("changed:   {p}"),
        })
        .collect();
    let pack = &check.manifest.pack;
    let pinned = trust.packs.get(pack);
    let verdict = match &check.signature {
        Signature::Bad { why } => {
            problems.push(format!("signature: {why}"));
            None
        }
        Signature::Unsigned => {
            if let Some(k) = given {
                problems.push(format!(
                    "signature: the package is not signed, but a signature by {k} is required"
                ));
            } else if let Some(p) = pinned {
                problems.push(format!(
                    "signature: the package is not signed, but `{pack}` is pinned to key {} ({}, {})",
                    p.key, p.how, p.since
                ));
            }
            Some(Verdict::Unsigned)
        }
        Signature::Valid { key } => {
            if let Some(k) = given {
                if k.eq_ignore_ascii_case(key) {
                    Some(Verdict::Verified { key: key.clone(), by: Source::Given })
                } else {
                    problems.push(format!("signature: signed by {key}, but {k} is required"));
                    None
                }
            } else if let Some(p) = pinned {
                if p.key.eq_ignore_ascii_case(key) {
                    Some(Verdict::Verified { key: key.clone(), by: Source::Pinned })
                } else {
                    problems.push(format!(
                        "signature: signed by {key}, but `{pack}` is pinned to {} ({}, {}); if its publisher changed keys, run `skillwright trust add {pack} {key}`",
                        p.key, p.how, p.since
                    ));
                    None
                }
            } else if trusted.iter().any(|t| t.eq_ignore_ascii_case(key)) {
                Some(Verdict::Verified { key: key.clone(), by: Source::TrustedKeys })
            } else {
                Some(Verdict::Unpinned { key: key.clone() })
            }
        }
    };
    match verdict {
        Some(v) if problems.is_empty() => v,
        _ => Verdict::Failed { problems },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skillwright_model::integrity::Manifest;

    fn check(signature: Signature, files: Vec<Finding>) -> Check {
        let manifest = Manifest {
            format: 1,
            pack: "p".into(),
            version: "1.0.0".into(),
            host: "h".into(),
            public_key: None,
            files: Default::default(),
        };
        Check { manifest, files, signature }
    }

    #[test]
    fn only_a_known_key_verifies() {
        let (a, b) = ("02aa".to_string(), "03bb".to_string());
        let signed = |k: &str| check(Signature::Valid { key: k.into() }, vec![]);
        let none = Trust::default();
        assert_eq!(judge(&signed(&a), None, &[], &none), Verdict::Unpinned { key: a.clone() });
        assert!(judge(&signed(&a), Some(&a), &[], &none).verified());
        assert!(!judge(&signed(&a), Some(&b), &[], &none).verified());
        assert!(judge(&signed(&a), None, std::slice::from_ref(&a), &none).verified());
        let mut pins = Trust::default();
        pins.packs.insert("p".into(), Pin { key: a.clone(), since: "t".into(), how: "trust add".into() });
        assert!(judge(&signed(&a), None, &[], &pins).verified());
        // Re-signed by another key, or stripped of its signature: both fail against the pin.
        let resigned = judge(&signed(&b), None, &[], &pins);
        assert!(
            matches!(&resigned, Verdict::Failed { problems } if problems[0].contains("is pinned to 02aa")),
            "{resigned:?}"
        );
        let stripped = judge(&check(Signature::Unsigned, vec![]), None, &[], &pins);
        assert!(
            matches!(&stripped, Verdict::Failed { problems } if problems[0].contains("not signed")),
            "{stripped:?}"
        );
        assert_eq!(judge(&check(Signature::Unsigned, vec![]), None, &[], &none), Verdict::Unsigned);
        let changed =
            judge(&check(Signature::Unsigned, vec![Finding::Changed("x".into())]), None, &[], &none);
        assert!(matches!(changed, Verdict::Failed { .. }));
    }

    #[test]
    fn first_use_pins_once() {
        let tmp = tempfile::tempdir().unwrap();
        let env = Env::at(tmp.path().join("state"));
        assert!(pin_first_use(&env, "p", "02aa", "first use").unwrap());
        assert!(!pin_first_use(&env, "p", "03bb", "first use").unwrap());
        assert_eq!(load(&env).packs["p"].key, "02aa");
        pin(&env, "p", "03bb", "trust add").unwrap();
        assert_eq!(load(&env).packs["p"].key, "03bb");
        assert!(unpin(&env, "p").unwrap());
        assert!(load(&env).packs.is_empty());
    }
}
