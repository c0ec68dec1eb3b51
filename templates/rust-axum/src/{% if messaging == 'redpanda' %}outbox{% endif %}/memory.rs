//! An outbox in process memory, for a service without a database: events queue here as the
//! in-memory order store changes and the relay publishes them as usual. They are lost when the
//! process stops, like the orders they describe.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::{Outbox, RelayError, Topic};
use crate::events::Event;

/// Unpublished events, oldest first.
#[derive(Debug, Default)]
pub struct MemoryOutbox {
    events: Mutex<VecDeque<Event>>,
}

impl MemoryOutbox {
    /// Queues `event` behind every event not yet published.
    pub fn push(&self, event: Event) {
        self.events().push_back(event);
    }

    /// How many events wait to be published.
    #[must_use]
    pub fn len(&self) -> usize {
        self.events().len()
    }

    /// Whether every event was published.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.events().is_empty()
    }

    fn events(&self) -> MutexGuard<'_, VecDeque<Event>> {
        // Pushes and pops are single operations, so a poisoned lock holds consistent data.
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl Outbox for MemoryOutbox {
    async fn relay_batch(&self, topic: &Topic, limit: usize) -> Result<usize, RelayError> {
        // Copied out, so the lock is not held while the broker answers; only the relay removes
        // events, so the ones copied are still at the front when it does.
        let batch: Vec<Event> = self.events().iter().take(limit).cloned().collect();
        for (published, event) in batch.iter().enumerate() {
            let key = event.aggregate_id.to_string();
            if let Err(error) = topic.publish(&key, &event.payload).await {
                // Later events may be the same order's later events: they wait for this one.
                self.events().drain(..published);
                return Err(error.into());
            }
        }
        self.events().drain(..batch.len());
        Ok(batch.len())
    }
}
