//! `[action_group.KEY]` (email receivers) and `[alert.KEY]` (metric alerts): values, ARM
//! names, durations from ARM's fixed set, and references to action groups and apps.

use std::collections::BTreeMap;

use crate::model::{ActionGroup, Alert, AlertScope};

use super::super::diagnostic::{Diags, code, did_you_mean};
use super::super::names;
use super::super::node::{Entry, Span, Value};
use super::super::reader::{Section, as_str, wrong_type};
use super::Ctx;

pub(crate) const ACTION_GROUP_KEYS: &[&str] = &["name", "short_name", "enabled", "email"];
pub(crate) const ALERT_KEYS: &[&str] = &[
    "name",
    "description",
    "severity",
    "enabled",
    "frequency",
    "window",
    "namespace",
    "metric",
    "aggregation",
    "operator",
    "threshold",
    "notify",
    "scope",
    "auto_mitigate",
];

/// ARM's evaluation frequencies, shortest first.
pub(crate) const FREQUENCIES: &[&str] = &["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"];
/// ARM's window sizes, shortest first.
pub(crate) const WINDOWS: &[&str] = &[
    "PT1M", "PT5M", "PT15M", "PT30M", "PT1H", "PT6H", "PT12H", "P1D",
];
pub(crate) const AGGREGATIONS: &[&str] = &["Average", "Count", "Maximum", "Minimum", "Total"];
pub(crate) const OPERATORS: &[&str] = &[
    "Equals",
    "GreaterThan",
    "GreaterThanOrEqual",
    "LessThan",
    "LessThanOrEqual",
];

fn minutes(iso: &str) -> usize {
    match iso {
        "PT1M" => 1,
        "PT5M" => 5,
        "PT15M" => 15,
        "PT30M" => 30,
        "PT1H" => 60,
        "PT6H" => 360,
        "PT12H" => 720,
        _ => 1440,
    }
}

/// `"5 minutes"`, `"5m"`, `"1h"`, `"1 day"` -> the ISO 8601 spelling, for the help text.
fn iso_hint(text: &str) -> Option<&'static str> {
    let t = text.trim().to_ascii_lowercase();
    let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: usize = digits.parse().ok()?;
    let unit = t[digits.len()..].trim();
    let mins = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => n,
        "h" | "hr" | "hour" | "hours" => n * 60,
        "d" | "day" | "days" => n * 1440,
        _ => return None,
    };
    WINDOWS.iter().copied().find(|w| minutes(w) == mins)
}

fn duration(
    s: &Section<'_>,
    key: &str,
    allowed: &[&'static str],
    d: &mut Diags,
) -> Option<&'static str> {
    let node = s.get(key)?;
    let text = as_str(node, &format!("{}.{key}", s.place), d)?;
    if let Some(found) = allowed.iter().find(|a| a.eq_ignore_ascii_case(text.trim())) {
        return Some(found);
    }
    let list = allowed.join(", ");
    let help = match iso_hint(&text).filter(|h| allowed.contains(h)) {
        Some(h) => format!("did you mean `{h}`? ARM takes ISO 8601 durations: {list}"),
        None => format!("ARM takes ISO 8601 durations: {list}"),
    };
    d.error(
        code::INVALID_VALUE,
        Some(node.span.clone()),
        format!("`{}.{key}` cannot be \"{text}\"", s.place),
        Some(help),
    );
    None
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

fn arm_name(
    s: &Section<'_>,
    key: &str,
    default: String,
    kind: &str,
    ctx: &mut Ctx<'_>,
) -> (String, Span) {
    let (name, span, derived) = match s.str("name", ctx.d) {
        Some(n) => (
            n,
            s.get("name").map(|x| x.span.clone()).unwrap_or_default(),
            false,
        ),
        None => (default, s.key_span.clone(), true),
    };
    if let Err(why) = names::insights(&name) {
        ctx.d.error(
            code::INVALID_NAME,
            Some(span.clone()),
            format!("{kind} name `{name}` {why}"),
            Some(if derived {
                format!("the name is `{{project}}-{key}` (`{{project}}-{{env}}-{key}` outside the default environment); set `name` to choose another")
            } else {
                "Azure rejects these characters in names".into()
            }),
        );
    }
    (name, span)
}

pub(crate) fn action_groups(
    entry: Option<&Entry>,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, ActionGroup> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    let Value::Table(t) = &entry.node.value else {
        wrong_type(
            &entry.node,
            "action_group",
            "a table of action groups (`[action_group.ops]`)",
            ctx.d,
        );
        return out;
    };
    let mut seen_names: BTreeMap<String, String> = BTreeMap::new();
    for e in &t.entries {
        key_rule(&e.key, &e.key_span, "action group", ctx.d);
        let place = format!("action_group.{}", e.key);
        let Some(s) = Section::open(&e.node, e.key_span.clone(), place, ACTION_GROUP_KEYS, ctx.d)
        else {
            continue;
        };
        let (name, name_span) = arm_name(
            &s,
            &e.key,
            format!("{}-{}", ctx.name_stem, e.key),
            "action group",
            ctx,
        );
        dup_name(
            &mut seen_names,
            &name,
            &e.key,
            &name_span,
            "action group",
            ctx.d,
        );
        let short_name = match s.str("short_name", ctx.d) {
            Some(sn) => {
                let n = sn.chars().count();
                if n == 0 || n > 12 {
                    ctx.d.error(
                        code::OUT_OF_RANGE,
                        s.get("short_name").map(|x| x.span.clone()),
                        format!("`short_name` must be 1 to 12 characters, \"{sn}\" has {n}"),
                        Some("Azure shows the short name in SMS and email; pick 12 characters or fewer".into()),
                    );
                }
                sn
            }
            None if e.key.chars().count() <= 12 => e.key.clone(),
            None => {
                s.missing("short_name", "\"ops\"", ctx.d);
                String::new()
            }
        };
        let enabled = s.bool("enabled", ctx.d).unwrap_or(true);
        let emails = emails(&s, ctx);
        if emails.is_empty() {
            ctx.d.warn(
                code::NO_RECEIVERS,
                Some(e.key_span.clone()),
                format!(
                    "action group `{}` has no receivers: nobody is told when it fires",
                    e.key
                ),
                Some("add `email = { admin = \"ops@example.com\" }`".into()),
            );
        }
        out.insert(
            e.key.clone(),
            ActionGroup {
                name,
                short_name,
                enabled,
                emails,
            },
        );
    }
    out
}

fn emails(s: &Section<'_>, ctx: &mut Ctx<'_>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(node) = s.get("email") else {
        return out;
    };
    let Value::Table(t) = &node.value else {
        wrong_type(
            node,
            &format!("{}.email", s.place),
            "a table of receiver = address",
            ctx.d,
        );
        return out;
    };
    let mut lower: BTreeMap<String, String> = BTreeMap::new();
    for e in &t.entries {
        let Some(addr) = as_str(&e.node, &format!("{}.email.{}", s.place, e.key), ctx.d) else {
            continue;
        };
        if let Some(prev) = lower.insert(e.key.to_ascii_lowercase(), e.key.clone()) {
            ctx.d.error(
                code::DUPLICATE,
                Some(e.key_span.clone()),
                format!(
                    "email receiver `{}` duplicates `{prev}` (receiver names are case-insensitive)",
                    e.key
                ),
                Some("give each receiver its own name".into()),
            );
        }
        if !valid_email(&addr) {
            let shown = if e.node.secret {
                "(sensitive)".to_string()
            } else {
                format!("\"{addr}\"")
            };
            ctx.d.error(
                code::INVALID_VALUE,
                Some(e.node.span.clone()),
                format!(
                    "email receiver `{}` has {shown}, which is not an email address",
                    e.key
                ),
                Some("write it as `name@example.com`".into()),
            );
        }
        out.insert(e.key.clone(), addr);
    }
    out
}

fn key_rule(key: &str, span: &Span, what: &str, d: &mut Diags) {
    if let Err(why) = names::manifest_key(key) {
        d.error(
            code::INVALID_NAME,
            Some(span.clone()),
            format!("{what} key `{key}` {why}"),
            None,
        );
    }
}

fn dup_name(
    seen: &mut BTreeMap<String, String>,
    name: &str,
    key: &str,
    span: &Span,
    kind: &str,
    d: &mut Diags,
) {
    if let Some(prev) = seen.insert(name.to_ascii_lowercase(), key.to_string()) {
        d.error(
            code::DUPLICATE,
            Some(span.clone()),
            format!("{kind} `{key}` has the ARM name `{name}`, already used by `{prev}`"),
            Some("ARM names are case-insensitive; set a different `name`".into()),
        );
    }
}

pub(crate) fn alerts(
    entry: Option<&Entry>,
    action_groups: &BTreeMap<String, ActionGroup>,
    apps: &[String],
    has_monitoring: bool,
    ctx: &mut Ctx<'_>,
) -> BTreeMap<String, Alert> {
    let mut out = BTreeMap::new();
    let Some(entry) = entry else { return out };
    let Value::Table(t) = &entry.node.value else {
        wrong_type(
            &entry.node,
            "alert",
            "a table of alerts (`[alert.high-error-rate]`)",
            ctx.d,
        );
        return out;
    };
    let mut seen_names: BTreeMap<String, String> = BTreeMap::new();
    for e in &t.entries {
        key_rule(&e.key, &e.key_span, "alert", ctx.d);
        let place = format!("alert.{}", e.key);
        let Some(s) = Section::open(&e.node, e.key_span.clone(), place, ALERT_KEYS, ctx.d) else {
            continue;
        };
        let (name, name_span) = arm_name(
            &s,
            &e.key,
            format!("{}-{}", ctx.name_stem, e.key),
            "alert",
            ctx,
        );
        dup_name(&mut seen_names, &name, &e.key, &name_span, "alert", ctx.d);
        let description = s.str("description", ctx.d).unwrap_or_default();
        let severity = s.int_in("severity", 0..=4, ctx.d).unwrap_or(3) as u8;
        let enabled = s.bool("enabled", ctx.d).unwrap_or(true);
        let auto_mitigate = s.bool("auto_mitigate", ctx.d).unwrap_or(true);
        let frequency = duration(&s, "frequency", FREQUENCIES, ctx.d);
        let window = duration(&s, "window", WINDOWS, ctx.d);
        if let (Some(f), Some(w)) = (frequency, window)
            && minutes(f) > minutes(w)
        {
            ctx.d.error(
                code::OUT_OF_RANGE,
                s.get("frequency").map(|x| x.span.clone()),
                format!("`frequency` {f} is longer than `window` {w}"),
                Some(
                    "an alert must be evaluated at least once per window: frequency <= window"
                        .into(),
                ),
            );
        }
        let frequency = frequency.unwrap_or("PT1M");
        let window = window.unwrap_or(if minutes(frequency) > 5 {
            frequency
        } else {
            "PT5M"
        });
        let metric = s
            .require_str("metric", "\"requests/failed\"", ctx.d)
            .unwrap_or_default();
        let aggregation = match s.get("aggregation") {
            Some(_) => s
                .one_of("aggregation", AGGREGATIONS, ctx.d)
                .unwrap_or("Average"),
            None => {
                s.missing("aggregation", "\"Count\"", ctx.d);
                "Average"
            }
        };
        let operator = match s.get("operator") {
            Some(_) => s
                .one_of("operator", OPERATORS, ctx.d)
                .unwrap_or("GreaterThan"),
            None => {
                s.missing("operator", "\"GreaterThan\"", ctx.d);
                "GreaterThan"
            }
        };
        let threshold = match s.get("threshold") {
            Some(_) => s.number("threshold", ctx.d).unwrap_or_default(),
            None => {
                s.missing("threshold", "10", ctx.d);
                0.0
            }
        };
        let scope = scope(&s, apps, has_monitoring, ctx.d);
        let default_ns = match scope {
            AlertScope::App(_) => "Microsoft.App/containerApps",
            _ => "microsoft.insights/components",
        };
        let metric_namespace = s
            .str("namespace", ctx.d)
            .unwrap_or_else(|| default_ns.into());
        let mut notify = Vec::new();
        if let Some(list) = s.str_list("notify", ctx.d) {
            for (key, span) in list {
                if !action_groups.contains_key(&key) {
                    let help = did_you_mean(&key, action_groups.keys().map(String::as_str))
                        .unwrap_or_else(|| {
                            if action_groups.is_empty() {
                                format!("declare it: `[action_group.{key}]`")
                            } else {
                                format!(
                                    "action groups: {}",
                                    action_groups.keys().cloned().collect::<Vec<_>>().join(", ")
                                )
                            }
                        });
                    ctx.d.error(
                        code::UNKNOWN_REFERENCE,
                        Some(span),
                        format!(
                            "alert `{}` notifies `{key}`, which is not an action group",
                            e.key
                        ),
                        Some(help),
                    );
                } else if notify.contains(&key) {
                    ctx.d.error(
                        code::DUPLICATE,
                        Some(span),
                        format!("alert `{}` lists `{key}` twice in `notify`", e.key),
                        None,
                    );
                } else {
                    notify.push(key);
                }
            }
        }
        out.insert(
            e.key.clone(),
            Alert {
                name,
                description,
                severity,
                enabled,
                frequency: frequency.into(),
                window: window.into(),
                metric_namespace,
                metric,
                aggregation: aggregation.into(),
                operator: operator.into(),
                threshold,
                notify,
                scope,
                auto_mitigate,
            },
        );
    }
    out
}

fn scope(s: &Section<'_>, apps: &[String], has_monitoring: bool, d: &mut Diags) -> AlertScope {
    let Some(node) = s.get("scope") else {
        if !has_monitoring {
            d.error(
                code::UNKNOWN_REFERENCE,
                Some(s.key_span.clone()),
                format!(
                    "[{}] watches the project's Application Insights, but there is no [monitoring]",
                    s.place
                ),
                Some(
                    "add a `[monitoring]` table, or set `scope` to `app.NAME` or a resource id"
                        .into(),
                ),
            );
        }
        return AlertScope::AppInsights;
    };
    let Some(text) = as_str(node, &format!("{}.scope", s.place), d) else {
        return AlertScope::AppInsights;
    };
    if text == "app_insights" || text == "monitoring.app_insights" {
        if !has_monitoring {
            d.error(
                code::UNKNOWN_REFERENCE,
                Some(node.span.clone()),
                "`scope` names the project's Application Insights, but there is no [monitoring]",
                Some("add a `[monitoring]` table".into()),
            );
        }
        return AlertScope::AppInsights;
    }
    if let Some(app) = text.strip_prefix("app.") {
        if !apps.iter().any(|a| a == app) {
            let help = did_you_mean(app, apps.iter().map(String::as_str))
                .unwrap_or_else(|| format!("apps: {}", apps.join(", ")));
            d.error(
                code::UNKNOWN_REFERENCE,
                Some(node.span.clone()),
                format!("`scope` names app `{app}`, which is not declared"),
                Some(help),
            );
        }
        return AlertScope::App(app.to_string());
    }
    // `${ref.resource.vault.id}`: the renderer puts the id in and adds the dependency.
    let is_reference = crate::render::refs::has_marker(&text);
    if is_reference
        || text.to_ascii_lowercase().starts_with("/subscriptions/") && text.split('/').count() >= 9
    {
        return AlertScope::Id(text);
    }
    d.error(
        code::INVALID_VALUE,
        Some(node.span.clone()),
        format!("`scope` cannot be \"{text}\""),
        Some("use `app_insights` (the default), `app.NAME`, a reference such as `${ref.resource.vault.id}`, or a full ARM resource id `/subscriptions/.../providers/...`".into()),
    );
    AlertScope::AppInsights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friendly_durations_map_to_iso() {
        assert_eq!(iso_hint("5 minutes"), Some("PT5M"));
        assert_eq!(iso_hint("1h"), Some("PT1H"));
        assert_eq!(iso_hint("1 day"), Some("P1D"));
        assert_eq!(iso_hint("7 minutes"), None);
        assert_eq!(iso_hint("soon"), None);
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert!(valid_email("ops@example.com"));
        assert!(!valid_email("ops"));
        assert!(!valid_email("ops@localhost"));
        assert!(!valid_email("o ps@example.com"));
        assert!(!valid_email("a@b@example.com"));
    }
}
