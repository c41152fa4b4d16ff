//! Files only their owner may read, written without following symlinks: the local cloud
//! (secret values, the token-signing key), azlift's state, lock and backup. Files are created
//! 0600 and folders 0700 whatever the umask, and a symlink where such a file or folder
//! should be is refused, never followed (it could point at another file to empty or leak).
//!
//! Shared by the emulator's persistence and azlift's local state backend.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

/// Mode of every private file.
pub const FILE_MODE: u32 = 0o600;
/// Mode of every private folder.
pub const DIR_MODE: u32 = 0o700;

fn symlink_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link; azlift does not follow links for its own files (remove the link)",
            path.display()
        ),
    )
}

/// Refuse `path` when it is a symlink (a missing path is fine).
pub fn refuse_symlink(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(symlink_refused(path)),
        _ => Ok(()),
    }
}

/// Create `dir` and missing parents as 0700 folders (an existing folder is left as it is:
/// it may be the user's own); refuse `dir` when it is a symlink.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    refuse_symlink(dir)?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)?;
    refuse_symlink(dir)
}

/// [`create_private_dir`], then set `dir` itself to 0700 even when it existed: for folders
/// that belong to azlift alone (`.azlift/`, `.azlift/<env>/`).
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    create_private_dir(dir)?;
    set_mode(dir, DIR_MODE)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Open `path` with `options`, never through a symlink; a file it creates is 0600, and an
/// existing one is set to 0600.
pub fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    refuse_symlink(path)?;
    let file = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return symlink_refused(path);
        }
        e
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    }
    Ok(file)
}

/// The bytes of `path`, never read through a symlink.
pub fn read_private(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open_private(path, OpenOptions::new().read(true))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Replace `path` with `bytes` atomically: a new 0600 temporary file in the same folder
/// (created exclusively, so a planted file or link is never written through), synced, then
/// renamed over `path` (a rename replaces a link at `path`; it never writes through it).
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = (|| {
        let mut f = open_private(&tmp, OpenOptions::new().write(true).create_new(true))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_private_and_links_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("a/b");
        ensure_private_dir(&d).unwrap();
        assert_eq!(mode(&d), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        let f = d.join("f.json");
        write_private_atomically(&f, b"x").unwrap();
        assert_eq!(mode(&f), 0o600);
        assert_eq!(read_private(&f).unwrap(), b"x");

        let target = dir.path().join("victim");
        std::fs::write(&target, "keep").unwrap();
        let link = d.join("lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = open_private(&link, OpenOptions::new().read(true).write(true)).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(read_private(&link).is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");

        let dir_link = dir.path().join("dl");
        std::os::unix::fs::symlink(dir.path(), &dir_link).unwrap();
        assert!(ensure_private_dir(&dir_link).is_err());
    }
}
