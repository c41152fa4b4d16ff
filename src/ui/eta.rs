//! The duration model behind ETAs: a default per ARM type and SKU (from what Azure takes in
//! practice, in each kind's folder), refined by the median of the durations recorded in state
//! by earlier runs (per type and SKU) and of those seen in this run. Pure logic: the core may use it to fill `eta` in events, and
//! the progress UI uses it when an event carries none.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::events::Action;
use crate::kinds::by_arm_type;
use crate::resource::DesiredResource;
use crate::state::StateDocument;

/// Expected durations per ARM type.
#[derive(Debug, Clone, Default)]
pub struct DurationModel {
    /// Samples (seconds) per lowercase ARM type.
    samples: HashMap<String, Vec<f64>>,
}

impl DurationModel {
    /// The defaults only.
    pub fn new() -> Self {
        DurationModel::default()
    }

    /// The defaults refined by the durations recorded in `doc`.
    pub fn from_state(doc: &StateDocument) -> Self {
        let mut m = DurationModel::new();
        m.learn_from_state(doc);
        m
    }

    /// Add every `last_duration_secs` of `doc` as a sample of its type.
    pub fn learn_from_state(&mut self, doc: &StateDocument) {
        for e in doc.resources.values() {
            if let Some(secs) = e.last_duration_secs {
                self.add_sample(&e.arm_type, e.sku.as_deref(), secs);
            }
        }
    }

    /// Add one observed duration (of a create, update or replace).
    pub fn record(&mut self, arm_type: &str, took: Duration) {
        self.add_sample(arm_type, None, took.as_secs_f64());
    }

    fn add_sample(&mut self, arm_type: &str, sku: Option<&str>, secs: f64) {
        if secs.is_finite() && secs >= 0.0 {
            self.samples
                .entry(sample_key(arm_type, sku))
                .or_default()
                .push(secs);
        }
    }

    /// The expected duration of `action` on a resource of `arm_type`, `None` when nothing
    /// is known (a custom type never seen) or nothing is expected to take time (a read).
    pub fn estimate(&self, arm_type: &str, action: Action) -> Option<Duration> {
        self.estimate_for(arm_type, None, action)
    }

    /// [`DurationModel::estimate`] for a desired resource, taking its SKU into account
    /// (an APIM Developer or Premium service takes tens of minutes, Consumption a minute).
    pub fn estimate_resource(&self, desired: &DesiredResource, action: Action) -> Option<Duration> {
        let sku = desired.body.pointer("/sku/name").and_then(Value::as_str);
        self.estimate_for(&desired.arm_type, sku, action)
    }

    /// [`DurationModel::estimate`] for a resource of this SKU: durations recorded for the
    /// same type and SKU, else the SKU's default. What the engine's ETAs and its scheduling
    /// priority use.
    pub fn estimate_for(
        &self,
        arm_type: &str,
        sku: Option<&str>,
        action: Action,
    ) -> Option<Duration> {
        let t = arm_type.to_ascii_lowercase();
        let spec = by_arm_type(&t);
        if action == Action::Read {
            return None;
        }
        if let (Action::Delete, Some(secs)) = (action, spec.and_then(|k| k.estimate.delete_secs)) {
            return Some(Duration::from_secs(secs));
        }
        let learned = self
            .samples
            .get(&sample_key(&t, sku))
            .and_then(|s| median(s));
        let base = if let Some(secs) = learned {
            Duration::from_secs_f64(secs)
        } else {
            let estimate = spec?.estimate;
            let by_sku = sku.and_then(|s| {
                estimate
                    .by_sku
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(s))
            });
            Duration::from_secs(by_sku.map_or(estimate.secs, |(_, secs)| *secs))
        };
        Some(match action {
            // A replace deletes, then creates.
            Action::Replace => base * 2,
            _ => base,
        })
    }
}

/// Samples are kept per lowercase type and SKU: a Consumption APIM's 90 s says nothing of a
/// Developer one's 40 minutes.
fn sample_key(arm_type: &str, sku: Option<&str>) -> String {
    match sku {
        Some(s) => format!(
            "{}#{}",
            arm_type.to_ascii_lowercase(),
            s.to_ascii_lowercase()
        ),
        None => arm_type.to_ascii_lowercase(),
    }
}

fn median(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    Some(if s.len().is_multiple_of(2) {
        (s[mid - 1] + s[mid]) / 2.0
    } else {
        s[mid]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const APIM: &str = "Microsoft.ApiManagement/service";

    #[test]
    fn the_sku_decides_the_default_of_an_apim_service() {
        let m = DurationModel::new();
        let secs = |sku| {
            m.estimate_for(APIM, sku, Action::Create)
                .map(|d| d.as_secs())
        };
        // Azure: Developer/Premium 30-45 minutes, Consumption a minute or two.
        assert!((30 * 60..=45 * 60).contains(&secs(Some("Developer")).unwrap()));
        assert!((30 * 60..=45 * 60).contains(&secs(Some("premium")).unwrap()));
        assert!(secs(Some("Consumption")).unwrap() <= 120);
    }

    #[test]
    fn durations_are_learned_per_sku() {
        let mut m = DurationModel::new();
        m.add_sample(APIM, Some("Consumption"), 70.0);
        m.add_sample(APIM, Some("Developer"), 2100.0);
        assert_eq!(
            m.estimate_for(APIM, Some("Consumption"), Action::Create),
            Some(Duration::from_secs(70))
        );
        assert_eq!(
            m.estimate_for(APIM, Some("DEVELOPER"), Action::Update),
            Some(Duration::from_secs(2100))
        );
        // A Consumption sample says nothing of a Premium service: the kind's default holds.
        assert_eq!(
            m.estimate_for(APIM, Some("Premium"), Action::Create),
            DurationModel::new().estimate_for(APIM, Some("Premium"), Action::Create)
        );
    }
}
