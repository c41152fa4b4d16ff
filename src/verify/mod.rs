//! verify: production-readiness rules (DESIGN.md section 7, the core seed's phase 6) checked
//! against what is deployed — the state document plus a fresh GET of every resource it records —
//! and the reports made of the result (the seed's summary, JSON, SARIF 2.1.0).
//!
//! The rules work on plain values ([`Deployed`]) so they can be tested with hand-made bodies;
//! [`gather`] is the only part that talks to ARM, through `ops::Session`'s observe path.

mod gather;
mod overview;
mod planned;
pub mod report;
mod rules;
pub mod sarif;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::model::{Ingress, Model, Silence};
use crate::resource::ResourceAddress;

pub use gather::gather;
pub use overview::{AlertLine, AppLine, Overview};
pub use planned::{PlanVerifyError, from_plan, same_environment};

/// How bad a failed rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Fails the run (exit 1).
    Error,
    /// Reported; the run still passes.
    Warning,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One rule of the catalogue. Ids are stable: manifests silence them and code-scanning UIs
/// track them.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// One line: what the rule checks.
    pub title: &'static str,
    /// Why it matters and how to fix a failure.
    pub help: &'static str,
    pub level: Level,
}

/// The rules, in the order they are checked and shown.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "AZL-V000",
        name: "deployed",
        title: "every resource state records exists in Azure",
        help: "A resource deleted behind azlift's back cannot be checked by the other rules (a deleted alert would otherwise pass unnoticed). Run `azlift plan` to see it and `azlift up` to create it again.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V001",
        name: "probes",
        title: "every app has liveness and readiness probes",
        help: "Without a liveness probe a hung container is never restarted; without a readiness probe traffic reaches replicas that are not ready. Add `probes = { path = \"/health\" }` to the app.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V002",
        name: "internal-ingress",
        title: "internal services are not externally reachable",
        help: "An app the manifest declares `ingress = \"internal\"` must be deployed with external ingress off and an `*.internal.*` FQDN. Run `azlift up` to put the deployed app back in line.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V003",
        name: "min-replicas",
        title: "min replicas >= 1 in production",
        help: "In an environment marked `production = true`, an app that scales to zero answers its first request after a cold start. Set `replicas = { min = 1, ... }`.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V004",
        name: "alerts-reach-receivers",
        title: "every alert is enabled and reaches an action group with a receiver",
        help: "A disabled alert, or one whose action groups are missing, disabled or have no receivers, tells nobody. Set `enabled = true`, `notify = [\"ops\"]`, and give the action group an `email`.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V005",
        name: "connection-string-secret",
        title: "the App Insights connection string reaches apps only as a secret reference",
        help: "A plain environment variable shows its value in `az containerapp show` and the portal. Use `telemetry = true` (a secret plus a `secretRef`) or an app secret referenced with `{ secret = \"name\" }`.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V006",
        name: "apim-diagnostics",
        title: "APIM diagnostics log to the project's App Insights with W3C correlation",
        help: "Gateway traces join the services' traces only when the APIM diagnostic's logger points at the project's Application Insights and correlation is W3C. Set `[apim] diagnostics = { correlation = \"W3C\" }`.",
        level: Level::Error,
    },
    RuleInfo {
        id: "AZL-V007",
        name: "apim-sampling",
        title: "APIM sampling below 100% is pointed out",
        help: "With sampling below 100% only part of the requests are traced; keep `always_log_errors = true` so failures are never sampled away. A warning, not a failure: lower sampling is a cost decision.",
        level: Level::Warning,
    },
];

/// The rule with `id`.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

/// One resource as deployed: what state records and what ARM answered.
#[derive(Debug, Clone)]
pub struct DeployedResource {
    pub address: ResourceAddress,
    pub id: String,
    pub arm_type: String,
    /// `None`: state records it but ARM does not have it.
    pub body: Option<Value>,
}

impl DeployedResource {
    fn is(&self, arm_type: &str) -> bool {
        self.arm_type.eq_ignore_ascii_case(arm_type)
    }
}

/// What the manifest says beyond the resources: which apps are meant to be internal, and
/// whether the environment is production.
#[derive(Debug, Clone, Default)]
pub struct Intent {
    pub project: String,
    pub environment: String,
    pub production: bool,
    /// Addresses of apps declared `ingress = "internal"`.
    pub internal_apps: BTreeSet<ResourceAddress>,
    /// Checking a plan: apps that are internal now and that the plan makes external (an edit
    /// of `ingress` the pull request must justify with a `[[verify.silence]]`).
    pub made_external: BTreeSet<ResourceAddress>,
}

impl Intent {
    pub fn from_model(model: &Model) -> Intent {
        Intent {
            project: model.project.name.clone(),
            environment: model.project.environment.clone(),
            production: model.project.production,
            internal_apps: model
                .apps
                .values()
                .filter(|a| a.ingress == Ingress::Internal)
                .map(|a| ResourceAddress::new(format!("app.{}", a.name)))
                .collect(),
            made_external: BTreeSet::new(),
        }
    }
}

/// Everything the rules look at.
#[derive(Debug, Clone, Default)]
pub struct Deployed {
    pub intent: Intent,
    /// In state order.
    pub resources: Vec<DeployedResource>,
    /// Bodies of resources referenced from deployed ones but not in state (an action group
    /// or logger azlift does not manage), by lower-case id.
    pub referenced: BTreeMap<String, Value>,
    /// What the rules judge: the deployed system, or a plan's outcome.
    pub subject: Subject,
}

/// What a report judges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// What is deployed: state plus a fresh GET of each resource (`azlift verify`).
    #[default]
    Deployed,
    /// The bodies a plan will send (`verify --plan`, `plan --verify`), before any ARM write.
    Plan,
}

impl Deployed {
    fn of_type<'a>(&'a self, arm_type: &'a str) -> impl Iterator<Item = &'a DeployedResource> {
        self.resources.iter().filter(move |r| r.is(arm_type))
    }

    /// The body of the resource with ARM id `id`, from state or from the referenced ones.
    fn body_by_id(&self, id: &str) -> Option<&Value> {
        self.resources
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .and_then(|r| r.body.as_ref())
            .or_else(|| self.referenced.get(&id.to_ascii_lowercase()))
    }

    fn address_of(&self, id: &str) -> Option<&ResourceAddress> {
        self.resources
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(id))
            .map(|r| &r.address)
    }
}

/// One thing a rule found wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub level: Level,
    pub resource: ResourceAddress,
    pub message: String,
    /// The reason from `[[verify.silence]]` when the finding is silenced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silenced: Option<String>,
}

/// The verdict of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    /// Only warnings (rules of level warning).
    Warn,
    Fail,
    /// Every finding is silenced.
    Silenced,
    /// Nothing deployed that the rule applies to.
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Silenced => "silenced",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One rule's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub id: &'static str,
    pub name: &'static str,
    pub title: &'static str,
    pub level: Level,
    pub status: Status,
    /// How many resources the rule looked at.
    pub checked: usize,
    /// Why it does not apply, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Counts over the rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub rules: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub silenced: usize,
    pub not_applicable: usize,
}

/// The result of `azlift verify`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub subject: Subject,
    pub project: String,
    pub environment: String,
    pub production: bool,
    /// `false` when a rule failed (exit 1).
    pub passed: bool,
    pub counts: Counts,
    pub rules: Vec<RuleResult>,
    /// Every finding, silenced ones included, in rule order.
    pub findings: Vec<Finding>,
    /// Resources state records that ARM does not have (run `azlift up`).
    pub missing: Vec<ResourceAddress>,
    /// The seed's monitoring summary, from what is deployed.
    pub overview: Overview,
}

/// What one rule saw: how many resources it checked and what was wrong.
#[derive(Debug, Default)]
struct Check {
    checked: usize,
    findings: Vec<(ResourceAddress, String)>,
    /// Set when the rule does not apply.
    not_applicable: Option<String>,
}

/// Check every rule against `deployed`, marking findings that `silences` accept.
pub fn check(deployed: &Deployed, silences: &[Silence]) -> Report {
    let mut results = Vec::new();
    let mut findings = Vec::new();
    let mut counts = Counts::default();
    for info in RULES {
        let check = rules::run(info.id, deployed);
        let mine: Vec<Finding> = check
            .findings
            .into_iter()
            .map(|(resource, message)| {
                let silenced = silences
                    .iter()
                    .find(|s| s.rule == info.id && s.resource == resource.as_str())
                    .map(|s| s.reason.clone());
                Finding {
                    rule: info.id,
                    level: info.level,
                    resource,
                    message,
                    silenced,
                }
            })
            .collect();
        let open = mine.iter().filter(|f| f.silenced.is_none()).count();
        let status = if check.not_applicable.is_some() && mine.is_empty() {
            Status::NotApplicable
        } else if open > 0 {
            match info.level {
                Level::Error => Status::Fail,
                Level::Warning => Status::Warn,
            }
        } else if !mine.is_empty() {
            Status::Silenced
        } else {
            Status::Pass
        };
        match status {
            Status::Pass => counts.passed += 1,
            Status::Fail => counts.failed += 1,
            Status::Warn => counts.warned += 1,
            Status::Silenced => counts.silenced += 1,
            Status::NotApplicable => counts.not_applicable += 1,
        }
        counts.rules += 1;
        results.push(RuleResult {
            id: info.id,
            name: info.name,
            title: info.title,
            level: info.level,
            status,
            checked: check.checked,
            note: check.not_applicable,
        });
        findings.extend(mine);
    }
    Report {
        subject: deployed.subject,
        project: deployed.intent.project.clone(),
        environment: deployed.intent.environment.clone(),
        production: deployed.intent.production,
        passed: counts.failed == 0,
        counts,
        rules: results,
        findings,
        missing: deployed
            .resources
            .iter()
            .filter(|r| r.body.is_none())
            .map(|r| r.address.clone())
            .collect(),
        overview: overview::overview(deployed),
    }
}

/// What stops `azlift verify` before any rule runs.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum VerifyError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Ops(#[from] crate::ops::OpsError),
    #[error("nothing is deployed for environment `{environment}`: state records no resources")]
    #[diagnostic(
        code(azlift::verify::nothing_deployed),
        help(
            "verify checks what `azlift up` deployed; run `azlift up` first (with the same `-e` and `--local`)"
        )
    )]
    NothingDeployed { environment: String },
    #[error("reading {id} from ARM failed: {message}")]
    #[diagnostic(code(azlift::verify::read))]
    Read { id: String, message: String },
}

#[cfg(test)]
mod tests;
