//! Lenient JSON text from templates: trailing commas before `]` or `}` are dropped, so a
//! template can emit every list item with a comma after it, then the text is parsed strictly.

/// Removes commas that are followed (after whitespace) by `]` or `}`, outside strings.
pub fn strip_trailing_commas(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b',' {
            let next = bytes[i + 1..].iter().find(|c| !c.is_ascii_whitespace());
            if matches!(next, Some(b']') | Some(b'}')) {
                out.push_str(&text[start..i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    out.push_str(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::strip_trailing_commas;

    #[test]
    fn drops_trailing_commas_only() {
        let text = r#"{"a": [1, 2, ], "b": {"c": ",]", "d": "x\",}",
        },}"#;
        let fixed = strip_trailing_commas(text);
        let value: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(value["a"], serde_json::json!([1, 2]));
        assert_eq!(value["b"]["c"], ",]");
        assert_eq!(value["b"]["d"], "x\",}");
    }

    #[test]
    fn leaves_valid_json_alone() {
        let text = r#"{"a": [1, 2], "b": "]"}"#;
        assert_eq!(strip_trailing_commas(text), text);
    }
}
