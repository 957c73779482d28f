//! The store a server starts with. With generated events it is filled on a second thread
//! while the generator makes them: at a million events, making them and filing them (ids,
//! indexes) take about as long as each other, so on two cores the server is ready in little
//! more than the time to make them. The order is the generator's, so the store is the same as
//! one filled event by event.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use crate::domain::event::Event;
use crate::domain::generate::Generator;
use crate::domain::store::{EventStore, Party};

/// Events handed to the filing thread at a time: few enough to keep it busy from the start,
/// many enough that the hand-over costs nothing next to filing them.
const BATCH: usize = 4096;
/// Batches made ahead of the filing thread before the generator waits for it.
const BATCHES_AHEAD: usize = 16;

/// Appends `count` events of `generator` to `events`, and returns the store holding
/// `parties` and then all of `events`.
pub(super) fn generate_and_store(
    generator: &mut Generator,
    count: usize,
    events: &mut Vec<Arc<Event>>,
    parties: &[Party],
) -> EventStore {
    let total = events.len().saturating_add(count);
    let filed = thread::scope(|scope| {
        let (sender, batches) = mpsc::sync_channel::<Vec<Arc<Event>>>(BATCHES_AHEAD);
        let filing = thread::Builder::new()
            .name("startup-store".into())
            .spawn_scoped(scope, move || {
                let mut store = EventStore::starting(parties, total);
                for batch in batches {
                    store.append_startup(&batch);
                }
                store.finish_startup();
                store
            });
        // Without a thread (none could be started, or it stopped) nothing is handed over, and
        // the store is filled below instead.
        let mut sender = filing.is_ok().then_some(sender);
        let mut hand_over = move |batch: Vec<Arc<Event>>| {
            if let Some(to_filing) = &sender
                && to_filing.send(batch).is_err()
            {
                sender = None;
            }
        };
        hand_over(events.clone());
        let mut left = count;
        while left > 0 {
            let size = left.min(BATCH);
            let batch: Vec<Arc<Event>> = generator.by_ref().take(size).map(Arc::new).collect();
            events.extend(batch.iter().cloned());
            hand_over(batch);
            left -= size;
        }
        // Dropping the sender (in `hand_over`) ends the filing thread's loop.
        drop(hand_over);
        filing.ok()?.join().ok()
    });
    // Only if the thread could not start or did not finish (it does not panic).
    filed.unwrap_or_else(|| EventStore::with_startup(events, parties))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::generate::GeneratorOptions;

    #[test]
    fn the_store_filled_while_generating_is_the_one_filled_after() {
        let options = GeneratorOptions::default();
        let mut generator = Generator::new(&options).unwrap();
        let parties = generator.party_register();
        let first = Arc::new(generator.next().unwrap());
        let mut events = vec![first];
        let store = generate_and_store(&mut generator, 3 * BATCH + 7, &mut events, &parties);
        assert_eq!(events.len(), 3 * BATCH + 8);
        let expected = EventStore::with_startup(&events, &parties);
        let sequence = |store: &EventStore| -> Vec<(u64, String)> {
            store
                .events()
                .iter()
                .map(|stored| (stored.sequence_number, stored.event.id().to_owned()))
                .collect()
        };
        assert_eq!(sequence(&store), sequence(&expected));
        let again = Generator::new(&options).unwrap().take(events.len());
        assert!(
            events
                .iter()
                .zip(again)
                .all(|(made, again)| made.json() == again.json())
        );
    }
}
