//! Untrusted text made safe to print: control characters (terminal escape sequences, NUL,
//! carriage returns) written as visible escapes, and very long values shortened, so a
//! manifest, a template or a server cannot drive the terminal or flood the output.

use std::borrow::Cow;

/// Longest value, in characters, quoted inside a message before it is shortened.
pub const MAX_QUOTED_CHARS: usize = 120;

/// `text` with every control character except tab written as an escape (`\u{1b}`), so it
/// prints on one line and cannot move the cursor or change colours.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The same as [`escape_controls`], keeping line breaks (for multi-line messages).
pub fn escape_controls_keep_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|l| escape_controls(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// `text` with every control character (but tab, and line breaks) replaced by `?` characters
/// of the same total byte length, so byte offsets into it stay valid: for showing source
/// lines around a span.
pub fn mask_controls_same_len(text: &str) -> Cow<'_, str> {
    let unsafe_at = |i: usize, c: char| {
        is_unsafe(c) && c != '\n' && !(c == '\r' && text[i + 1..].starts_with('\n'))
    };
    if !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if unsafe_at(i, c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A user-supplied value as it is quoted in a message: controls escaped, and cut to
/// [`MAX_QUOTED_CHARS`] characters with the length said.
pub fn quoted(value: &str) -> String {
    let n = value.chars().count();
    if n <= MAX_QUOTED_CHARS {
        return escape_controls(value).into_owned();
    }
    let head: String = value.chars().take(MAX_QUOTED_CHARS).collect();
    format!("{}… ({n} characters)", escape_controls(&head))
}

/// An error's message followed by its chain of causes (`a: b: c`), each cause added once: the
/// top message of an HTTP client's error ("error sending request") hides the cause
/// ("Connection refused", a TLS failure).
pub fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// A URL as it may be shown: without user name, password, query (a SAS token) or fragment.
/// Text that does not parse as a URL is shown as `(unparsable URL)`: it may hold anything.
pub fn url_for_display(url: &str) -> String {
    match azure_core::http::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            escape_controls(u.as_str()).into_owned()
        }
        Err(_) => "(unparsable URL)".to_string(),
    }
}

/// Control characters and the Unicode bidirectional overrides (which reorder what a terminal
/// shows), but not tab.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences_and_keeps_plain_text() {
        assert_eq!(escape_controls("key"), "key");
        assert!(matches!(escape_controls("key"), Cow::Borrowed(_)));
        assert_eq!(escape_controls("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape_controls("a\rb\0"), "a\\rb\\u{0}");
        assert_eq!(escape_controls("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(escape_controls_keep_lines("a\n\u{7}b"), "a\n\\u{7}b");
    }

    #[test]
    fn masking_keeps_byte_offsets() {
        let text = "a\u{1b}b\u{202e}c\r\nd\re\n";
        let masked = mask_controls_same_len(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "a?b???c\r\nd?e\n");
        assert!(matches!(
            mask_controls_same_len("plain\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn urls_lose_credentials_and_queries() {
        assert_eq!(
            url_for_display("https://user:hunter22@acct.blob.core.windows.net/c?sv=1&sig=abc#x"),
            "https://acct.blob.core.windows.net/c"
        );
        assert_eq!(url_for_display("not a url hunter22"), "(unparsable URL)");
    }

    #[test]
    fn long_values_are_cut_with_their_length() {
        let long = "a".repeat(10_000);
        let q = quoted(&long);
        assert!(q.len() < 200, "{q}");
        assert!(q.ends_with("(10000 characters)"));
        assert_eq!(quoted("short\u{1b}"), "short\\u{1b}");
    }
}
