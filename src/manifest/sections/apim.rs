//! `[apim]`: an API Management service azlift manages (name, sku, capacity, publisher) or an
//! existing one (by name and resource group, or by id), its Application Insights logger and
//! its `applicationinsights` diagnostic.

use crate::model::{Apim, ApimDiagnostics, ApimService};

use super::super::diagnostic::{Diags, code};
use super::super::names;
use super::super::node::Entry;
use super::super::reader::Section;
use super::Ctx;

pub(crate) const APIM_KEYS: &[&str] = &[
    "existing",
    "id",
    "name",
    "resource_group",
    "sku",
    "capacity",
    "publisher_email",
    "publisher_name",
    "logger_name",
    "diagnostics",
];
const MANAGED_ONLY: &[&str] = &["sku", "capacity", "publisher_email", "publisher_name"];
pub(crate) const DIAGNOSTICS_KEYS: &[&str] = &[
    "sampling",
    "always_log_errors",
    "log_client_ip",
    "verbosity",
    "correlation",
    "headers",
    "body_bytes",
];
pub(crate) const SKUS: &[&str] = &[
    "Consumption",
    "Developer",
    "Basic",
    "Standard",
    "Premium",
    "BasicV2",
    "StandardV2",
];
const VERBOSITY: &[&str] = &["verbose", "information", "error"];
const CORRELATION: &[&str] = &["None", "Legacy", "W3C"];

fn capacity_range(sku: &str) -> (u32, u32) {
    match sku {
        "Consumption" => (0, 0),
        "Developer" => (1, 1),
        "Basic" => (1, 2),
        "Standard" => (1, 4),
        "BasicV2" | "StandardV2" => (1, 10),
        _ => (1, 31),
    }
}

pub(crate) fn apim(entry: Option<&Entry>, has_monitoring: bool, ctx: &mut Ctx<'_>) -> Option<Apim> {
    let entry = entry?;
    let s = Section::open(
        &entry.node,
        entry.key_span.clone(),
        "apim",
        APIM_KEYS,
        ctx.d,
    )?;
    if !has_monitoring {
        ctx.d.error(
            code::UNKNOWN_REFERENCE,
            Some(entry.key_span.clone()),
            "[apim] sends its logs to Application Insights, but there is no [monitoring]",
            Some("add a `[monitoring]` table".into()),
        );
    }
    let existing = s.bool("existing", ctx.d).unwrap_or(false) || s.get("id").is_some();
    let service = if existing {
        existing_service(&s, ctx)
    } else {
        managed(&s, ctx)
    };
    let logger_name = s
        .str("logger_name", ctx.d)
        .unwrap_or_else(|| "appinsights-logger".into());
    if let Err(why) = names::apim_logger(&logger_name) {
        ctx.d.error(
            code::INVALID_NAME,
            s.get("logger_name").map(|n| n.span.clone()),
            format!("logger name `{logger_name}` {why}"),
            None,
        );
    }
    let diagnostics = diagnostics(&s, ctx.d);
    Some(Apim {
        service,
        logger_name,
        diagnostics,
    })
}

fn managed(s: &Section<'_>, ctx: &mut Ctx<'_>) -> ApimService {
    let (name, span, derived) = match s.str("name", ctx.d) {
        Some(n) => (n, s.get("name").map(|x| x.span.clone()), false),
        None => (
            format!("{}-apim", ctx.name_stem),
            Some(ctx.project_span.clone()),
            true,
        ),
    };
    match names::apim_service(&name) {
        Err(why) => ctx.d.error(
            code::INVALID_NAME,
            span,
            format!("API Management name `{name}` {why}"),
            Some(if derived {
                "the name is `{project}-apim` (`{project}-{env}-apim` outside the default environment); set `name` in [apim] to choose another".into()
            } else {
                "API Management names are 1-50 letters, digits and hyphens, starting with a letter".into()
            }),
        ),
        Ok(()) => ctx.d.warn(
            code::GLOBAL_NAME,
            span,
            format!("API Management name `{name}` must be unique across all of Azure ({name}.azure-api.net)"),
            Some("if creation fails with a name conflict, set another `name` in [apim]".into()),
        ),
    }
    let sku = s.one_of("sku", SKUS, ctx.d).unwrap_or("Developer");
    let (lo, hi) = capacity_range(sku);
    let capacity = match s.get("capacity") {
        Some(_) => s
            .int_in("capacity", lo as i64..=hi as i64, ctx.d)
            .unwrap_or(lo as i64) as u32,
        None => lo,
    };
    let publisher_email = s
        .require_str("publisher_email", "\"ops@example.com\"", ctx.d)
        .unwrap_or_default();
    if let Some(n) = s.get("publisher_email")
        && !publisher_email.is_empty()
        && (!publisher_email.contains('@') || publisher_email.contains(char::is_whitespace))
    {
        ctx.d.error(
            code::INVALID_VALUE,
            Some(n.span.clone()),
            format!("`apim.publisher_email` \"{publisher_email}\" is not an email address"),
            None,
        );
    }
    let publisher_name = s
        .str("publisher_name", ctx.d)
        .unwrap_or_else(|| ctx.project_name.clone());
    ApimService::Managed {
        name,
        sku: sku.into(),
        capacity,
        publisher_email,
        publisher_name,
    }
}

fn existing_service(s: &Section<'_>, ctx: &mut Ctx<'_>) -> ApimService {
    for key in MANAGED_ONLY {
        if let Some(e) = s.entry(key) {
            ctx.d.error(
                code::CONFLICT,
                Some(e.key_span.clone()),
                format!("`{key}` cannot be set for an existing API Management service"),
                Some("azlift never changes an existing service; remove the key, or drop `existing`/`id` to let azlift manage it".into()),
            );
        }
    }
    let mut name = s.str("name", ctx.d);
    let mut resource_group = s.str("resource_group", ctx.d);
    if let Some(id) = s.str("id", ctx.d) {
        let parts: Vec<&str> = id.split('/').collect();
        // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}
        let ok = parts.len() == 9
            && parts[0].is_empty()
            && parts[1].eq_ignore_ascii_case("subscriptions")
            && parts[3].eq_ignore_ascii_case("resourceGroups")
            && parts[5].eq_ignore_ascii_case("providers")
            && parts[6].eq_ignore_ascii_case("Microsoft.ApiManagement")
            && parts[7].eq_ignore_ascii_case("service")
            && !parts[4].is_empty()
            && !parts[8].is_empty();
        if ok {
            if name.is_some() || resource_group.is_some() {
                ctx.d.error(
                    code::CONFLICT,
                    s.get("id").map(|n| n.span.clone()),
                    "give an existing API Management service by `id` or by `name` (and `resource_group`), not both",
                    None,
                );
            }
            resource_group = Some(parts[4].to_string());
            name = Some(parts[8].to_string());
        } else {
            ctx.d.error(
                code::INVALID_VALUE,
                s.get("id").map(|n| n.span.clone()),
                format!("`apim.id` \"{id}\" is not an API Management service id"),
                Some("expected /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.ApiManagement/service/{name}".into()),
            );
        }
    }
    let name = match name {
        Some(n) => n,
        None => {
            if s.get("id").is_none() {
                s.missing("name", "\"my-apim\"", ctx.d);
            }
            String::new()
        }
    };
    ApimService::Existing {
        name,
        resource_group: resource_group.unwrap_or_else(|| format!("rg-{}", ctx.name_stem)),
    }
}

fn diagnostics(s: &Section<'_>, d: &mut Diags) -> ApimDiagnostics {
    let mut out = ApimDiagnostics {
        sampling: 100.0,
        always_log_errors: true,
        log_client_ip: false,
        verbosity: "information".into(),
        correlation: "W3C".into(),
        headers: Vec::new(),
        body_bytes: 0,
    };
    let Some(e) = s.entry("diagnostics") else {
        return out;
    };
    let Some(ds) = Section::open(
        &e.node,
        e.key_span.clone(),
        "apim.diagnostics",
        DIAGNOSTICS_KEYS,
        d,
    ) else {
        return out;
    };
    if let Some(x) = ds.number("sampling", d) {
        if (0.0..=100.0).contains(&x) {
            out.sampling = x;
        } else {
            d.error(
                code::OUT_OF_RANGE,
                ds.get("sampling").map(|n| n.span.clone()),
                format!("`apim.diagnostics.sampling` is a percentage from 0 to 100, found {x}"),
                None,
            );
        }
    }
    if let Some(b) = ds.bool("always_log_errors", d) {
        out.always_log_errors = b;
    }
    if let Some(b) = ds.bool("log_client_ip", d) {
        out.log_client_ip = b;
    }
    if let Some(v) = ds.one_of("verbosity", VERBOSITY, d) {
        out.verbosity = v.into();
    }
    if let Some(c) = ds.one_of("correlation", CORRELATION, d) {
        out.correlation = c.into();
    }
    if let Some(n) = ds.int_in("body_bytes", 0..=8192, d) {
        out.body_bytes = n as u32;
    }
    if let Some(headers) = ds.str_list("headers", d) {
        for (h, span) in headers {
            let valid = !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_!#$%&'*+.^`|~".contains(c));
            if !valid {
                d.error(
                    code::INVALID_VALUE,
                    Some(span),
                    format!("\"{h}\" is not an HTTP header name"),
                    None,
                );
            } else if out.headers.iter().any(|x| x.eq_ignore_ascii_case(&h)) {
                d.error(
                    code::DUPLICATE,
                    Some(span),
                    format!("header `{h}` is listed twice"),
                    None,
                );
            } else {
                out.headers.push(h);
            }
        }
    }
    out
}
