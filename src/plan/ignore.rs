//! Fields owned elsewhere (`ignore = ["properties.template.containers[name=api].image"]`,
//! like Terraform's `ignore_changes`): once a resource exists, plan and apply take these
//! paths from what ARM has, so a value another tool set (the image a deploy step rolled out)
//! is neither reported nor reverted. A path is dot-separated keys, each optionally followed by
//! `[N]` (an array index) or `[FIELD=VALUE]` (the array element whose FIELD is VALUE).

use serde_json::Value;

/// One step of an ignore path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// The array element whose `field` is the string `value`.
    Select {
        field: String,
        value: String,
    },
}

/// Parses `a.b[name=api].c` / `a.b[0]`. `Err` says what is wrong, for the manifest.
pub fn parse(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    if path.trim().is_empty() {
        return Err("is empty".into());
    }
    for segment in path.split('.') {
        let (key, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if key.is_empty() {
            return Err(format!("has an empty key in `{segment}`"));
        }
        if key.contains(']') {
            return Err(format!("has a stray `]` in `{segment}`"));
        }
        steps.push(Step::Key(key.to_string()));
        while !rest.is_empty() {
            let Some(end) = rest.find(']').filter(|_| rest.starts_with('[')) else {
                return Err(format!("has an unclosed or stray bracket in `{segment}`"));
            };
            let inner = &rest[1..end];
            steps.push(match inner.split_once('=') {
                Some((field, value)) if !field.is_empty() && !value.is_empty() => Step::Select {
                    field: field.to_string(),
                    value: value.to_string(),
                },
                Some(_) => return Err(format!("has an incomplete selector `[{inner}]`")),
                None => Step::Index(
                    inner
                        .parse()
                        .map_err(|_| format!("has `[{inner}]`: use `[N]` or `[FIELD=VALUE]`"))?,
                ),
            });
            rest = &rest[end + 1..];
        }
    }
    Ok(steps)
}

fn step_in<'a>(v: &'a Value, step: &Step) -> Option<&'a Value> {
    match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(i),
        Step::Select { field, value } => v
            .as_array()?
            .iter()
            .find(|e| e.get(field).and_then(Value::as_str) == Some(value.as_str())),
    }
}

fn step_in_mut<'a>(v: &'a mut Value, step: &Step) -> Option<&'a mut Value> {
    match step {
        Step::Key(k) => v.get_mut(k),
        Step::Index(i) => v.get_mut(i),
        Step::Select { field, value } => v
            .as_array_mut()?
            .iter_mut()
            .find(|e| e.get(field).and_then(Value::as_str) == Some(value.as_str())),
    }
}

/// Puts what `observed` holds at each of `paths` into `body`, where both have the place
/// (the parent in `body`, the value in `observed`). Paths that do not parse are skipped
/// (the manifest refuses them).
pub fn overlay(body: &mut Value, observed: &Value, paths: &[String]) {
    for path in paths {
        let Ok(steps) = parse(path) else { continue };
        let Some((last, parents)) = steps.split_last() else {
            continue;
        };
        let Some(value) = steps.iter().try_fold(observed, |v, s| step_in(v, s)) else {
            continue;
        };
        let Some(parent) = parents
            .iter()
            .try_fold(&mut *body, |v, s| step_in_mut(v, s))
        else {
            continue;
        };
        match (last, parent) {
            (Step::Key(k), Value::Object(map)) => {
                map.insert(k.clone(), value.clone());
            }
            (step, parent) => {
                if let Some(slot) = step_in_mut(parent, step) {
                    *slot = value.clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse_keys_indexes_and_selectors() {
        assert_eq!(
            parse("properties.template.containers[name=api].image").unwrap(),
            vec![
                Step::Key("properties".into()),
                Step::Key("template".into()),
                Step::Key("containers".into()),
                Step::Select {
                    field: "name".into(),
                    value: "api".into()
                },
                Step::Key("image".into()),
            ]
        );
        assert_eq!(
            parse("tags[0]").unwrap(),
            vec![Step::Key("tags".into()), Step::Index(0)]
        );
        for bad in ["", "a..b", "a[", "a[x]", "a[=v]", "a]b"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ignored_values_come_from_what_arm_has() {
        let mut body = json!({"properties": {"template": {"containers": [
            {"name": "side", "image": "side:1"},
            {"name": "api", "image": "api:2", "cpu": 1}
        ]}}, "tags": {"a": "1"}});
        let observed = json!({"properties": {"template": {"containers": [
            {"name": "api", "image": "api:7-deployed", "cpu": 1},
            {"name": "side", "image": "side:0"}
        ]}}, "tags": {"a": "1", "deployed-by": "ci"}});
        overlay(
            &mut body,
            &observed,
            &[
                "properties.template.containers[name=api].image".into(),
                "tags.deployed-by".into(),
                "properties.missing.x".into(),
            ],
        );
        assert_eq!(
            body["properties"]["template"]["containers"][1]["image"],
            "api:7-deployed"
        );
        assert_eq!(
            body["properties"]["template"]["containers"][0]["image"], "side:1",
            "only the selected container"
        );
        assert_eq!(body["tags"]["deployed-by"], "ci");
        assert!(body["properties"].get("missing").is_none());
    }
}
