//! The one interactive question azlift asks (apply? destroy?), and the refusal to ask it in
//! a run nobody can answer (CI, no terminal on stdin).

use std::io::{BufRead, IsTerminal, Write};

/// Why a confirmation could not be asked.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfirmError {
    #[error("refusing to apply without --yes in a non-interactive run ({reason})")]
    #[diagnostic(
        code(azlift::non_interactive),
        help(
            "review the plan, then pass --yes (or apply a saved plan: `azlift plan --out p` then `azlift up p --yes`)"
        )
    )]
    NonInteractive { reason: &'static str },
    #[error("cannot read the answer: {0}")]
    #[diagnostic(code(azlift::prompt))]
    Io(#[from] std::io::Error),
}

/// Whether the run can ask the user anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interactivity {
    /// `CI` is set to something other than `false`/`0`/empty.
    pub ci: bool,
    pub stdin_is_terminal: bool,
}

impl Interactivity {
    /// This process's environment and stdin.
    pub fn detect() -> Self {
        let ci = std::env::var("CI")
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                !(v.is_empty() || v == "false" || v == "0")
            })
            .unwrap_or(false);
        Interactivity {
            ci,
            stdin_is_terminal: std::io::stdin().is_terminal(),
        }
    }

    /// The reason nobody can answer, if so.
    pub fn refusal(&self) -> Option<&'static str> {
        if self.ci {
            Some("CI is set")
        } else if !self.stdin_is_terminal {
            Some("stdin is not a terminal")
        } else {
            None
        }
    }
}

/// Ask `prompt` on stderr and read the answer from stdin: `true` for `yes`/`y`. Refuses with
/// [`ConfirmError::NonInteractive`] when `CI` is set or stdin is not a terminal.
pub fn confirm(prompt: &str) -> Result<bool, ConfirmError> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut err = std::io::stderr();
    confirm_with(prompt, Interactivity::detect(), &mut input, &mut err)
}

/// [`confirm`] with its inputs given: for tests and embedding.
pub fn confirm_with(
    prompt: &str,
    how: Interactivity,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<bool, ConfirmError> {
    if let Some(reason) = how.refusal() {
        return Err(ConfirmError::NonInteractive { reason });
    }
    write!(out, "{prompt} [type 'yes' to continue] ")?;
    out.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    let answer = answer.trim().to_ascii_lowercase();
    Ok(answer == "yes" || answer == "y")
}
