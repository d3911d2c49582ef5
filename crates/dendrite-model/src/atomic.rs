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
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit_with(before_rename)
}

/// A file written bit by bit that replaces the file at its path only when it is complete:
/// [`write_atomic`] for output that is made in pieces (`dendrite predict` streams its
/// predictions through one). The bytes go to a temporary file beside the path; [`commit`]
/// flushes it to disk and renames it over the path. Dropped without a commit (an error on the
/// way), it removes the temporary file and leaves any old file as it was.
///
/// [`commit`]: AtomicFile::commit
///
/// # Example
/// ```
/// use std::io::Write;
/// use dendrite_model::AtomicFile;
/// # fn main() -> std::io::Result<()> {
/// let path = std::env::temp_dir().join(format!("dendrite-atomic-doc-{}.txt", std::process::id()));
/// let mut file = AtomicFile::create(&path)?;
/// writeln!(file, "first line")?;
/// assert!(!path.exists());
/// writeln!(file, "second line")?;
/// file.commit()?;
/// assert_eq!(std::fs::read_to_string(&path)?, "first line\nsecond line\n");
/// # std::fs::remove_file(&path)
/// # }
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    /// The temporary file, buffered; `None` once committed.
    file: Option<io::BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts a new file for `path` (the temporary one beside it).
    ///
    /// # Errors
    /// The I/O error of creating the temporary file.
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_owned();
        let tmp = temporary_path(&path)?;
        let file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        Ok(Self { file: Some(io::BufWriter::new(file)), tmp, path })
    }

    /// Flushes the file to disk and puts it in place of any file at its path.
    ///
    /// # Errors
    /// The I/O error that stopped it; the old file is then untouched.
    pub fn commit(self) -> io::Result<()> {
        self.commit_with(|_| Ok(()))
    }

    fn commit_with(mut self, before_rename: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
        let Some(buffered) = self.file.take() else {
            return Err(io::Error::other("the file was committed already"));
        };
        let result = (|| {
            let file = buffered.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.sync_all()?;
            drop(file);
            before_rename(&self.tmp)?;
            fs::rename(&self.tmp, &self.path)
        })();
        if let Err(e) = result {
            // The old file was never touched; the temporary one must not linger.
            let _ = fs::remove_file(&self.tmp);
            return Err(e);
        }
        // Make the rename itself durable. Not every platform can open a folder; the data is
        // already safe in the renamed file, so a failure here is not an error.
        if let Ok(dir) = File::open(folder(&self.path)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    fn writer(&mut self) -> io::Result<&mut io::BufWriter<File>> {
        self.file.as_mut().ok_or_else(|| io::Error::other("the file was committed already"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
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
