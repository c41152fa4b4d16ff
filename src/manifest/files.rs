//! Reading the files a manifest names, safely: regular files only (never a FIFO, a device or
//! `/proc`), with a size cap, and — for templates — confined to the project folder (no
//! absolute path, no `..` out of it, symlinks resolved and checked).

use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest manifest azlift reads, in bytes.
pub const MAX_MANIFEST_BYTES: u64 = 2 * 1024 * 1024;

/// Largest template azlift reads, in bytes.
pub const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is not a regular file (a folder, a device, a FIFO or a socket)")]
    NotRegular,
    #[error("it is larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("it is not UTF-8 text")]
    NotText,
    #[error("it is a kernel pseudo-file (its size is not known), not a regular file")]
    Pseudo,
    #[error("an absolute path is not allowed: templates live in the project folder")]
    Absolute,
    #[error("it is outside the project folder `{}`", .0.display())]
    Outside(PathBuf),
}

/// Read `path` as text: a regular file (after following symlinks) of at most `max` bytes.
/// The file is opened without blocking (a FIFO with no writer would otherwise hang), then
/// checked through its handle, so what is checked is what is read.
pub fn read_regular(path: &Path, max: u64) -> Result<String, FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(FileError::NotRegular);
    }
    if meta.len() > max {
        return Err(FileError::TooLarge { max });
    }
    // `/proc` files report a length of 0 and may be longer: read at most `max + 1` bytes.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(FileError::TooLarge { max });
    }
    if meta.len() == 0 && !bytes.is_empty() {
        // `/proc/self/environ` and its kind: the process's secrets, not a manifest.
        return Err(FileError::Pseudo);
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotText)
}

/// The real path of `relative` inside `base` (the project folder): refused when absolute,
/// or when it (or a symlink along it) leads out of `base`.
pub fn confined_path(base: &Path, relative: &str) -> Result<PathBuf, FileError> {
    let rel = Path::new(relative);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Err(FileError::Absolute);
    }
    let root = base.canonicalize()?;
    let real = root.join(rel).canonicalize()?;
    if !real.starts_with(&root) {
        return Err(FileError::Outside(root));
    }
    Ok(real)
}

/// [`confined_path`], then [`read_regular`] with [`MAX_TEMPLATE_BYTES`].
pub fn read_confined(base: &Path, relative: &str) -> Result<String, FileError> {
    read_regular(&confined_path(base, relative)?, MAX_TEMPLATE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_stay_in_the_project_folder() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("p");
        std::fs::create_dir_all(project.join("t")).unwrap();
        std::fs::write(project.join("t/a.json"), "{}").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        assert_eq!(read_confined(&project, "t/a.json").unwrap(), "{}");
        assert_eq!(read_confined(&project, "t/../t/a.json").unwrap(), "{}");
        assert!(matches!(
            read_confined(&project, "../secret.txt"),
            Err(FileError::Outside(_))
        ));
        assert!(matches!(
            read_confined(&project, "/etc/passwd"),
            Err(FileError::Absolute)
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), project.join("t/l.json"))
                .unwrap();
            assert!(matches!(
                read_confined(&project, "t/l.json"),
                Err(FileError::Outside(_))
            ));
        }
    }

    #[test]
    fn only_small_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_regular(dir.path(), 10),
            Err(FileError::NotRegular)
        ));
        let big = dir.path().join("big");
        std::fs::write(&big, "x".repeat(11)).unwrap();
        assert!(matches!(
            read_regular(&big, 10),
            Err(FileError::TooLarge { max: 10 })
        ));
        #[cfg(target_os = "linux")]
        {
            assert!(matches!(
                read_regular(Path::new("/dev/zero"), 10),
                Err(FileError::NotRegular)
            ));
            assert!(matches!(
                read_regular(Path::new("/proc/self/environ"), 1 << 20),
                Err(FileError::Pseudo) | Err(FileError::Io(_))
            ));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        assert!(matches!(
            read_regular(&fifo, 10),
            Err(FileError::NotRegular)
        ));
    }
}
