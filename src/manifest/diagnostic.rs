//! Manifest diagnostics: one [`Diagnostic`] per problem (code, message, span, help, line and
//! column), the [`ManifestErrors`] that carries all of a file's errors to miette at once, and
//! the [`Diags`] collector the validators push into.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, Severity, SourceSpan};

/// Stable error codes. Every diagnostic carries one; `docs/manifest.md` lists them all.
pub mod code {
    pub const SYNTAX: &str = "azlift::manifest::syntax";
    pub const IO: &str = "azlift::manifest::io";
    pub const UNKNOWN_KEY: &str = "azlift::manifest::unknown_key";
    pub const WRONG_TYPE: &str = "azlift::manifest::wrong_type";
    pub const MISSING_KEY: &str = "azlift::manifest::missing_key";
    pub const OUT_OF_RANGE: &str = "azlift::manifest::out_of_range";
    pub const INVALID_VALUE: &str = "azlift::manifest::invalid_value";
    pub const INVALID_NAME: &str = "azlift::manifest::invalid_name";
    pub const UNKNOWN_REFERENCE: &str = "azlift::manifest::unknown_reference";
    pub const DUPLICATE: &str = "azlift::manifest::duplicate";
    pub const DUPLICATE_ID: &str = "azlift::manifest::duplicate_id";
    pub const CYCLE: &str = "azlift::manifest::cycle";
    pub const CONFLICT: &str = "azlift::manifest::conflict";
    pub const MISSING_VARIABLE: &str = "azlift::manifest::missing_variable";
    pub const UNKNOWN_VARIABLE: &str = "azlift::manifest::unknown_variable";
    pub const MISSING_ENV_VAR: &str = "azlift::manifest::missing_env_var";
    pub const BAD_INTERPOLATION: &str = "azlift::manifest::bad_interpolation";
    pub const UNKNOWN_ENVIRONMENT: &str = "azlift::manifest::unknown_environment";
    // Warnings.
    pub const GLOBAL_NAME: &str = "azlift::manifest::global_name";
    pub const UNKNOWN_LOCATION: &str = "azlift::manifest::unknown_location";
    pub const SECRET_IN_PLAIN_FIELD: &str = "azlift::manifest::secret_in_plain_field";
    pub const NO_RECEIVERS: &str = "azlift::manifest::no_receivers";
}

/// One problem found in a manifest: an error or a warning.
#[derive(Clone)]
pub struct Diagnostic {
    /// `azlift::manifest::unknown_key` style code.
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// Text shown at the span.
    pub label: Option<String>,
    /// The manifest's file name as given.
    pub file: String,
    /// 1-based line of the span's start; `None` for problems outside the file (a `--var`).
    pub line: Option<usize>,
    /// 1-based column (in characters) of the span's start.
    pub column: Option<usize>,
    pub severity: Severity,
    span: Option<SourceSpan>,
    source: NamedSource<Arc<str>>,
}

impl Diagnostic {
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn line(&self) -> Option<usize> {
        self.line
    }
    pub fn column(&self) -> Option<usize> {
        self.column
    }
    /// Byte range in the source, when the problem has a place in the file.
    pub fn span(&self) -> Option<Range<usize>> {
        self.span.map(|s| s.offset()..s.offset() + s.len())
    }
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }
    /// `file:line:col` (or just `file`).
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", self.file),
            _ => self.file.clone(),
        }
    }
}

impl fmt::Debug for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Diagnostic")
            .field("code", &self.code)
            .field("location", &self.location())
            .field("message", &self.message)
            .field("help", &self.help)
            .finish()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.span.map(|_| &self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(self.label.clone(), span),
        )))
    }
}

/// All errors (and the warnings) of one manifest, reported together.
#[derive(Debug, thiserror::Error)]
#[error("{file}: the manifest has {} error(s)", errors.len())]
pub struct ManifestErrors {
    file: String,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl ManifestErrors {
    pub(crate) fn new(file: String, errors: Vec<Diagnostic>, warnings: Vec<Diagnostic>) -> Self {
        ManifestErrors {
            file,
            errors,
            warnings,
        }
    }
    /// Every error, in the order of the file.
    pub fn errors(&self) -> &[Diagnostic] {
        &self.errors
    }
    /// Warnings found along the way.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
    pub fn file(&self) -> &str {
        &self.file
    }
}

impl miette::Diagnostic for ManifestErrors {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("azlift::manifest::invalid"))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(
            "fix the errors above and run `azlift validate` again",
        ))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.errors.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Collects diagnostics while a manifest is checked.
pub(crate) struct Diags {
    file: String,
    source: NamedSource<Arc<str>>,
    text: Arc<str>,
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl Diags {
    pub(crate) fn new(file: &str, text: Arc<str>) -> Self {
        Diags {
            file: file.to_string(),
            source: NamedSource::new(file, text.clone()),
            text,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub(crate) fn make(
        &self,
        severity: Severity,
        code: &'static str,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let (line, column, span) = match span {
            Some(r) => {
                let start = r.start.min(self.text.len());
                let end = r.end.clamp(start, self.text.len());
                let (l, c) = line_col(&self.text, start);
                (Some(l), Some(c), Some(SourceSpan::from(start..end)))
            }
            None => (None, None, None),
        };
        Diagnostic {
            code,
            label: None,
            message,
            help,
            file: self.file.clone(),
            line,
            column,
            severity,
            span,
            source: self.source.clone(),
        }
    }

    /// An error at a span.
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self.make(Severity::Error, code, span, message.into(), help);
        self.errors.push(d);
    }

    /// A warning at a span.
    pub(crate) fn warn(
        &mut self,
        code: &'static str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let d = self.make(Severity::Warning, code, span, message.into(), help);
        self.warnings.push(d);
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Sort by place in the file and drop exact repeats.
    pub(crate) fn finish(mut self) -> (String, Vec<Diagnostic>, Vec<Diagnostic>) {
        for list in [&mut self.errors, &mut self.warnings] {
            list.sort_by_key(|d| (d.span.map(|s| s.offset()).unwrap_or(0), d.code));
            list.dedup_by(|a, b| a.code == b.code && a.span == b.span && a.message == b.message);
        }
        (self.file, self.errors, self.warnings)
    }
}

/// "did you mean `x`?" for the closest of `candidates`, if one is close enough.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // after the two-byte `é`
        assert_eq!(line_col(text, 9), (2, 3));
        // out of range and inside a character are clamped, never panic
        assert_eq!(line_col(text, 8), (2, 2));
        assert_eq!(line_col(text, 999).0, 3);
    }

    #[test]
    fn suggestions_only_for_close_words() {
        assert_eq!(
            did_you_mean("replica", ["replicas", "image"]).as_deref(),
            Some("did you mean `replicas`?")
        );
        assert_eq!(did_you_mean("zzz", ["replicas", "image"]), None);
    }
}
