//! Two resources of one manifest with the same ARM id (two custom resources, or a custom one
//! and a built-in; ids compare case-insensitively, as ARM does) would fight: each `up` would
//! fix one and drift the other. Rendering knows the ids; this module turns a clash into a
//! manifest error naming both addresses and where each is declared (file:line:col).

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diags, ManifestErrors, code, line_col};

/// Check `resources` (address, ARM id) of the manifest `file` whose text is `text`: every
/// clash is one error at the later declaration, naming the earlier one.
pub fn check_duplicate_ids<'a>(
    file: &str,
    text: &str,
    resources: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), ManifestErrors> {
    let (doc, _) = DeTable::parse_recoverable(text);
    let root = doc.get_ref();
    let mut d = Diags::new(file, Arc::from(text));
    let mut first: HashMap<String, &str> = HashMap::new();
    for (address, id) in resources {
        let Some(earlier) = first.get(&id.to_ascii_lowercase()).copied() else {
            first.insert(id.to_ascii_lowercase(), address);
            continue;
        };
        let where_earlier = declaration(root, earlier)
            .map(|s| {
                let (l, c) = line_col(text, s.start);
                format!(" ({file}:{l}:{c})")
            })
            .unwrap_or_default();
        d.error(
            code::DUPLICATE_ID,
            declaration(root, address),
            format!(
                "`{address}` and `{earlier}`{where_earlier} have the same ARM id {id}: each `up` would undo the other"
            ),
            Some(format!(
                "give one of them another name (or remove `{address}` if `{earlier}` already declares it)"
            )),
        );
    }
    if d.has_errors() {
        let (file, errors, warnings) = d.finish();
        return Err(ManifestErrors::new(file, errors, warnings));
    }
    Ok(())
}

/// Where the resource at `address` is declared: the header (or key) of the longest table path
/// the address starts with (`resource.kv` -> `[resource.kv]`, `monitoring.workspace` ->
/// `[monitoring]`); `resource_group` and `environment` fall back to `[project]`.
fn declaration(root: &DeTable<'_>, address: &str) -> Option<Range<usize>> {
    let parts: Vec<&str> = split_address(address);
    let found = (1..=parts.len())
        .rev()
        .find_map(|n| key_span(root, &parts[..n]));
    found.or_else(|| match parts.first() {
        Some(&"resource_group") => {
            key_span(root, &["project", "resource_group"]).or_else(|| key_span(root, &["project"]))
        }
        Some(_) => key_span(root, &["project"]),
        None => None,
    })
}

/// `alert.high-error-rate` -> `["alert", "high-error-rate"]`: the first dot separates the
/// section from the key (keys may hold dots).
fn split_address(address: &str) -> Vec<&str> {
    match address.split_once('.') {
        Some((section, key)) => vec![section, key],
        None => vec![address],
    }
}

/// The span of the key `name` of `t`, and its value.
fn entry<'t, 'a>(t: &'t DeTable<'a>, name: &str) -> Option<(Range<usize>, &'t DeValue<'a>)> {
    t.iter()
        .find(|(k, _)| k.get_ref().as_ref() == name)
        .map(|(k, v)| (k.span(), v.get_ref()))
}

/// The span of the key at `path` in `root`.
fn key_span<'a>(root: &DeTable<'a>, path: &[&str]) -> Option<Range<usize>> {
    let (last, parents) = path.split_last()?;
    let mut table = root;
    for p in parents {
        let (_, v) = entry(table, p)?;
        match v {
            DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    entry(table, last).map(|(span, _)| span)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[project]\nname = \"p\"\n\n[resource.a]\ntemplate = \"a.json\"\n\n[resource.b]\ntemplate = \"b.json\"\n";

    #[test]
    fn a_clash_names_both_addresses_and_lines() {
        let err = check_duplicate_ids(
            "azlift.toml",
            TEXT,
            [
                ("resource_group", "/subscriptions/s/resourceGroups/rg-p"),
                (
                    "resource.a",
                    "/subscriptions/s/resourceGroups/rg-p/providers/X/y/n",
                ),
                (
                    "resource.b",
                    "/SUBSCRIPTIONS/s/resourceGroups/RG-P/providers/x/Y/N",
                ),
            ],
        )
        .unwrap_err();
        let errors = err.errors();
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!(e.code, code::DUPLICATE_ID);
        assert_eq!((e.line, e.column), (Some(7), Some(11)));
        assert!(
            e.message
                .contains("`resource.b` and `resource.a` (azlift.toml:4:11)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_builtin_clash_points_at_its_section() {
        let err = check_duplicate_ids(
            "m.toml",
            TEXT,
            [
                ("resource_group", "/subscriptions/s/resourceGroups/rg-p"),
                ("resource.a", "/subscriptions/s/resourcegroups/rg-p"),
            ],
        )
        .unwrap_err();
        let e = &err.errors()[0];
        assert!(e.message.contains("(m.toml:1:2)"), "{}", e.message);
        assert_eq!(e.line, Some(4));
    }

    #[test]
    fn distinct_ids_pass() {
        check_duplicate_ids(
            "m.toml",
            TEXT,
            [("resource.a", "/x/1"), ("resource.b", "/x/2")],
        )
        .unwrap();
    }
}
