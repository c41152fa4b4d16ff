//! `[verify]`: silencing `azlift verify` findings per resource, each with a required reason
//! (`[[verify.silence]] rule = "AZL-V003", resource = "app.worker", reason = "..."`).

use std::collections::BTreeSet;

use crate::model::Silence;

use super::super::diagnostic::{code, did_you_mean};
use super::super::node::{Entry, Value};
use super::super::reader::{Section, wrong_type};
use super::Ctx;

pub(crate) const VERIFY_KEYS: &[&str] = &["silence"];
pub(crate) const SILENCE_KEYS: &[&str] = &["rule", "resource", "reason"];

/// Read `[verify]`. `known` holds every resource address of the manifest.
pub(crate) fn silences(
    entry: Option<&Entry>,
    known: &BTreeSet<String>,
    ctx: &mut Ctx<'_>,
) -> Vec<Silence> {
    let mut out = Vec::new();
    let Some(entry) = entry else { return out };
    let Some(section) = Section::open(
        &entry.node,
        entry.key_span.clone(),
        "verify",
        VERIFY_KEYS,
        ctx.d,
    ) else {
        return out;
    };
    let Some(list) = section.get("silence") else {
        return out;
    };
    let Value::Array(items) = &list.value else {
        wrong_type(
            list,
            "verify.silence",
            "an array of tables (`[[verify.silence]]`)",
            ctx.d,
        );
        return out;
    };
    let rule_ids: Vec<&str> = crate::verify::RULES.iter().map(|r| r.id).collect();
    for item in items {
        let Some(s) = Section::open(
            item,
            item.span.clone(),
            "verify.silence",
            SILENCE_KEYS,
            ctx.d,
        ) else {
            continue;
        };
        let rule = s.require_str("rule", "\"AZL-V003\"", ctx.d);
        let resource = s.require_str("resource", "\"app.worker\"", ctx.d);
        let reason = s.require_str(
            "reason",
            "\"a batch worker: scaling to zero is intended\"",
            ctx.d,
        );
        if let (Some(rule), Some(node)) = (&rule, s.get("rule"))
            && !rule_ids.iter().any(|id| id.eq_ignore_ascii_case(rule))
        {
            let help = did_you_mean(rule, rule_ids.iter().copied())
                .unwrap_or_else(|| format!("verify rules: {}", rule_ids.join(", ")));
            ctx.d.error(
                code::UNKNOWN_REFERENCE,
                Some(node.span.clone()),
                format!("`verify.silence.rule`: there is no verify rule `{rule}`"),
                Some(help),
            );
        }
        if let (Some(resource), Some(node)) = (&resource, s.get("resource"))
            && !known.contains(resource)
        {
            let help = did_you_mean(resource, known.iter().map(String::as_str))
                .unwrap_or_else(|| "name a resource of this manifest, such as `app.NAME`".into());
            ctx.d.error(
                code::UNKNOWN_REFERENCE,
                Some(node.span.clone()),
                format!("`verify.silence.resource`: the manifest has no resource `{resource}`"),
                Some(help),
            );
        }
        if let (Some(reason), Some(node)) = (&reason, s.get("reason"))
            && reason.trim().is_empty()
        {
            ctx.d.error(
                code::INVALID_VALUE,
                Some(node.span.clone()),
                "`verify.silence.reason` is empty".to_string(),
                Some("say why the finding is accepted; verify prints it beside the finding".into()),
            );
        }
        if let (Some(rule), Some(resource), Some(reason)) = (rule, resource, reason) {
            let rule = rule_ids
                .iter()
                .find(|id| id.eq_ignore_ascii_case(&rule))
                .map(|id| id.to_string())
                .unwrap_or(rule);
            out.push(Silence {
                rule,
                resource,
                reason: reason.trim().to_string(),
            });
        }
    }
    out
}
