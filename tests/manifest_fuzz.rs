//! Property tests: the manifest parser never panics, on arbitrary text and on random
//! mutations (deleted, duplicated, swapped lines; changed values) of the example manifests.

use std::collections::BTreeMap;
use std::path::Path;

use azlift::manifest::{LoadOptions, parse_str};
use proptest::prelude::*;

fn examples() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    ["production", "minimal", "custom"]
        .iter()
        .map(|e| std::fs::read_to_string(root.join(e).join("azlift.toml")).unwrap())
        .collect()
}

fn opts(env: Option<&str>) -> LoadOptions {
    LoadOptions {
        env: env.map(String::from),
        vars: Vec::new(),
        process_env: BTreeMap::new(),
        lenient_values: false,
    }
}

/// Parse and, when it fails, check every diagnostic has a sane place.
fn check(text: &str, env: Option<&str>) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/custom");
    if let Err(e) = parse_str("azlift.toml", text, &base, &opts(env)) {
        assert!(!e.errors().is_empty());
        let lines = text.split('\n').count();
        for d in e.errors() {
            if let Some(line) = d.line {
                assert!(line >= 1 && line <= lines, "line {line} of {lines}: {d:?}");
                assert!(d.column.unwrap() >= 1);
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Duplicate(usize),
    Swap(usize, usize),
    /// Replace the value after `=` on a line.
    Value(usize, String),
    /// Insert arbitrary text on a line.
    Insert(usize, String),
}

fn value_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"\"".to_string()),
        Just("-1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("1e309".to_string()),
        Just("nan".to_string()),
        Just("true".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("\"${var.\"".to_string()),
        Just("\"${env.X}\"".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        Just("{ min = 3, max = 1 }".to_string()),
        "\"[a-zA-Z0-9 ${}._/-]{0,20}\"",
        any::<i64>().prop_map(|i| i.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (any::<usize>(), value_strategy()).prop_map(|(a, v)| Mutation::Value(a, v)),
        (any::<usize>(), "[\\PC]{0,30}").prop_map(|(a, s)| Mutation::Insert(a, s)),
    ]
}

fn apply(text: &str, muts: &[Mutation]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for m in muts {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match m {
            Mutation::Delete(i) => {
                lines.remove(i % n);
            }
            Mutation::Duplicate(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Mutation::Swap(a, b) => lines.swap(a % n, b % n),
            Mutation::Value(i, v) => {
                let l = &mut lines[i % n];
                if let Some(eq) = l.find('=') {
                    *l = format!("{}= {v}", &l[..eq]);
                }
            }
            Mutation::Insert(i, s) => lines.insert(i % n, s.clone()),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(&text, None);
    }

    #[test]
    fn toml_like_text_never_panics(text in "(\\[[a-z._-]{1,20}\\]\n|[a-z_.-]{1,12} = (\"[^\"\n]{0,12}\"|[0-9]{1,4}|true|\\[\\]|\\{ ?\\})\n){0,30}") {
        check(&text, None);
        check(&text, Some("dev"));
    }

    #[test]
    fn mutated_examples_never_panic(
        which in 0usize..3,
        muts in proptest::collection::vec(mutation(), 1..6),
        env in prop_oneof![Just(None), Just(Some("dev")), Just(Some("prod"))],
    ) {
        let ex = &examples()[which];
        let text = apply(ex, &muts);
        check(&text, env);
    }
}

#[test]
fn the_mutator_changes_the_text() {
    let ex = &examples()[0];
    let out = apply(ex, &[Mutation::Delete(0)]);
    assert_ne!(&out, ex);
    let out = apply(ex, &[Mutation::Value(9, "7".into())]);
    assert!(
        out.lines().nth(9).unwrap().ends_with("= 7") || !ex.lines().nth(9).unwrap().contains('=')
    );
}
