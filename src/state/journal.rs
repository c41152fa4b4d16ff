//! The state journal: the changes of a run appended one record (one line of JSON) per write,
//! so a write costs the size of what changed, not the size of the document. A backend keeps
//! the document as a base plus its journal; reading replays the journal onto the base, and
//! compaction (when a run ends, or the next one starts) folds it back into the base.
//!
//! A record carries the lineage and the serial it brings the document to. Replay applies the
//! records that follow the base's serial in order, skips those the base already holds (a
//! compaction interrupted after replacing the base), and ignores a torn last line (a writer
//! killed half-way through an append): the document read is always one that was written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::resource::ResourceAddress;

use super::document::{OutputEntry, StateDocument, StateEntry};

/// One change to the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateChange {
    /// Insert or replace the entry at its address.
    Record(Box<StateEntry>),
    /// Remove the entry at this address.
    Forget(ResourceAddress),
    /// Replace the declared outputs (`[output.NAME]`; never a secret value).
    Outputs(BTreeMap<String, OutputEntry>),
}

impl StateChange {
    /// Apply to `doc`.
    pub fn apply(&self, doc: &mut StateDocument) {
        match self {
            StateChange::Record(e) => {
                doc.resources.insert(e.address.clone(), (**e).clone());
            }
            StateChange::Forget(a) => {
                doc.resources.remove(a);
            }
            StateChange::Outputs(outputs) => {
                doc.outputs = outputs.clone();
            }
        }
    }
}

/// One appended write: the changes that take a document of `lineage` to `serial`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    pub lineage: Uuid,
    pub serial: u64,
    pub changes: Vec<StateChange>,
}

impl JournalRecord {
    /// The record as one line of JSON, newline included.
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut line = serde_json::to_vec(self)?;
        line.push(b'\n');
        Ok(line)
    }
}

/// Why a journal could not be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("journal line {line} is not a state record: {message}")]
    Invalid { line: usize, message: String },
    #[error(
        "journal line {line} brings the state to serial {found}, but it is at {at}: a record is missing"
    )]
    Gap { line: usize, at: u64, found: u64 },
}

/// Replay the journal `text` onto `doc` (see the module comment). Returns how many records
/// were applied.
pub fn replay(doc: &mut StateDocument, text: &[u8]) -> Result<usize, JournalError> {
    let mut applied = 0;
    let mut lines = text.split_inclusive(|b| *b == b'\n').enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        let complete = line.ends_with(b"\n");
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if body.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: JournalRecord = match serde_json::from_slice(body) {
            Ok(r) => r,
            // A torn final append: the write it belonged to never returned.
            Err(_) if !complete && lines.peek().is_none() => break,
            Err(e) => {
                return Err(JournalError::Invalid {
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        };
        // Left behind by an earlier lineage (the base was replaced): not this document's.
        if record.lineage != doc.lineage || record.serial <= doc.serial {
            continue;
        }
        if record.serial != doc.serial + 1 {
            return Err(JournalError::Gap {
                line: i + 1,
                at: doc.serial,
                found: record.serial,
            });
        }
        for change in &record.changes {
            change.apply(doc);
        }
        doc.serial = record.serial;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::document::now;

    fn entry(address: &str) -> StateEntry {
        StateEntry {
            address: ResourceAddress::new(address),
            id: format!("/subscriptions/s/resourceGroups/rg/providers/N/t/{address}"),
            arm_type: "N/t".into(),
            api_version: "2024-01-01".into(),
            applied_hash: "h".into(),
            write_only_hashes: Default::default(),
            outputs: Default::default(),
            depends_on: Default::default(),
            managed: true,
            last_duration_secs: None,
            failed: false,
            sku: None,
            updated_at: now(),
        }
    }

    fn record(doc: &StateDocument, serial: u64, changes: Vec<StateChange>) -> Vec<u8> {
        JournalRecord {
            lineage: doc.lineage,
            serial,
            changes,
        }
        .encode()
        .unwrap()
    }

    #[test]
    fn records_apply_in_order_and_forget_removes() {
        let mut doc = StateDocument::new("dev");
        let mut text = record(
            &doc,
            1,
            vec![
                StateChange::Record(Box::new(entry("a"))),
                StateChange::Record(Box::new(entry("b"))),
            ],
        );
        text.extend(record(
            &doc,
            2,
            vec![StateChange::Forget(ResourceAddress::new("a"))],
        ));
        assert_eq!(replay(&mut doc, &text).unwrap(), 2);
        assert_eq!(doc.serial, 2);
        let keys: Vec<_> = doc.resources.keys().map(|a| a.to_string()).collect();
        assert_eq!(keys, ["b"]);
    }

    #[test]
    fn a_torn_last_line_is_ignored_but_a_torn_middle_line_is_an_error() {
        let mut doc = StateDocument::new("dev");
        let whole = record(&doc, 1, vec![StateChange::Record(Box::new(entry("a")))]);
        let second = record(&doc, 2, vec![StateChange::Record(Box::new(entry("b")))]);
        let mut text = whole.clone();
        text.extend_from_slice(&second[..second.len() / 2]);
        let mut d = doc.clone();
        assert_eq!(replay(&mut d, &text).unwrap(), 1);
        assert_eq!(d.serial, 1);

        let mut text = second[..second.len() / 2].to_vec();
        text.push(b'\n');
        text.extend(whole);
        assert!(matches!(
            replay(&mut doc, &text),
            Err(JournalError::Invalid { line: 1, .. })
        ));
    }

    #[test]
    fn records_the_base_holds_or_of_another_lineage_are_skipped_and_a_gap_is_refused() {
        let mut doc = StateDocument::new("dev");
        doc.serial = 5;
        let other = StateDocument::new("dev");
        let mut text = record(&doc, 4, vec![StateChange::Record(Box::new(entry("old")))]);
        text.extend(record(
            &other,
            6,
            vec![StateChange::Record(Box::new(entry("x")))],
        ));
        text.extend(record(
            &doc,
            6,
            vec![StateChange::Record(Box::new(entry("a")))],
        ));
        let mut d = doc.clone();
        assert_eq!(replay(&mut d, &text).unwrap(), 1);
        assert_eq!(d.serial, 6);
        assert!(d.resources.contains_key(&ResourceAddress::new("a")));
        assert!(!d.resources.contains_key(&ResourceAddress::new("old")));
        assert!(!d.resources.contains_key(&ResourceAddress::new("x")));

        let gap = record(&doc, 8, vec![]);
        assert_eq!(
            replay(&mut doc, &gap),
            Err(JournalError::Gap {
                line: 1,
                at: 5,
                found: 8
            })
        );
    }
}
