//! The state directory (`$SKILLWRIGHT_HOME`, default `~/.skillwright`): only ever used when it is
//! ours. A state directory another user owns, or that others may write to, could hand us planted
//! symlinks and files, so it is refused; the directories inside it are created 0700 and never
//! followed when they are symlinks.

use crate::Env;
use std::path::{Path, PathBuf};

/// Why the state directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// There is no home to put it in.
    #[error("no state directory: set SKILLWRIGHT_HOME or HOME")]
    NoHome,
    /// It exists but is not safe to use.
    #[error("refusing state directory {}: {why}", .path.display())]
    Untrusted {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Creating or inspecting it failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The subdirectory `sub` of the state directory, created (0700) if needed, after checking that
/// the state directory is ours and `sub` is a real directory.
pub fn dir(env: &Env, sub: &str) -> Result<PathBuf, Error> {
    let home = env.home.as_deref().ok_or(Error::NoHome)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    crate::ensure_dir(home).map_err(io(home))?;
    // The directory itself may be reached through a symlink the user made; what it is matters.
    let meta = std::fs::metadata(home).map_err(io(home))?;
    trusted(home, &meta)?;
    let path = home.join(sub);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Error::Untrusted {
                path,
                why: "it is a symlink; state directories are never followed".into(),
            });
        }
        Ok(m) if !m.is_dir() => return Err(Error::Untrusted { path, why: "it is not a directory".into() }),
        Ok(m) => trusted(&path, &m)?,
        Err(_) => crate::ensure_dir(&path).map_err(io(&path))?,
    }
    Ok(path)
}

#[cfg(unix)]
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let untrusted = |why: String| Err(Error::Untrusted { path: path.to_path_buf(), why });
    if !meta.is_dir() {
        return untrusted("it is not a directory".into());
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return untrusted(format!("it belongs to user {} and this process runs as {me}", meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return untrusted(format!(
            "others may write to it (mode {:o}); run `chmod 700 {}`",
            meta.mode() & 0o777,
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), Error> {
    if meta.is_dir() {
        Ok(())
    } else {
        Err(Error::Untrusted { path: path.to_path_buf(), why: "it is not a directory".into() })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn shared_or_linked_state_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("state");
        let env = Env::at(&home);
        assert_eq!(dir(&env, "store").unwrap(), home.join("store"));
        assert_eq!(std::fs::metadata(&home).unwrap().permissions().mode() & 0o777, 0o700);
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = dir(&env, "store").unwrap_err().to_string();
        assert!(e.contains("others may write to it (mode 777)"), "{e}");
        std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::remove_dir(home.join("store")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), home.join("store")).unwrap();
        let e = dir(&env, "store").unwrap_err().to_string();
        assert!(e.contains("is a symlink"), "{e}");
        assert!(matches!(dir(&Env::default(), "store"), Err(Error::NoHome)));
    }
}
