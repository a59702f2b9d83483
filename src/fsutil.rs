//! Durable file writes: write a temporary file beside the destination,
//! fsync it, rename it into place, then fsync the directory.
//!
//! A file that replaces another keeps the other's permissions (a
//! `subscription.json` kept at 0600 stays 0600); a new file gets the
//! usual `0666` less the umask, like any other tool's output.

use std::io::Write;
use std::path::Path;

use fs_err as fs;

/// The directory a path's file lives in ("." for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// A temporary file beside `path`, with the permissions the final file
/// must have.
fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path);
    fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".mkimport-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Created with 0666: open(2) applies the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|e| with_path(e, "cannot create a temporary file in", dir))?;
    keep_permissions(path, tmp.path())?;
    Ok(tmp)
}

/// Give `new` the permissions of `old` when `old` is a file that exists
/// (`new` is about to replace it).
pub fn keep_permissions(old: &Path, new: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(old) {
        Ok(meta) if meta.is_file() => fs::set_permissions(new, meta.permissions()),
        _ => Ok(()),
    }
}

/// An I/O error with the path it concerns in its message.
pub fn with_path(err: std::io::Error, what: &str, path: &Path) -> std::io::Error {
    std::io::Error::new(
        err.kind(),
        format!("{what} {}: {err}", crate::error::show(path)),
    )
}

fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    tmp.as_file()
        .sync_all()
        .map_err(|e| with_path(e, "cannot flush", tmp.path()))?;
    tmp.persist(path)
        .map_err(|e| with_path(e.error, "cannot write", path))?;
    sync_dir(parent_dir(path))
}

/// Write `bytes` to `path` atomically: readers see the old file or the new
/// one, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .map_err(|e| with_path(e, "cannot write", path))?;
    persist(tmp, path)
}

/// [`write_atomic`], creating the directories above `path` first.
pub fn write_atomic_in_new_dir(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?; // fs-err names the directory
    }
    write_atomic(path, bytes)
}

/// fsync a directory so a rename inside it survives a crash.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
    Ok(())
}

/// Like [`write_atomic`], streaming the content from `write` through a
/// buffer instead of holding it in memory.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = temp_beside(path)?;
    let mut out = std::io::BufWriter::new(tmp);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| with_path(e, "cannot write", path))?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    persist(tmp, path)
}
