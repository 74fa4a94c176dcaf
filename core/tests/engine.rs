//! The engine around the pure core: subscriptions, caching across writers, batches.

mod common;

use casekit::command::*;
use casekit::{BatchCommand, Casebook, ErrorCode, MemoryStore, Phase, RecordedEvent};
use common::*;
use std::sync::{Arc, Mutex};

#[test]
fn subscribers_see_every_committed_event_in_order_and_panics_are_contained() {
    let (book, _) = book();
    let sup = supervisor();
    let seen: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let sink = seen.clone();
    let id = book.subscribe(move |e: &RecordedEvent| {
        sink.lock().expect("lock").push((e.position, e.event.type_name().to_owned()));
    });
    book.subscribe(|_| panic!("a broken subscriber"));
    let c = book.open_case(&sup, open_case("Ada")).expect("open").case_id;
    book.execute(&sup, c, AddNote { text: "First contact".into(), ..Default::default() }, None).expect("note");
    // A refused command notifies nobody.
    let refused = book.execute(&sup, c, ActivatePlan {}, None).expect_err("not in planning");
    assert_eq!(refused.code(), ErrorCode::InvalidTransition);
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![(1, "case_opened".to_owned()), (2, "note_added".to_owned())],
        "positions and order as committed; the panicking subscriber changed nothing"
    );
    assert!(book.unsubscribe(id));
    assert!(!book.unsubscribe(id));
    book.execute(&sup, c, AddNote { text: "Second".into(), ..Default::default() }, None).expect("note");
    assert_eq!(seen.lock().expect("lock").len(), 2, "no events after unsubscribe");
    assert_eq!(book.get(&sup, c).expect("get").version, 3);
}

/// Two casebooks (two caches) over one store, and a case `a` opened.
fn two_books_one_case() -> (Casebook<Arc<MemoryStore>>, Casebook<Arc<MemoryStore>>, casekit::CaseId) {
    let store = Arc::new(MemoryStore::new());
    let a =
        Casebook::with_clock(store.clone(), Arc::new(casekit::ManualClock::new(t0())), Arc::new(casekit::RandomIds));
    let b = Casebook::with_clock(store, Arc::new(casekit::ManualClock::new(t0())), Arc::new(casekit::RandomIds));
    let c = a.open_case(&supervisor(), open_case("Ada")).expect("open").case_id;
    (a, b, c)
}

#[test]
fn two_casebooks_on_one_store_see_each_others_writes() {
    let (a, b, c) = two_books_one_case();
    let sup = supervisor();
    assert_eq!(b.get(&sup, c).expect("b reads").version, 1);
    a.execute(&sup, c, AddNote { text: "from a".into(), ..Default::default() }, None).expect("a writes");
    // b's cached state is stale; without an expected version it decides on the latest.
    let done = b.execute(&sup, c, AddNote { text: "from b".into(), ..Default::default() }, None).expect("b writes");
    assert_eq!(done.version, 3);
    // With a stale expected version it is a conflict naming both versions.
    let err = a.execute(&sup, c, AddNote { text: "stale".into(), ..Default::default() }, Some(2)).expect_err("stale");
    assert!(matches!(err, casekit::Error::Conflict { expected: 2, actual: 3, .. }), "{err:?}");
    // b's cache is stale again (a wrote nothing since, but b must not trust its copy
    // over the caller): the caller read version 3 elsewhere, and b accepts it.
    a.execute(&sup, c, AddNote { text: "a again".into(), ..Default::default() }, Some(3)).expect("a writes");
    let done = b.execute(&sup, c, AddNote { text: "b again".into(), ..Default::default() }, Some(4)).expect("fresh");
    assert_eq!(done.version, 5);
    assert!(a.verify(&sup, c).expect("verify").valid);
}

#[test]
fn a_batch_over_a_stale_cache_decides_on_the_latest_and_checks_expected_versions_against_the_store() {
    let (a, b, c) = two_books_one_case();
    let sup = supervisor();
    let note = |text: &str, expected_version: Option<u64>| BatchCommand {
        case_id: Some(c),
        command: AddNote { text: text.into(), ..Default::default() }.into(),
        expected_version,
    };
    assert_eq!(b.get(&sup, c).expect("b reads").version, 1);
    a.execute(&sup, c, AddNote { text: "from a".into(), ..Default::default() }, None).expect("a writes");
    // b's cached copy is at version 1, the store at 2: without expected versions the
    // batch goes on from the latest.
    let done = b.execute_batch(&sup, &[note("b one", None), note("b two", None)]).expect("b's batch");
    assert_eq!(done.iter().map(|d| d.version).collect::<Vec<_>>(), vec![3, 4]);
    // a's cache (version 2) agrees with a stale expectation; the store does not.
    let err = a.execute_batch(&sup, &[note("stale", Some(2))]).expect_err("stale expected version");
    assert!(matches!(err, casekit::Error::Conflict { expected: 2, actual: 4, .. }), "{err:?}");
    // The caller read version 4 elsewhere: a's stale copy (now refreshed) accepts it.
    a.execute(&sup, c, AddNote { text: "a again".into(), ..Default::default() }, Some(4)).expect("a writes");
    let done = b.execute_batch(&sup, &[note("b fresh", Some(5)), note("b after", Some(6))]).expect("fresh");
    assert_eq!(done.last().map(|d| d.version), Some(7));
    let history = a.history(&sup, c).expect("history");
    assert_eq!(history.len(), 7, "every accepted note once, nothing of the refused batch");
    assert!(a.verify(&sup, c).expect("verify").valid);
}

#[test]
fn a_batch_opening_a_case_another_casebook_stored_is_refused_as_a_duplicate() {
    let (a, b, c) = two_books_one_case();
    let sup = supervisor();
    let mut again = open_case("Ada");
    again.case_id = Some(c);
    let item = BatchCommand { case_id: None, command: again.into(), expected_version: None };
    // a has the case cached; b has never seen it: both refuse it the same way.
    let from_a = a.execute_batch(&sup, std::slice::from_ref(&item)).expect_err("a: the case exists");
    let from_b = b.execute_batch(&sup, std::slice::from_ref(&item)).expect_err("b: the case exists");
    assert_eq!(from_a.code(), from_b.code(), "{from_a:?} / {from_b:?}");
    assert_ne!(from_b.code(), ErrorCode::Conflict, "the retry from the store names the real problem: {from_b:?}");
    assert_eq!(b.get(&sup, c).expect("get").version, 1, "nothing was written");
}

#[test]
fn a_batch_is_all_or_nothing_and_reports_each_item() {
    let (book, _) = book();
    let sup = supervisor();
    let case = casekit::CaseId(casekit::SequentialIds::nth(777));
    let item = |command: casekit::Command| BatchCommand { case_id: Some(case), command, expected_version: None };
    let mut open = open_case("Ada");
    open.case_id = Some(case);
    let good = vec![
        item(open.clone().into()),
        item(CompleteIntake { eligible: true, immediate_needs: vec![] }.into()),
        item(assessment().into()),
    ];
    let mut bad = good.clone();
    bad.push(item(ActivatePlan {}.into()));
    let err = book.execute_batch(&sup, &bad).expect_err("activate_plan from assessment");
    assert_eq!(err.code(), ErrorCode::InvalidTransition);
    assert_eq!(book.store_version(case), None, "nothing of a refused batch is stored");
    // A refused item is named by its place in the batch, on the small and the streamed path.
    let mut empty_note = good.clone();
    empty_note.push(item(AddNote { text: " ".into(), ..Default::default() }.into()));
    let err = book.execute_batch(&sup, &empty_note).expect_err("an empty note");
    assert_eq!((err.code(), err.field()), (ErrorCode::Validation, Some("items[3].command.text")));
    let mut long = good.clone();
    for n in 0..70 {
        long.push(item(AddNote { text: format!("note {n}"), ..Default::default() }.into()));
    }
    long[40] = item(AddNote { text: String::new(), ..Default::default() }.into());
    assert!(long.len() >= casekit::PIPELINE_FROM);
    let err = book.execute_batch(&sup, &long).expect_err("an empty note, streamed");
    assert_eq!(err.field(), Some("items[40].command.text"));
    let mut caseless = good.clone();
    caseless.insert(1, BatchCommand { case_id: None, command: ActivatePlan {}.into(), expected_version: None });
    let err = book.execute_batch(&sup, &caseless).expect_err("an item without its case");
    assert_eq!(err.field(), Some("items[1].case_id"));
    assert_eq!(book.store_version(case), None, "nothing of a refused batch is stored");
    let done = book.execute_batch(&sup, &good).expect("batch");
    assert_eq!(
        done.iter().map(|c| (c.version, c.phase)).collect::<Vec<_>>(),
        vec![(1, Phase::Intake), (2, Phase::Assessment), (3, Phase::Assessment)]
    );
    assert_eq!(done[0].created_id, Some(case.0));
    assert_eq!(book.get(&sup, case).expect("get").version, 3);
}

#[test]
fn a_summarised_batch_counts_what_it_wrote_and_where_in_the_log() {
    let (book, _) = book();
    let sup = supervisor();
    let earlier = book.open_case(&sup, open_case("Earlier")).expect("open").case_id;
    let case = casekit::CaseId(casekit::SequentialIds::nth(778));
    let mut open = open_case("Ada");
    open.case_id = Some(case);
    let on = |case_id, command: casekit::Command| BatchCommand { case_id, command, expected_version: None };
    let items = vec![
        on(None, open.into()),
        on(Some(earlier), CompleteIntake { eligible: true, immediate_needs: vec![] }.into()),
        on(Some(case), CompleteIntake { eligible: true, immediate_needs: vec![] }.into()),
        on(Some(case), assessment().into()),
    ];
    let mut refused = items.clone();
    refused.push(on(Some(case), ActivatePlan {}.into()));
    let err = book.execute_batch_summary(&sup, &refused).expect_err("activate_plan from assessment");
    assert_eq!(err.code(), ErrorCode::InvalidTransition);
    assert_eq!(book.store_version(case), None, "nothing of a refused batch is stored");
    let summary = book.execute_batch_summary(&sup, &items).expect("batch");
    let log = book.read_log(1, 100).expect("log");
    assert_eq!(
        summary,
        casekit::BatchSummary {
            commands: 4,
            events: log.len() as u64,
            cases: 2,
            first_position: log.first().map(|e| e.position),
            last_position: log.last().map(|e| e.position),
        }
    );
    assert_eq!((summary.first_position, summary.events), (Some(2), 4), "after the earlier case's event");
    assert_eq!(book.get(&sup, case).expect("get").version, 3);
    assert_eq!(casekit::BatchSummary::of(&[]), casekit::BatchSummary::default(), "nothing: no positions");
}

trait StoreVersion {
    fn store_version(&self, case: casekit::CaseId) -> Option<u64>;
}

impl StoreVersion for Casebook<MemoryStore> {
    fn store_version(&self, case: casekit::CaseId) -> Option<u64> {
        casekit::Store::version(self.store(), case).expect("version")
    }
}

#[test]
fn confidential_text_is_withheld_once_for_every_reader_that_may_not_see_it() {
    let (book, _) = book();
    let sup = supervisor();
    let c = book.open_case(&sup, open_case("Ada")).expect("open").case_id;
    book.execute(&sup, c, AddNote { text: "Disclosed".into(), confidential: true, ..Default::default() }, None)
        .expect("note");
    book.execute(&sup, c, AddNote { text: "Visited".into(), ..Default::default() }, None).expect("note");
    let mut history = book.history(&sup, c).expect("history");
    assert!(history.iter().all(|e| !e.redacted), "the supervisor sees everything");
    let withheld: Vec<bool> = history.iter_mut().map(|e| e.withhold_confidential_text()).collect();
    assert_eq!(withheld, vec![false, true, false]);
    assert!(history[1].redacted);
    let state = book.get(&sup, c).expect("get");
    assert_eq!(state.public_notes().map(|n| n.text.as_str()).collect::<Vec<_>>(), vec!["Visited"]);
    let auditor = casekit::Actor::new("aud", [casekit::Role::Auditor], ["housing"]);
    let seen = book.history(&auditor, c).expect("history");
    assert!(seen[1].redacted && matches!(&seen[1].event, casekit::Event::NoteAdded { text, .. } if text.is_empty()));
}

/// Counts the ids a casebook draws: a clock of its staging progress.
#[derive(Default)]
struct CountingIds {
    inner: casekit::SequentialIds,
    drawn: std::sync::atomic::AtomicUsize,
}

impl casekit::IdGen for CountingIds {
    fn next_id(&self) -> uuid::Uuid {
        self.drawn.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.next_id()
    }
}

/// A memory store that records how each append came: whole (`append`), or streamed,
/// with the ids drawn by the time the first batch arrived and the batches it took.
struct Watching {
    inner: MemoryStore,
    ids: Arc<CountingIds>,
    whole: Mutex<usize>,
    streamed: Mutex<Vec<(usize, usize)>>,
}

impl casekit::Store for Watching {
    fn append(&self, batches: Vec<casekit::AppendBatch>) -> Result<Vec<u64>, casekit::StoreError> {
        *self.whole.lock().expect("lock") += 1;
        self.inner.append(batches)
    }
    fn append_streamed(
        &self,
        batches: &mut dyn Iterator<Item = Result<casekit::AppendBatch, casekit::StoreError>>,
    ) -> Result<Vec<u64>, casekit::StoreError> {
        let first = batches.next();
        let drawn = self.ids.drawn.load(std::sync::atomic::Ordering::SeqCst);
        let all = first.into_iter().chain(batches).collect::<Result<Vec<_>, _>>()?;
        self.streamed.lock().expect("lock").push((drawn, all.len()));
        self.inner.append(all)
    }
    fn load(&self, case_id: casekit::CaseId, after: u64) -> Result<Vec<casekit::StoredEvent>, casekit::StoreError> {
        self.inner.load(case_id, after)
    }
    fn version(&self, case_id: casekit::CaseId) -> Result<Option<u64>, casekit::StoreError> {
        self.inner.version(case_id)
    }
    fn read_log(&self, after: u64, limit: usize) -> Result<Vec<casekit::StoredEvent>, casekit::StoreError> {
        self.inner.read_log(after, limit)
    }
    fn query(&self, q: &casekit::StoreQuery<'_>) -> Result<Vec<casekit::CaseSummary>, casekit::StoreError> {
        self.inner.query(q)
    }
    fn put_blob(&self, bytes: &[u8]) -> Result<String, casekit::StoreError> {
        self.inner.put_blob(bytes)
    }
    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, casekit::StoreError> {
        self.inner.get_blob(sha256)
    }
}

#[test]
fn a_large_batch_reaches_the_store_case_by_case_while_later_cases_are_still_staged() {
    let ids = Arc::new(CountingIds::default());
    let store =
        Watching { inner: MemoryStore::new(), ids: ids.clone(), whole: Mutex::new(0), streamed: Mutex::default() };
    let book = Casebook::with_clock(store, Arc::new(casekit::ManualClock::new(t0())), ids.clone());
    let sup = supervisor();
    let a = book.open_case(&sup, open_case("Ada")).expect("open a").case_id;
    let b = book.open_case(&sup, open_case("Bob")).expect("open b").case_id;
    let note = |case, i: usize| BatchCommand {
        case_id: Some(case),
        command: AddNote { text: format!("note {i}"), ..Default::default() }.into(),
        expected_version: None,
    };
    // One item short of the threshold: staged whole, appended whole.
    let small: Vec<BatchCommand> = (0..casekit::PIPELINE_FROM - 1).map(|i| note(a, i)).collect();
    book.execute_batch(&sup, &small).expect("small batch");
    assert_eq!(*book.store().whole.lock().expect("lock"), 3, "two opens and the small batch");
    assert!(book.store().streamed.lock().expect("lock").is_empty());
    // At the threshold, a's notes then b's: a goes to the store before b is staged.
    let half = casekit::PIPELINE_FROM / 2;
    let large: Vec<BatchCommand> = (0..casekit::PIPELINE_FROM).map(|i| note(if i < half { a } else { b }, i)).collect();
    let before = ids.drawn.load(std::sync::atomic::Ordering::SeqCst);
    book.execute_batch(&sup, &large).expect("large batch");
    let after = ids.drawn.load(std::sync::atomic::Ordering::SeqCst);
    let streamed = book.store().streamed.lock().expect("lock").clone();
    let [(drawn_at_first, batches)] = streamed.as_slice() else { panic!("one streamed append, got {streamed:?}") };
    assert_eq!(*batches, 2, "one batch per case");
    assert!(
        *drawn_at_first < after && *drawn_at_first > before,
        "a's batch arrived mid-staging: {before} ids before, {drawn_at_first} at the first batch, {after} after"
    );
    assert_eq!(*book.store().whole.lock().expect("lock"), 3, "the large batch did not go through append");
    assert_eq!(book.get(&sup, b).expect("b").version, 1 + casekit::PIPELINE_FROM as u64 - half as u64);
}
