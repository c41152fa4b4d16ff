//! Variables and interpolation: `[variables]` declarations, their values from `--var`,
//! `AZLIFT_VAR_<NAME>` or defaults, and `${var.NAME}` / `${env.NAME}` substitution in
//! every string of the manifest (`$${` writes a literal `${`). `${ref.ADDRESS.PATH}` is kept
//! as a marker for the renderer (see `render::refs`); `sections` checks its address.

use std::collections::BTreeMap;

use super::diagnostic::{Diags, code, did_you_mean};
use super::node::{Node, Span, Table, Value};

/// One declared variable after resolution.
#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub value: Option<String>,
    pub secret: bool,
}

/// Declared variables by name.
pub(crate) type Variables = BTreeMap<String, Variable>;

pub(crate) const VARIABLE_KEYS: &[&str] = &["default", "secret", "description"];

fn valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The names under which a variable can come from the process environment.
pub(crate) fn env_names(name: &str) -> [String; 2] {
    [
        format!("AZLIFT_VAR_{name}"),
        format!("AZLIFT_VAR_{}", name.to_ascii_uppercase().replace('-', "_")),
    ]
}

fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) | Value::Datetime(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(_) | Value::Table(_) => None,
    }
}

/// Read `[variables]` and give each variable its value: `--var`, then `AZLIFT_VAR_<NAME>`,
/// then the default. A variable without any value is an error naming how to set it.
pub(crate) fn resolve(
    section: Option<(&Span, &Node)>,
    cli: &[(String, String)],
    process_env: &BTreeMap<String, String>,
    d: &mut Diags,
) -> Variables {
    let mut vars = Variables::new();
    let mut declared_spans: BTreeMap<String, Span> = BTreeMap::new();
    if let Some((key_span, node)) = section {
        match &node.value {
            Value::Table(t) => {
                for e in &t.entries {
                    if !valid_var_name(&e.key) {
                        d.error(
                            code::INVALID_NAME,
                            Some(e.key_span.clone()),
                            format!("`{}` is not a valid variable name", e.key),
                            Some(
                                "use letters, digits, `_` and `-`, starting with a letter"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    let (default, secret) = declaration(&e.key, &e.node, d);
                    declared_spans.insert(e.key.clone(), e.key_span.clone());
                    vars.insert(
                        e.key.clone(),
                        Variable {
                            value: default,
                            secret,
                        },
                    );
                }
            }
            other => d.error(
                code::WRONG_TYPE,
                Some(key_span.clone()),
                format!("`variables` must be a table, found {}", other.type_name()),
                Some("write `[variables]` followed by `name = \"default\"` lines".to_string()),
            ),
        }
    }
    for (name, var) in vars.iter_mut() {
        let from_env = env_names(name)
            .iter()
            .find_map(|k| process_env.get(k).cloned());
        if let Some(v) = from_env {
            var.value = Some(v);
        }
    }
    for (name, value) in cli {
        match vars.get_mut(name) {
            Some(var) => var.value = Some(value.clone()),
            None => {
                let help =
                    did_you_mean(name, vars.keys().map(String::as_str)).unwrap_or_else(|| {
                        format!("declare it in [variables]: `{name} = \"default value\"`")
                    });
                d.error(
                    code::UNKNOWN_VARIABLE,
                    None,
                    format!("`--var {name}=...` sets a variable the manifest does not declare"),
                    Some(help),
                );
            }
        }
    }
    for (name, var) in &vars {
        if var.value.is_none() {
            let [exact, _] = env_names(name);
            d.error(
                code::MISSING_VARIABLE,
                declared_spans.get(name).cloned(),
                format!("variable `{name}` has no value"),
                Some(format!(
                    "set it with `--var {name}=VALUE` or the environment variable `{exact}`, or give it a default in [variables]"
                )),
            );
        }
    }
    vars
}

fn declaration(name: &str, node: &Node, d: &mut Diags) -> (Option<String>, bool) {
    match &node.value {
        Value::Table(t) => {
            let mut default = None;
            let mut secret = false;
            for e in &t.entries {
                match e.key.as_str() {
                    "default" => match scalar_text(&e.node) {
                        Some(v) => default = Some(v),
                        None => d.error(
                            code::WRONG_TYPE,
                            Some(e.node.span.clone()),
                            format!(
                                "the default of variable `{name}` must be a string, number or boolean, found {}",
                                e.node.value.type_name()
                            ),
                            None,
                        ),
                    },
                    "secret" => match e.node.value {
                        Value::Bool(b) => secret = b,
                        ref other => d.error(
                            code::WRONG_TYPE,
                            Some(e.node.span.clone()),
                            format!("`secret` must be a boolean, found {}", other.type_name()),
                            None,
                        ),
                    },
                    "description" => {}
                    other => unknown_key(other, &e.key_span, &format!("variables.{name}"), VARIABLE_KEYS, d),
                }
            }
            (default, secret)
        }
        Value::Array(_) => {
            d.error(
                code::WRONG_TYPE,
                Some(node.span.clone()),
                format!("variable `{name}` must be a value or a table, found an array"),
                Some(
                    "write `name = \"default\"` or `name = { default = \"...\", secret = true }`"
                        .to_string(),
                ),
            );
            (None, false)
        }
        _ => (scalar_text(node), false),
    }
}

fn unknown_key(key: &str, span: &Span, place: &str, allowed: &[&str], d: &mut Diags) {
    let help = did_you_mean(key, allowed.iter().copied())
        .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", ")));
    d.error(
        code::UNKNOWN_KEY,
        Some(span.clone()),
        format!("unknown key `{key}` in [{place}]"),
        Some(help),
    );
}

/// Substitute `${var.X}` and `${env.X}` in every string of the tree.
pub(crate) fn interpolate(
    node: &mut Node,
    vars: &Variables,
    process_env: &BTreeMap<String, String>,
    d: &mut Diags,
) {
    match &mut node.value {
        Value::Str(s) if s.contains('$') => {
            if let Some(out) = substitute(s, &node.span, vars, process_env, d) {
                node.interpolated = out.interpolated;
                node.secret = out.secret;
                *s = out.text;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|n| interpolate(n, vars, process_env, d)),
        Value::Table(Table { entries }) => entries
            .iter_mut()
            .for_each(|e| interpolate(&mut e.node, vars, process_env, d)),
        _ => {}
    }
}

pub(crate) struct Substituted {
    pub text: String,
    pub interpolated: bool,
    pub secret: bool,
}

/// Substitute one string. `None` when it has an error (already reported).
pub(crate) fn substitute(
    s: &str,
    span: &Span,
    vars: &Variables,
    process_env: &BTreeMap<String, String>,
    d: &mut Diags,
) -> Option<Substituted> {
    let mut out = Substituted {
        text: String::with_capacity(s.len()),
        interpolated: false,
        secret: false,
    };
    let mut rest = s;
    let mut ok = true;
    while let Some(i) = rest.find('$') {
        out.text.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.text.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(end) = after.find('}') else {
                d.error(
                    code::BAD_INTERPOLATION,
                    Some(span.clone()),
                    "unclosed `${` in string",
                    Some("close it with `}`, or write `$${` for a literal `${`".to_string()),
                );
                return None;
            };
            let expr = after[..end].trim();
            rest = &after[end + 1..];
            out.interpolated = true;
            match expr.split_once('.') {
                Some(("var", name)) => match vars.get(name) {
                    Some(v) => {
                        out.secret |= v.secret;
                        // A missing value was reported at the declaration.
                        out.text.push_str(v.value.as_deref().unwrap_or_default());
                    }
                    None => {
                        ok = false;
                        let help = did_you_mean(name, vars.keys().map(String::as_str))
                            .unwrap_or_else(|| {
                                format!("declare it in [variables]: `{name} = \"default\"`")
                            });
                        d.error(
                            code::UNKNOWN_VARIABLE,
                            Some(span.clone()),
                            format!("`${{var.{name}}}` names a variable that is not declared"),
                            Some(help),
                        );
                    }
                },
                // Resolved by the renderer, which knows every resource: kept as a marker.
                Some(("ref", reference)) if !reference.trim().is_empty() => {
                    out.text
                        .push_str(&crate::render::refs::marker(reference.trim()));
                }
                // Known per copy of a repeated resource: kept as a marker for `sections`.
                Some(("each" | "count", rest)) if !rest.trim().is_empty() => {
                    out.text.push_str(&super::sections::repeat_marker(expr));
                }
                Some(("env", name)) => match process_env.get(name) {
                    Some(v) => out.text.push_str(v),
                    None => {
                        ok = false;
                        d.error(
                            code::MISSING_ENV_VAR,
                            Some(span.clone()),
                            format!("environment variable `{name}` is not set"),
                            Some(format!("set `{name}` before running azlift, or use a variable with a default (`${{var.NAME}}`)")),
                        );
                    }
                },
                _ => {
                    ok = false;
                    d.error(
                        code::BAD_INTERPOLATION,
                        Some(span.clone()),
                        format!("`${{{expr}}}` is not a known interpolation"),
                        Some(
                            "use `${var.NAME}`, `${env.NAME}` or `${ref.ADDRESS.PATH}`; write `$${` for a literal `${`"
                                .to_string(),
                        ),
                    );
                }
            }
        } else {
            out.text.push('$');
            rest = &tail[1..];
        }
    }
    out.text.push_str(rest);
    ok.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn diags() -> Diags {
        Diags::new("t.toml", Arc::from("x"))
    }

    fn vars() -> Variables {
        let mut v = Variables::new();
        v.insert(
            "email".into(),
            Variable {
                value: Some("a@b.c".into()),
                secret: false,
            },
        );
        v.insert(
            "token".into(),
            Variable {
                value: Some("s3cret".into()),
                secret: true,
            },
        );
        v
    }

    #[test]
    fn substitutes_vars_env_and_escapes() {
        let mut env = BTreeMap::new();
        env.insert("HOME_REGION".to_string(), "eastus".to_string());
        let mut d = diags();
        let out = substitute(
            "to ${var.email} in ${ env.HOME_REGION } costs $5 $${literal}",
            &(0..1),
            &vars(),
            &env,
            &mut d,
        )
        .unwrap();
        assert_eq!(out.text, "to a@b.c in eastus costs $5 ${literal}");
        assert!(out.interpolated);
        assert!(!out.secret);
        assert!(!d.has_errors());
    }

    #[test]
    fn secret_variables_mark_the_string_secret() {
        let mut d = diags();
        let out = substitute(
            "Bearer ${var.token}",
            &(0..1),
            &vars(),
            &BTreeMap::new(),
            &mut d,
        )
        .unwrap();
        assert_eq!(out.text, "Bearer s3cret");
        assert!(out.secret);
    }

    #[test]
    fn unknown_variable_suggests_the_close_one() {
        let mut d = diags();
        assert!(substitute("${var.emial}", &(0..1), &vars(), &BTreeMap::new(), &mut d).is_none());
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].code, code::UNKNOWN_VARIABLE);
        assert_eq!(d.errors[0].help.as_deref(), Some("did you mean `email`?"));
    }

    #[test]
    fn unclosed_and_unknown_namespace_are_errors() {
        let mut d = diags();
        assert!(substitute("${var.email", &(0..1), &vars(), &BTreeMap::new(), &mut d).is_none());
        assert!(substitute("${foo.bar}", &(0..1), &vars(), &BTreeMap::new(), &mut d).is_none());
        assert!(substitute("${env.NOPE}", &(0..1), &vars(), &BTreeMap::new(), &mut d).is_none());
        let codes: Vec<_> = d.errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                code::BAD_INTERPOLATION,
                code::BAD_INTERPOLATION,
                code::MISSING_ENV_VAR
            ]
        );
    }

    #[test]
    fn resolution_order_is_cli_then_environment_then_default() {
        let text = "[variables]\na = \"default-a\"\nb = \"default-b\"\nc = \"default-c\"\nd = { secret = true }\n";
        let doc = toml::de::DeTable::parse(text).unwrap();
        let mut d = Diags::new("t.toml", Arc::from(text));
        let root = super::super::node::from_document(&doc, &mut d);
        let section = root.as_table().unwrap().get("variables").unwrap();
        let mut env = BTreeMap::new();
        env.insert("AZLIFT_VAR_A".to_string(), "env-a".to_string());
        env.insert("AZLIFT_VAR_b".to_string(), "env-b".to_string());
        let cli = vec![("a".to_string(), "cli-a".to_string())];
        let vars = resolve(Some((&section.key_span, &section.node)), &cli, &env, &mut d);
        assert_eq!(vars["a"].value.as_deref(), Some("cli-a"));
        assert_eq!(vars["b"].value.as_deref(), Some("env-b"));
        assert_eq!(vars["c"].value.as_deref(), Some("default-c"));
        assert!(vars["d"].secret);
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].code, code::MISSING_VARIABLE);
        assert_eq!((d.errors[0].line, d.errors[0].column), (Some(5), Some(1)));
        assert!(
            d.errors[0]
                .help
                .as_deref()
                .unwrap()
                .contains("--var d=VALUE")
        );
    }
}
