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
    /// An input limit: file size, nesting depth, number of environments.
    pub const LIMIT: &str = "azlift::manifest::limit";
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
    /// `false` when a line miette would show around the span is too long to print (a 10 MB
    /// value): the diagnostic is then shown without its context lines.
    show_source: bool,
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
        self.span
            .filter(|_| self.show_source)
            .map(|_| &self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span.filter(|_| self.show_source)?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(self.label.clone(), span),
        )))
    }
}

/// At most this many errors (and as many warnings) of one manifest are kept and shown; the
/// rest are counted ("and N more"), so a hostile file cannot flood the terminal.
pub const MAX_SHOWN: usize = 50;

/// All errors (and the warnings) of one manifest, reported together.
#[derive(Debug, thiserror::Error)]
#[error("{file}: the manifest has {} error(s)", errors.len() + omitted_errors)]
pub struct ManifestErrors {
    file: String,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    omitted_errors: usize,
    omitted_warnings: usize,
}

impl ManifestErrors {
    pub(crate) fn new(
        file: String,
        mut errors: Vec<Diagnostic>,
        mut warnings: Vec<Diagnostic>,
    ) -> Self {
        let omitted_errors = errors.len().saturating_sub(MAX_SHOWN);
        let omitted_warnings = warnings.len().saturating_sub(MAX_SHOWN);
        errors.truncate(MAX_SHOWN);
        warnings.truncate(MAX_SHOWN);
        ManifestErrors {
            file,
            errors,
            warnings,
            omitted_errors,
            omitted_warnings,
        }
    }
    /// The first [`MAX_SHOWN`] errors, in the order of the file.
    pub fn errors(&self) -> &[Diagnostic] {
        &self.errors
    }
    /// The first [`MAX_SHOWN`] warnings found along the way.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
    /// Errors found beyond the ones kept ("and N more").
    pub fn omitted_errors(&self) -> usize {
        self.omitted_errors
    }
    /// Warnings found beyond the ones kept.
    pub fn omitted_warnings(&self) -> usize {
        self.omitted_warnings
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
        Some(Box::new(if self.omitted_errors > 0 {
            format!(
                "fix the errors above (and {} more not shown) and run `azlift validate` again",
                self.omitted_errors
            )
        } else {
            "fix the errors above and run `azlift validate` again".to_string()
        }))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        Some(Box::new(
            self.errors.iter().map(|d| d as &dyn miette::Diagnostic),
        ))
    }
}

/// 1-based line and column (in characters) of a byte offset (one lookup: builds the index).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_col(text, offset)
}

/// Where each line of a text starts, built once per file so finding the line and column of
/// a diagnostic is a binary search, not a rescan of the text (20,000 diagnostics in a large
/// file stay linear).
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of a byte offset of `text` (the text the
    /// index was built from). Out of range and mid-character offsets are clamped.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let line_start = self.starts[line - 1];
        let column = text[line_start..offset].chars().count() + 1;
        (line, column)
    }

    /// The byte range of the 1-based line `line`, without its newline.
    pub(crate) fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self
            .starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(text.len());
        let end = self
            .starts
            .get(line)
            .map(|s| s.saturating_sub(1))
            .unwrap_or(text.len());
        start..end.max(start)
    }
}

/// Longest source line (in bytes) shown as context around a diagnostic.
const MAX_CONTEXT_LINE: usize = 400;

/// Longest message or help text, in characters.
const MAX_MESSAGE_CHARS: usize = 600;

/// A message as it is kept: control characters escaped, cut to [`MAX_MESSAGE_CHARS`].
fn bounded(text: &str) -> String {
    let escaped = crate::text::escape_controls(text);
    if escaped.chars().count() <= MAX_MESSAGE_CHARS {
        return escaped.into_owned();
    }
    let head: String = escaped.chars().take(MAX_MESSAGE_CHARS).collect();
    format!("{head}… (message shortened)")
}

/// Collects diagnostics while a manifest is checked.
pub(crate) struct Diags {
    file: String,
    source: NamedSource<Arc<str>>,
    text: Arc<str>,
    index: Arc<LineIndex>,
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
}

impl Diags {
    pub(crate) fn new(file: &str, text: Arc<str>) -> Self {
        let shown_name = crate::text::escape_controls(file).into_owned();
        // What miette shows around a span: control characters masked (same byte length).
        let shown_text: Arc<str> = match crate::text::mask_controls_same_len(&text) {
            std::borrow::Cow::Borrowed(_) => text.clone(),
            std::borrow::Cow::Owned(masked) => Arc::from(masked),
        };
        Diags {
            file: shown_name.clone(),
            source: NamedSource::new(shown_name, shown_text),
            index: Arc::new(LineIndex::new(&text)),
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
                let (l, c) = self.index.line_col(&self.text, start);
                (Some(l), Some(c), Some(SourceSpan::from(start..end)))
            }
            None => (None, None, None),
        };
        // miette shows the span's lines and one line either side.
        let show_source = line.is_some_and(|l| {
            (l.saturating_sub(1).max(1)..=l + 1)
                .all(|n| self.index.line_range(&self.text, n).len() <= MAX_CONTEXT_LINE)
        });
        Diagnostic {
            code,
            label: None,
            message: bounded(&message),
            help: help.as_deref().map(bounded),
            file: self.file.clone(),
            line,
            column,
            severity,
            span,
            source: self.source.clone(),
            show_source,
        }
    }

    /// Mask every secret value in the messages and in the text shown around each span (a
    /// literal app secret on a neighbouring line). Secrets are replaced in the shown source
    /// by as many `*`, so spans stay valid.
    pub(crate) fn redact(&mut self, secrets: &[String]) {
        let secrets: Vec<&str> = secrets
            .iter()
            .map(String::as_str)
            .filter(|s| s.len() >= crate::events::MIN_REDACTED_LEN)
            .collect();
        if secrets.is_empty() {
            return;
        }
        let mut masked = crate::text::mask_controls_same_len(&self.text).into_owned();
        for s in &secrets {
            if masked.contains(s) {
                masked = masked.replace(s, &"*".repeat(s.len()));
            }
        }
        let source = NamedSource::new(self.file.clone(), Arc::<str>::from(masked));
        let redactor = crate::events::Redactor::with_secrets(secrets.iter().copied());
        for d in self.errors.iter_mut().chain(self.warnings.iter_mut()) {
            d.message = redactor.redact(&d.message);
            d.help = d.help.as_deref().map(|h| redactor.redact(h));
            d.label = d.label.as_deref().map(|l| redactor.redact(l));
            d.source = source.clone();
        }
        self.source = source;
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
