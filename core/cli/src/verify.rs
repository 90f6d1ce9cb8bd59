//! Integrity commands: `verify` a package, `keygen` a signing key pair.

use crate::Result;
use crate::validate::plural;
use clap::{Args, ValueEnum};
use skillwright_model::text::one_line;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct VerifyArgs {
    /// Package directory (the one holding integrity.json).
    dir: PathBuf,
    /// Require a signature by this public key (hex, as printed by `skillwright keygen`).
    #[arg(long)]
    pubkey: Option<String>,
    /// Also trust the public keys listed in this file (one hex key per line, `#` comments).
    #[arg(long)]
    trusted_keys: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: VerifyFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VerifyFormat {
    Text,
    Json,
}

/// The keys listed in a trusted-keys file.
fn trusted_keys(path: &std::path::Path) -> Result<Vec<String>> {
    use skillwright_model::fsio::{Links, read_text_bounded};
    let text = read_text_bounded(path, 1024 * 1024, Links::Follow)?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        keys.push(
            skillwright_model::integrity::parse_public_key(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?,
        );
    }
    Ok(keys)
}

pub fn verify(a: VerifyArgs) -> Result<ExitCode> {
    use skillwright_runtime::trust::{self, Verdict};
    // A malformed key is a usage error, before anything is read.
    let given = a.pubkey.as_deref().map(skillwright_model::integrity::parse_public_key).transpose()?;
    let trusted = a.trusted_keys.as_deref().map(trusted_keys).transpose()?.unwrap_or_default();
    let dir = &a.dir;
    let check = skillwright_model::integrity::check_dir(dir, true).map_err(|e| {
        let nested =
            std::fs::read_dir(dir.join("plugins")).ok().and_then(|mut rd| rd.next()).and_then(|e| e.ok());
        match nested {
            Some(p) if !dir.join(skillwright_model::integrity::MANIFEST).exists() => format!(
                "{e}\n  = help: {} looks like a marketplace root; the signed plugin is in {}: run `skillwright verify {}`",
                dir.display(),
                p.path().display(),
                p.path().display()
            ),
            _ => e.to_string(),
        }
    })?;
    let verdict = trust::judge(&check, given.as_deref(), &trusted, &trust::load(&crate::runtime::env()));
    let m = &check.manifest;
    let code = match &verdict {
        Verdict::Verified { .. } => 0,
        Verdict::Failed { .. } => 1,
        Verdict::Unpinned { .. } | Verdict::Unsigned => 3,
    };
    match a.format {
        VerifyFormat::Json => {
            let doc = serde_json::json!({
                "ok": verdict.verified(), "verdict": verdict, "pack": m.pack, "version": m.version, "host": m.host,
                "signature": check.signature, "files": m.files.len(), "findings": check.files,
            });
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        }
        VerifyFormat::Text => {
            let what = format!(
                "{} {} for {} ({} files)",
                one_line(&m.pack, 64),
                one_line(&m.version, 40),
                one_line(&m.host, 40),
                m.files.len()
            );
            match &verdict {
                Verdict::Verified { key, by } => {
                    let by = match by {
                        trust::Source::Given => "the key given with --pubkey",
                        trust::Source::TrustedKeys => "a key in the trusted-keys file",
                        trust::Source::Pinned => "the key pinned for this pack",
                    };
                    errln!("ok: {what}, signed by {key}, {by}");
                }
                Verdict::Unpinned { key } => errln!(
                    "UNVERIFIED: {what}: the files match integrity.json and it is signed by {key}, NOT pinned: \
                     nothing says this key is the publisher's. Check it with the publisher, then pass --pubkey \
                     or run `skillwright trust add {} {key}`",
                    one_line(&m.pack, 64)
                ),
                Verdict::Unsigned => errln!(
                    "UNVERIFIED: {what}: the files match integrity.json, which is not signed: intact as built, \
                     but nothing says by whom"
                ),
                Verdict::Failed { problems } => {
                    for p in problems {
                        errln!("{}", one_line(p, 400));
                    }
                    errln!(
                        "FAILED: {} problem{} in {}",
                        problems.len(),
                        plural(problems.len()),
                        dir.display()
                    );
                }
            }
        }
    }
    Ok(ExitCode::from(code))
}

#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the private key (created with mode 0600, its directory 0700 if new; never
    /// overwritten). The public key goes beside it, in OUT.pub.
    #[arg(long)]
    out: PathBuf,
}

pub fn keygen(a: KeygenArgs) -> Result<ExitCode> {
    let (private, public) = skillwright_model::integrity::generate()?;
    let public_path = {
        let mut p = a.out.clone().into_os_string();
        p.push(".pub");
        PathBuf::from(p)
    };
    if public_path.exists() {
        return Err(format!("{} already exists; choose another --out", public_path.display()).into());
    }
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    use std::io::Write;
    f.write_all(format!("{private}\n").as_bytes())?;
    std::fs::write(&public_path, format!("{public}\n"))
        .map_err(|e| format!("{}: {e}", public_path.display()))?;
    outln!("{public}");
    errln!(
        "private key written to {} (keep it secret; sign with --sign-key); public key printed above and written to {} (publish it: users pin it with `skillwright trust add PACK KEY`)",
        a.out.display(),
        public_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
