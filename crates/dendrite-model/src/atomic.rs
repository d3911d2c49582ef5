//! Atomic file replacement: a temporary file in the same folder, fsync, rename.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` so that the file at `path` is, at every moment, either the old
/// file or the complete new one: the bytes go to a temporary file beside it, which is flushed
/// to disk and then renamed over `path` (the folder is synced after). On any failure the
/// temporary file is removed and the old file is untouched.
///
/// # Errors
/// The I/O error that stopped the write.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, |_| Ok(()))
}

/// [`write_atomic`] with a hook run after the temporary file is complete and before the
/// rename, so tests can interrupt a save at its most delicate point.
pub(crate) fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temporary_path(path)?;
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        before_rename(&tmp)?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        // The old file was never touched; the temporary one must not linger.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // Make the rename itself durable. Not every platform can open a folder; the data is
    // already safe in the renamed file, so a failure here is not an error.
    if let Ok(dir) = File::open(folder(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.<name>.<pid>.<n>.tmp` beside `path`.
fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{} names no file", path.display()))
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp_name = format!(".{}.{}.{n}.tmp", name.to_string_lossy(), std::process::id());
    Ok(folder(path).join(tmp_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> io::Result<PathBuf> {
        let dir = std::env::temp_dir().join(format!("dendrite-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    fn entries(dir: &Path) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        names.sort();
        Ok(names)
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() -> io::Result<()> {
        let dir = scratch("replace")?;
        let path = dir.join("m.dnd");
        write_atomic(&path, b"old")?;
        write_atomic(&path, b"new")?;
        assert_eq!(fs::read(&path)?, b"new");
        assert_eq!(entries(&dir)?, vec!["m.dnd"]);
        fs::remove_dir_all(dir)
    }

    #[test]
    fn an_interrupted_save_keeps_the_old_file() -> io::Result<()> {
        let dir = scratch("interrupt")?;
        let path = dir.join("m.dnd");
        write_atomic(&path, b"old")?;
        let mut saw_complete_temporary = false;
        let err = write_atomic_with(&path, b"new contents", |tmp| {
            saw_complete_temporary = fs::read(tmp)? == b"new contents";
            Err(io::Error::other("killed before the rename"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "killed before the rename");
        assert!(saw_complete_temporary);
        assert_eq!(fs::read(&path)?, b"old");
        assert_eq!(entries(&dir)?, vec!["m.dnd"]);
        fs::remove_dir_all(dir)
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let path = std::env::temp_dir().join("dendrite-no-such-folder/x/m.dnd");
        assert_eq!(write_atomic(&path, b"x").unwrap_err().kind(), io::ErrorKind::NotFound);
    }
}
