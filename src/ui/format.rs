//! Plain-text wording of events, shared by the line UI and the progress UI.

use std::time::Duration;

use crate::events::{Event, PlanCounts};

/// `0.4s`, `12s`, `3m05s`, `1h02m`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 10 && d.as_millis() % 1000 != 0 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

/// `Plan: 2 to create, 1 to update, 0 to replace, 0 to delete.` or `No changes.`
pub fn plan_counts(c: &PlanCounts) -> String {
    if c.is_empty() {
        return "No changes.".to_string();
    }
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete.",
        c.create, c.update, c.replace, c.delete
    )
}

/// The one-line wording of `e` for a log-like stream (no colour, no redraws).
pub fn line(e: &Event) -> String {
    match e {
        Event::PlanReady { counts } => plan_counts(counts),
        Event::ResourceStarted {
            address,
            action,
            arm_type,
            eta,
        } => {
            let expected = eta
                .map(|d| format!(", ~{} expected", duration(d)))
                .unwrap_or_default();
            format!(
                "{} {address}: {} ({arm_type}{expected})",
                action.symbol(),
                action.doing()
            )
        }
        Event::ResourceProgress { address, message } => format!("  {address}: {message}"),
        Event::ResourceDone {
            address,
            action,
            elapsed,
        } => format!(
            "{} {address}: {} in {}",
            action.symbol(),
            action.done(),
            duration(*elapsed)
        ),
        Event::ResourceFailed {
            address,
            code,
            message,
        } => format!("! {address}: failed: {code}: {message}"),
        Event::ResourceSkipped { address, because } => {
            format!("  {address}: skipped because {because} failed")
        }
        Event::Warning { message } => format!("warning: {message}"),
        Event::Summary {
            created,
            updated,
            replaced,
            deleted,
            failed,
            skipped,
            elapsed,
        } => {
            let head = if *failed > 0 {
                "Finished with errors"
            } else {
                "Finished"
            };
            format!(
                "{head} in {}: {created} created, {updated} updated, {replaced} replaced, {deleted} deleted, {failed} failed, {skipped} skipped.",
                duration(*elapsed)
            )
        }
        Event::Interrupted {
            in_flight,
            not_started,
            forced,
        } => {
            let list = if in_flight.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = in_flight.iter().map(|a| a.as_str()).collect();
                format!(" ({})", names.join(", "))
            };
            let what = if *forced {
                "detached from"
            } else {
                "waited for"
            };
            format!(
                "Interrupted: {what} {} operation(s) in flight{list}; {not_started} change(s) not started. State is saved: run again to converge.",
                in_flight.len()
            )
        }
    }
}
