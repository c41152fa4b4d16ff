//! Keeping azlift's local files out of git: `.azlift/` (state, its backup and lock, the local
//! cloud with its secret values and token-signing key) is listed in the project's
//! `.gitignore`.

use std::io::Write;
use std::path::Path;

/// The line that keeps the folder out of git.
pub const IGNORE_LINE: &str = ".azlift/";

/// Make sure `<project_dir>/.gitignore` lists `.azlift/`: create the file or append the line.
/// Returns `true` when the file was changed.
pub fn ensure_gitignore(project_dir: &Path) -> std::io::Result<bool> {
    let path = project_dir.join(".gitignore");
    let existing = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let listed = existing.lines().map(str::trim).any(|l| {
        matches!(
            l,
            ".azlift" | ".azlift/" | "/.azlift" | "/.azlift/" | ".azlift/*" | "/.azlift/*"
        )
    });
    if listed {
        return Ok(false);
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let sep = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    write!(
        file,
        "{sep}# azlift: local state, its lock and backup, the local cloud (secret values)\n{IGNORE_LINE}\n"
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_added_once_and_other_lines_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "target").unwrap();
        assert!(ensure_gitignore(dir.path()).unwrap());
        assert!(!ensure_gitignore(dir.path()).unwrap());
        let text = std::fs::read_to_string(dir.path().join(".gitignore")).unwrap();
        assert!(text.starts_with("target\n"), "{text}");
        assert_eq!(text.lines().filter(|l| *l == IGNORE_LINE).count(), 1);
    }
}
