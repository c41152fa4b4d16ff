//! What was in flight when a run was interrupted: an event sink in front of the real one that
//! keeps the resources started and not yet finished, and the list of them taken when the first
//! signal arrived, so the summary says how many operations it waited for, and which.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::events::{Event, EventSink};
use crate::resource::ResourceAddress;

/// The tracking sink; see the module documentation.
pub struct InFlight {
    inner: Arc<dyn EventSink>,
    running: Mutex<BTreeSet<ResourceAddress>>,
    at_interrupt: Mutex<Option<Vec<ResourceAddress>>>,
}

impl InFlight {
    /// Put a tracker in front of `inner`; it notes what runs when `cancel` turns `true`.
    pub fn wrap(inner: Arc<dyn EventSink>, cancel: watch::Receiver<bool>) -> Arc<InFlight> {
        let me = Arc::new(InFlight {
            inner,
            running: Mutex::new(BTreeSet::new()),
            at_interrupt: Mutex::new(None),
        });
        let weak = Arc::downgrade(&me);
        tokio::spawn(async move {
            crate::ui::interrupt::cancelled(cancel).await;
            if let Some(me) = weak.upgrade() {
                me.note_interrupt();
            }
        });
        me
    }

    /// Take the list of what is running now (the first call wins).
    pub fn note_interrupt(&self) {
        let running: Vec<ResourceAddress> = self
            .running
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default();
        if let Ok(mut at) = self.at_interrupt.lock()
            && at.is_none()
        {
            *at = Some(running);
        }
    }

    /// The resources that were in flight when the run was interrupted (empty if it was not).
    pub fn at_interrupt(&self) -> Vec<ResourceAddress> {
        self.at_interrupt
            .lock()
            .ok()
            .and_then(|at| at.clone())
            .unwrap_or_default()
    }
}

impl EventSink for InFlight {
    fn emit(&self, e: Event) {
        if let Ok(mut running) = self.running.lock() {
            match &e {
                Event::ResourceStarted { address, .. } => {
                    running.insert(address.clone());
                }
                Event::ResourceDone { address, .. }
                | Event::ResourceFailed { address, .. }
                | Event::ResourceSkipped { address, .. } => {
                    running.remove(address);
                }
                _ => {}
            }
        }
        self.inner.emit(e);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::events::{Action, NullSink};

    fn started(a: &str) -> Event {
        Event::ResourceStarted {
            address: ResourceAddress::new(a),
            action: Action::Create,
            arm_type: "Microsoft.Foo/bars".into(),
            eta: None,
        }
    }

    #[tokio::test]
    async fn the_operations_running_at_the_signal_are_listed() {
        let (tx, rx) = watch::channel(false);
        let t = InFlight::wrap(Arc::new(NullSink), rx);
        t.emit(started("resource.a"));
        t.emit(started("resource.b"));
        t.emit(started("resource.c"));
        t.emit(Event::ResourceDone {
            address: ResourceAddress::new("resource.c"),
            action: Action::Create,
            elapsed: Duration::from_secs(1),
        });
        assert!(t.at_interrupt().is_empty());
        tx.send(true).unwrap();
        for _ in 0..100 {
            if !t.at_interrupt().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // What finishes after the signal does not change the list.
        t.emit(Event::ResourceDone {
            address: ResourceAddress::new("resource.a"),
            action: Action::Create,
            elapsed: Duration::from_secs(1),
        });
        let names: Vec<String> = t.at_interrupt().iter().map(|a| a.to_string()).collect();
        assert_eq!(names, ["resource.a", "resource.b"]);
    }
}
