//! How answers cross to JavaScript without doing work nobody asked for.
//!
//! A command's answer is a `Committed`: four small fields and the events it appended.
//! Most callers read the fields (`case_id`, `version`, `created_id`) and never the
//! events, so the JavaScript layer decodes the events only when they are first read:
//! a command answers with one string, its head (`["<case_id>",3,"active","<created_id>"|null]`)
//! immediately followed by its events' JSON array. A batch's events (thousands of them)
//! are not even encoded: they stay in Rust behind one handle until one of them is read
//! (`committed_events`), and are freed with the last `Committed` that refers to them.

use crate::clock::throw;
use crate::error::Failure;
use casekit::{CaseId, Committed, Phase, RecordedEvent};
use napi::bindgen_prelude::{Buffer, Either, External};
use napi_derive::napi;
use serde::Serialize;
use std::sync::mpsc::{self, Sender};
use std::sync::OnceLock;
use uuid::Uuid;

/// The events of one or more committed commands, kept in Rust until JavaScript asks for
/// them (`committedEvents`). JavaScript only ever holds it as an opaque handle; the
/// class exists to name its type, and cannot be constructed.
#[napi]
pub struct CommittedEvents {
    /// `[i]`: the events of command `i` of the answer.
    events: Vec<Vec<RecordedEvent>>,
}

impl Drop for CommittedEvents {
    fn drop(&mut self) {
        free_elsewhere(std::mem::take(&mut self.events));
    }
}

/// Frees a large batch's events on a thread of their own: thousands of events take
/// milliseconds to free, and this runs on the JavaScript thread (the handle's finalizer).
fn free_elsewhere(events: Vec<Vec<RecordedEvent>>) {
    type Garbage = Vec<Vec<RecordedEvent>>;
    static FREER: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();
    if events.iter().map(Vec::len).sum::<usize>() < FREE_ELSEWHERE_FROM {
        return;
    }
    let freer = FREER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Garbage>();
        let spawned = std::thread::Builder::new().name("casekit-node-free".into()).spawn(move || {
            for garbage in rx {
                drop(garbage);
            }
        });
        spawned.ok().map(|_| tx)
    });
    if let Some(tx) = freer {
        // If the thread is gone, the events come back with the error and are freed here.
        let _ = tx.send(events);
    }
}

/// Drops answers nobody will read (a batch answered with its summary), their events on
/// another thread if there are many: the caller has its answer without waiting for that.
pub fn discard(all: Vec<Committed>) {
    free_elsewhere(all.into_iter().map(|c| c.events).collect());
}

/// How many events an answer holds before they are freed on another thread.
const FREE_ELSEWHERE_FROM: usize = 256;

/// A rough size of an event in memory (its payload, hashes, ids, actor), told to the
/// garbage collector so that unread answers do not pile up unseen.
const EVENT_SIZE_HINT: usize = 768;

/// What goes with an answer's text: document bytes, or the events of a batch's `Committed`s.
pub type Extra = Either<Buffer, External<CommittedEvents>>;

/// The `Committed` fields besides the events, as a JSON array.
#[derive(Serialize)]
struct Head<'a>(&'a CaseId, u64, Phase, Option<Uuid>);

fn head(c: &Committed) -> Head<'_> {
    Head(&c.case_id, c.version, c.phase, c.created_id)
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| Failure::storage(format!("cannot encode the answer: {e}")))
}

/// The handle JavaScript holds for a batch's events (made on the JavaScript thread).
pub fn handle(events: Vec<Vec<RecordedEvent>>) -> External<CommittedEvents> {
    let count: usize = events.iter().map(Vec::len).sum();
    External::new_with_size_hint(CommittedEvents { events }, count.saturating_mul(EVENT_SIZE_HINT))
}

/// One command's answer: its head, then its events, as JSON.
pub fn committed(c: &Committed) -> Result<String, Failure> {
    let mut text = Vec::with_capacity(1024);
    serde_json::to_writer(&mut text, &head(c))
        .and_then(|()| serde_json::to_writer(&mut text, &c.events))
        .map_err(|e| Failure::storage(format!("cannot encode the answer: {e}")))?;
    String::from_utf8(text).map_err(|e| Failure::storage(format!("cannot encode the answer: {e}")))
}

/// A batch's answer: the heads as one JSON array, and the events for one handle (`handle`).
pub fn batch(all: Vec<Committed>) -> Result<(String, Vec<Vec<RecordedEvent>>), Failure> {
    let heads: Vec<Head<'_>> = all.iter().map(head).collect();
    let text = encode(&heads)?;
    Ok((text, all.into_iter().map(|c| c.events).collect()))
}

/// The JSON array of the events of command `index` of an answer (`handle`), for the
/// `events` property of its `Committed`.
#[napi(catch_unwind)]
pub fn committed_events(handle: &External<CommittedEvents>, index: u32) -> napi::Result<String, String> {
    let events = usize::try_from(index).ok().and_then(|i| handle.events.get(i));
    let Some(events) = events else {
        return Err(throw(Failure::validation("index", "no such command in this answer")));
    };
    encode(events).map_err(throw)
}
