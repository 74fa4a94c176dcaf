//! Sealing: wrapping the events `decide` produced into envelopes chained by hash.

use crate::decide::Context;
use crate::error::{Error, StoreError};
use crate::event::{event_hash, Event, EventHash, RecordedEvent, StoredEvent, GENESIS_HASH, SCHEMA_VERSION};
use crate::ids::{CaseId, EventId};
use crate::state::{apply, CaseState};
use std::cell::RefCell;

/// Events sealed for one case: as the store keeps them and as callers see them.
#[derive(Clone, Debug)]
pub struct Sealed {
    /// The case.
    pub case_id: CaseId,
    /// The case's version before these events.
    pub expected_version: u64,
    /// As stored (payload bytes as hashed).
    pub stored: Vec<StoredEvent>,
    /// As handed out.
    pub recorded: Vec<RecordedEvent>,
}

/// Wraps `events` for the case in `prev` (`None`: the events open a case) into
/// envelopes: sequence numbers, time, actor, schema version and the hash chain.
pub fn seal(prev: Option<&CaseState>, events: Vec<Event>, ctx: &Context<'_>) -> Result<Sealed, Error> {
    let (case_id, expected_version, _) = chain_head(prev, &events)?;
    let mut sealed = Sealed {
        case_id,
        expected_version,
        stored: Vec::with_capacity(events.len()),
        recorded: Vec::with_capacity(events.len()),
    };
    seal_onto(&mut sealed, prev, events, ctx)?;
    Ok(sealed)
}

/// Where the chain of the case in `prev` goes on: its id, version and head hash (a new
/// case's, if `prev` is `None` and `events` open one).
fn chain_head(prev: Option<&CaseState>, events: &[Event]) -> Result<(CaseId, u64, EventHash), Error> {
    match prev {
        Some(s) => Ok((s.id, s.version, s.head_hash)),
        None => match events.first() {
            Some(Event::CaseOpened { case_id, .. }) => Ok((*case_id, 0, GENESIS_HASH)),
            _ => Err(Error::integrity(None, "a new case must start with case_opened")),
        },
    }
}

/// [`seal`], adding the envelopes to `into`: the events this case had sealed before,
/// ending where `prev` ends (a batch seals each item's events onto its case's). On an
/// error `into` is left as it was.
pub(crate) fn seal_onto(
    into: &mut Sealed,
    prev: Option<&CaseState>,
    events: Vec<Event>,
    ctx: &Context<'_>,
) -> Result<(), Error> {
    let (case_id, mut version, mut prev_hash) = chain_head(prev, &events)?;
    if case_id != into.case_id {
        return Err(Error::integrity(Some(case_id), "events sealed onto another case's"));
    }
    let start = into.stored.len();
    for event in events {
        version += 1;
        let payload = match payload_of(&event) {
            Ok(p) => p,
            Err(e) => {
                into.stored.truncate(start);
                into.recorded.truncate(start);
                return Err(e);
            }
        };
        let mut s = StoredEvent {
            event_id: EventId(ctx.ids.next_id()),
            case_id,
            sequence: version,
            position: 0,
            recorded_at: ctx.now,
            actor: ctx.actor.id.clone(),
            event_type: event.type_name().into(),
            schema_version: SCHEMA_VERSION,
            payload,
            prev_hash,
            hash: EventHash::default(),
        };
        s.hash = event_hash(&s);
        prev_hash = s.hash;
        into.recorded.push(RecordedEvent {
            event_id: s.event_id,
            case_id,
            sequence: s.sequence,
            position: 0,
            recorded_at: s.recorded_at,
            actor: s.actor.clone(),
            schema_version: SCHEMA_VERSION,
            event,
            prev_hash: s.prev_hash,
            hash: s.hash,
            redacted: false,
        });
        into.stored.push(s);
    }
    Ok(())
}

thread_local! {
    /// Where payloads are written before they are copied out at their exact size.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(SCRATCH_KEPT));
}

/// The scratch buffer's capacity kept between events (one huge event does not pin more).
const SCRATCH_KEPT: usize = 16 * 1024;

/// An event's JSON, as stored and hashed. Written into a warm per-thread buffer and
/// copied out at its exact length: no growing string per event, and a store that keeps
/// payloads in memory keeps no slack with them.
fn payload_of(event: &Event) -> Result<String, Error> {
    let write = |buf: &mut Vec<u8>| -> Result<String, Error> {
        buf.clear();
        serde_json::to_writer(&mut *buf, event).map_err(|e| Error::Storage(StoreError::backend(e)))?;
        std::str::from_utf8(buf).map(str::to_owned).map_err(|e| Error::Storage(StoreError::backend(e)))
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            let out = write(&mut buf);
            if buf.capacity() > SCRATCH_KEPT {
                buf.clear();
                buf.shrink_to(SCRATCH_KEPT);
            }
            out
        }
        // Not reentrant in practice (serializing an event seals nothing); a fresh
        // buffer keeps it correct if it ever were.
        Err(_) => write(&mut Vec::with_capacity(512)),
    })
}

/// Applies recorded events to a state (`None`: the first event opens the case).
/// Returns `None` only if there is no state and the first event does not open a case.
pub fn fold(mut state: Option<CaseState>, events: &[RecordedEvent]) -> Option<CaseState> {
    for e in events {
        match &mut state {
            None => state = CaseState::genesis(e),
            Some(s) => apply(s, e),
        }
    }
    state
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ids::NoteId;
    use crate::model::NoteKind;

    fn note(text: String) -> Event {
        Event::NoteAdded { note_id: NoteId(uuid::Uuid::nil()), kind: NoteKind::General, text, confidential: false }
    }

    #[test]
    fn a_payload_is_the_events_json_whatever_came_before_it() {
        // Small, huge (beyond the scratch buffer's kept capacity), then small again.
        for text in ["short".to_owned(), "é\"\\".repeat(40_000), String::new(), "again".to_owned()] {
            let event = note(text);
            let payload = payload_of(&event).expect("payload");
            assert_eq!(payload, serde_json::to_string(&event).expect("json"));
            assert_eq!(payload.capacity(), payload.len(), "kept at its exact size");
        }
        assert!(SCRATCH.with(|c| c.borrow().capacity()) <= SCRATCH_KEPT);
    }
}
