//! File helpers the tasks share: copying a tree, writing a file into a new directory.

use std::fs;
use std::path::Path;

/// Copies a file or a directory tree (symbolic links as links), creating `to`'s parents.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(|e| e.to_string())?;
        let rel = entry.path().strip_prefix(from).map_err(|e| e.to_string())?;
        let dest = if rel.as_os_str().is_empty() { to.to_path_buf() } else { to.join(rel) };
        let kind = entry.file_type();
        let copied = if kind.is_dir() {
            fs::create_dir_all(&dest)
        } else if kind.is_file() {
            fs::copy(entry.path(), &dest).map(drop)
        } else if kind.is_symlink() && cfg!(unix) {
            copy_link(entry.path(), &dest)
        } else {
            return Err(format!("{}: not a file, directory or link", entry.path().display()));
        };
        copied.map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_link(from: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(format!("{}: a symbolic link", from.display())))
}

/// Makes `link` a symbolic link to the directory `target` (elsewhere: leaves it to be created).
#[cfg(unix)]
pub fn link_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
pub fn link_dir(_: &Path, _: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates `dir` (and its parents) and writes `dir/name`.
pub fn write_in(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join(name), contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_is_copied_with_its_links() {
        let dir = std::env::temp_dir().join(format!("skillwright-xtask-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        write_in(&dir.join("from/a/b"), "f.txt", "text").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("b/f.txt", dir.join("from/a/link")).unwrap();
        copy_tree(&dir.join("from"), &dir.join("to/copy")).unwrap();
        assert_eq!(fs::read_to_string(dir.join("to/copy/a/b/f.txt")).unwrap(), "text");
        #[cfg(unix)]
        assert_eq!(fs::read_link(dir.join("to/copy/a/link")).unwrap(), Path::new("b/f.txt"));
        let _ = fs::remove_dir_all(&dir);
    }
}
