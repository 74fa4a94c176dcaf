//! The storage conformance kit: one suite, written once, that every store adapter runs
//! unchanged. An adapter's test file says
//!
//! ```ignore
//! casekit::store_conformance_tests!(my_store_constructor());
//! ```
//!
//! and gets one `#[test]` per behaviour of the storage contract. The expression is
//! evaluated afresh for every test and must give an empty store.

pub mod random;

use crate::actor::{Actor, Role};
use crate::clock::{ManualClock, SequentialIds, Timestamp};
use crate::command::*;
use crate::engine::Casebook;
use crate::error::{ErrorCode, StoreError};
use crate::event::sha256_hex;
use crate::ids::*;
use crate::model::*;
use crate::store::{AppendBatch, CaseQuery, Store};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// The kit's fixed start time: 2026-01-05 09:00 UTC.
pub fn start_time() -> Timestamp {
    DateTime::<Utc>::from_timestamp(1_767_603_600, 0).unwrap_or_default()
}

/// A casebook over `store` with a manual clock at [`start_time`] and sequential ids.
pub fn casebook<S: Store>(store: S) -> (Casebook<S>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(start_time()));
    let book = Casebook::with_clock(store, clock.clone(), Arc::new(SequentialIds::new()));
    (book, clock)
}

/// A supervisor of `housing` and `legal`.
pub fn supervisor() -> Actor {
    Actor::new("sam", [Role::Supervisor], ["housing", "legal"])
}

/// A case manager of `housing`.
pub fn case_manager(id: &str) -> Actor {
    Actor::new(id, [Role::CaseManager], ["housing"])
}

fn open(name: &str, program: &str) -> OpenCase {
    OpenCase {
        program: program.into(),
        client: ClientDetails { name: name.into(), ..Default::default() },
        ..Default::default()
    }
}

/// Walks a case from intake to active through the casebook; returns its id.
pub fn active_case<S: Store>(book: &Casebook<S>, actor: &Actor, name: &str) -> Result<CaseId, crate::Error> {
    let c = book.open_case(actor, open(name, "housing"))?.case_id;
    book.execute(actor, c, CompleteIntake { eligible: true, immediate_needs: vec![] }, None)?;
    book.execute(
        actor,
        c,
        RecordAssessment {
            instrument: InstrumentRef { id: "phq-9".into(), version: "1".into() },
            responses: [("q1".to_owned(), serde_json::json!(2))].into_iter().collect(),
            scores: Default::default(),
            bands: Default::default(),
            risk_flags: vec![],
            identified_needs: vec![],
        },
        None,
    )?;
    book.execute(actor, c, CompleteAssessment::default(), None)?;
    book.execute(
        actor,
        c,
        AddGoal { description: "Stable housing".into(), domain: "housing".into(), ..Default::default() },
        None,
    )?;
    book.execute(actor, c, ActivatePlan {}, None)?;
    Ok(c)
}

/// Events round-trip: what is appended is loaded back byte for byte, in order, and the
/// case's version follows.
pub fn append_and_load<S: Store>(store: S) {
    let (book, _) = casebook(store);
    let sup = supervisor();
    let c = active_case(&book, &sup, "Ada").expect("walk a case");
    let stored = book.store().load(c, 0).expect("load");
    assert_eq!(stored.len(), 6);
    for (i, e) in stored.iter().enumerate() {
        assert_eq!(e.sequence, i as u64 + 1);
        assert_eq!(e.case_id, c);
        assert!(e.position > 0, "positions are assigned by the store");
    }
    assert_eq!(book.store().version(c).expect("version"), Some(6));
    assert_eq!(book.store().version(CaseId(SequentialIds::nth(9999))).expect("version"), None);
    let tail = book.store().load(c, 4).expect("load tail");
    assert_eq!(tail.iter().map(|e| e.sequence).collect::<Vec<_>>(), vec![5, 6]);
    assert_eq!(&tail[..], &stored[4..]);
    let report = book.verify(&sup, c).expect("verify");
    assert!(report.valid, "{report:?}");
    assert_eq!(report.events_checked, 6);
}

/// An append whose expected version is stale is refused with a conflict carrying both
/// versions, and changes nothing.
pub fn append_conflict_changes_nothing<S: Store>(store: S) {
    let (book, _) = casebook(store);
    let sup = supervisor();
    let c = book.open_case(&sup, open("Ada", "housing")).expect("open").case_id;
    book.execute(&sup, c, AddNote { text: "first".into(), ..Default::default() }, Some(1)).expect("note");
    let err = book
        .execute(&sup, c, AddNote { text: "stale".into(), ..Default::default() }, Some(1))
        .expect_err("stale version");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(matches!(err, crate::Error::Conflict { expected: 1, actual: 2, .. }), "{err:?}");
    // The store itself refuses a stale raw append too.
    let stored = book.store().load(c, 0).expect("load");
    let summary = crate::store::CaseSummary::of(&book.get(&sup, c).expect("get"));
    let mut replay = stored[1].clone();
    replay.sequence = 2;
    let batch = AppendBatch { case_id: c, expected_version: 1, events: vec![replay], summary, notes: vec![] };
    match book.store().append(vec![batch]) {
        Err(StoreError::Conflict { expected: 1, actual: 2, .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(book.store().load(c, 0).expect("load").len(), 2);
    assert_eq!(book.store().read_log(0, 100).expect("log").len(), 2);
}

/// A multi-case append is all or nothing.
pub fn append_is_atomic<S: Store>(store: S) {
    let (book, _) = casebook(store);
    let sup = supervisor();
    let a = book.open_case(&sup, open("Ada", "housing")).expect("open a").case_id;
    let b = book.open_case(&sup, open("Bob", "housing")).expect("open b").case_id;
    let before = book.store().read_log(0, 100).expect("log").len();
    let batch = vec![
        crate::engine::BatchCommand {
            case_id: Some(a),
            command: AddNote { text: "kept only if all pass".into(), ..Default::default() }.into(),
            expected_version: None,
        },
        crate::engine::BatchCommand {
            case_id: Some(b),
            command: AddNote { text: "stale".into(), ..Default::default() }.into(),
            expected_version: Some(7),
        },
    ];
    let err = book.execute_batch(&sup, &batch).expect_err("second item conflicts");
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(book.store().read_log(0, 100).expect("log").len(), before);
    assert_eq!(book.store().version(a).expect("version"), Some(1));
    // And a good batch lands whole, in order, opening a case inside the batch.
    let new_id = CaseId(SequentialIds::nth(5000));
    let mut o = open("Cy", "housing");
    o.case_id = Some(new_id);
    let batch = vec![
        crate::engine::BatchCommand { case_id: None, command: o.into(), expected_version: None },
        crate::engine::BatchCommand {
            case_id: Some(new_id),
            command: CompleteIntake { eligible: true, immediate_needs: vec![] }.into(),
            expected_version: Some(1),
        },
        crate::engine::BatchCommand {
            case_id: Some(a),
            command: AddNote { text: "batched".into(), ..Default::default() }.into(),
            expected_version: Some(1),
        },
    ];
    let done = book.execute_batch(&sup, &batch).expect("batch");
    assert_eq!(done.len(), 3);
    assert_eq!(done[1].phase, Phase::Assessment);
    assert_eq!(book.store().version(new_id).expect("version"), Some(2));
    assert_eq!(book.store().version(a).expect("version"), Some(2));
    assert!(book.verify(&sup, new_id).expect("verify").valid);
}

/// A large batch (staged as the store appends it, on another thread where the store
/// does that) is all or nothing too: a failing item at its end or in its middle leaves
/// no trace, and a good one lands whole, each case's events together in the order the
/// cases were first named, with the positions the store gave them.
pub fn large_batch_is_atomic<S: Store>(store: S) {
    let store = Arc::new(store);
    let (book, _) = casebook(store.clone());
    let sup = supervisor();
    let a = active_case(&book, &sup, "Ada").expect("case a");
    let b = active_case(&book, &sup, "Bob").expect("case b");
    let note = |case: CaseId, text: String| crate::engine::BatchCommand {
        case_id: Some(case),
        command: AddNote { text, ..Default::default() }.into(),
        expected_version: None,
    };
    // 60 notes on a, 40 on b, then 30 on a again: b's last item comes before a's.
    let mut items: Vec<_> = (0..60).map(|i| note(a, format!("a note {i}"))).collect();
    items.extend((0..40).map(|i| note(b, format!("b note {i}"))));
    items.extend((60..90).map(|i| note(a, format!("a note {i}"))));
    let before = book.store().read_log(0, 10_000).expect("log").len();
    let (va, vb) = (book.store().version(a).expect("a"), book.store().version(b).expect("b"));
    for failing in [items.len() - 1, 70] {
        let mut bad = items.clone();
        bad[failing].command = CompleteIntake { eligible: true, immediate_needs: vec![] }.into();
        let err = book.execute_batch(&sup, &bad).expect_err("an active case cannot complete intake");
        assert_eq!(err.code(), ErrorCode::InvalidTransition, "item {failing}: {err}");
        assert_eq!(book.store().read_log(0, 10_000).expect("log").len(), before, "item {failing}");
        assert_eq!(book.store().version(a).expect("a"), va);
        assert_eq!(book.store().version(b).expect("b"), vb);
    }
    // A failure after the store has taken a whole case (a's last item comes first):
    // what it wrote of a is rolled back too.
    let mut late: Vec<_> = (0..40).map(|i| note(a, format!("early {i}"))).collect();
    late.extend((0..40).map(|i| note(b, format!("late {i}"))));
    late.push(crate::engine::BatchCommand {
        case_id: Some(b),
        command: CompleteIntake { eligible: true, immediate_needs: vec![] }.into(),
        expected_version: None,
    });
    let err = book.execute_batch(&sup, &late).expect_err("an active case cannot complete intake");
    assert_eq!(err.code(), ErrorCode::InvalidTransition, "{err}");
    assert_eq!(book.store().read_log(0, 10_000).expect("log").len(), before, "a's notes are not kept");
    assert_eq!(book.store().version(a).expect("a"), va);
    assert_eq!(book.get(&sup, a).expect("a").version, va.unwrap_or(0), "nor cached");
    let done = book.execute_batch(&sup, &items).expect("batch");
    assert_eq!(done.len(), items.len());
    assert_eq!(done.last().map(|c| c.version), va.map(|v| v + 90));
    let log = book.store().read_log(0, 10_000).expect("log");
    let new = log.get(before..).unwrap_or_default();
    assert_eq!(new.len(), 130);
    let cases: Vec<CaseId> = new.iter().map(|e| e.case_id).collect();
    assert!(cases[..90].iter().all(|c| *c == a) && cases[90..].iter().all(|c| *c == b), "a's events, then b's");
    let mut positions: Vec<(CaseId, u64, u64)> =
        done.iter().flat_map(|c| c.events.iter().map(|e| (e.case_id, e.sequence, e.position))).collect();
    positions.sort_by_key(|p| p.2);
    let stored: Vec<(CaseId, u64, u64)> = new.iter().map(|e| (e.case_id, e.sequence, e.position)).collect();
    assert_eq!(positions, stored, "each committed event carries its stored position");
    assert!(book.verify(&sup, a).expect("verify a").valid);
    assert!(book.verify(&sup, b).expect("verify b").valid);
    // The cases carry on from there.
    let vb = vb.unwrap_or(0);
    let next = book.execute(&sup, b, AddNote { text: "after".into(), ..Default::default() }, Some(vb + 40));
    assert_eq!(next.expect("note after the batch").version, vb + 41);
    // Another casebook on the same store adds to b behind this one's back: this one's
    // copy of b is stale, the store refuses the append, and the batch is staged again
    // from the store and lands after the other's note.
    let clock = Arc::new(ManualClock::new(start_time()));
    let other = Casebook::with_clock(store, clock, Arc::new(FarIds::default()));
    other.execute(&sup, b, AddNote { text: "elsewhere".into(), ..Default::default() }, None).expect("other writes");
    let late: Vec<_> = (0..70).map(|i| note(b, format!("late {i}"))).collect();
    let done = book.execute_batch(&sup, &late).expect("staged again from the store");
    assert_eq!(done.first().map(|c| c.version), Some(vb + 43));
    assert_eq!(done.last().map(|c| c.version), Some(vb + 112));
    assert_eq!(book.history(&sup, b).expect("history").len() as u64, vb + 112);
    assert!(other.verify(&sup, b).expect("verify b").valid);
}

/// Ids far from a [`SequentialIds`]' (from 1,000,000 on): a second casebook's.
#[derive(Default)]
struct FarIds(SequentialIds);

impl crate::clock::IdGen for FarIds {
    fn next_id(&self) -> uuid::Uuid {
        let n = self.0.next_id().as_u128() & 0xFFFF_FFFF_FFFF;
        SequentialIds::nth(1_000_000 + n as u64)
    }
}

/// The global log is in position order, complete, and pages by position.
pub fn global_log_in_order<S: Store>(store: S) {
    let (book, _) = casebook(store);
    let sup = supervisor();
    let a = book.open_case(&sup, open("Ada", "housing")).expect("open").case_id;
    let b = book.open_case(&sup, open("Bob", "legal")).expect("open").case_id;
    for i in 0..5 {
        let target = if i % 2 == 0 { a } else { b };
        book.execute(&sup, target, AddNote { text: format!("note {i}"), ..Default::default() }, None).expect("note");
    }
    let log = book.store().read_log(0, 1000).expect("log");
    assert_eq!(log.len(), 7);
    for w in log.windows(2) {
        assert!(w[0].position < w[1].position, "positions increase");
    }
    let after = book.store().read_log(log[2].position, 2).expect("log page");
    assert_eq!(after.iter().map(|e| e.position).collect::<Vec<_>>(), vec![log[3].position, log[4].position]);
    assert!(book.store().read_log(log[6].position, 10).expect("log end").is_empty());
    let decoded = book.read_log(0, 1000).expect("decoded log");
    assert_eq!(decoded.len(), 7);
}

/// Every filter of the case list, and keyset pagination.
pub fn query_filters_and_pages<S: Store>(store: S) {
    let (book, clock) = casebook(store);
    let sup = supervisor();
    let ann = case_manager("ann");
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut o = open(&format!("Client {i}"), if i == 6 { "legal" } else { "housing" });
        o.priority = if i % 3 == 0 { Priority::High } else { Priority::Normal };
        if i % 2 == 0 {
            o.tags = vec!["veteran".into()];
        }
        if i < 3 {
            o.assign_to = Some("ann".into());
        }
        ids.push(book.open_case(&sup, o).expect("open").case_id);
        clock.advance(Duration::hours(1));
    }
    let due = start_time() + Duration::days(3);
    book.execute(
        &sup,
        ids[1],
        AddTask { title: "Call landlord".into(), due: Some(due), assignee: None, ..Default::default() },
        None,
    )
    .expect("task");
    book.execute(&sup, ids[2], CompleteIntake { eligible: true, immediate_needs: vec![] }, None).expect("intake");
    book.execute(&sup, ids[3], PlaceOnHold { reason: "hospital".into(), until: None }, None).expect("hold");
    book.execute(&sup, ids[4], Close { reason: ClosureReason::ClientWithdrew, summary: "moved on".into() }, None)
        .expect("close");
    let list = |q: CaseQuery| -> Vec<CaseId> {
        book.list(&sup, &q).expect("list").items.into_iter().map(|s| s.case_id).collect()
    };
    assert_eq!(list(CaseQuery::default()), ids);
    assert_eq!(list(CaseQuery { phase: Some(Phase::Assessment), ..Default::default() }), vec![ids[2]]);
    assert_eq!(list(CaseQuery { phase: Some(Phase::Closed), ..Default::default() }), vec![ids[4]]);
    assert_eq!(list(CaseQuery { program: Some("legal".into()), ..Default::default() }), vec![ids[6]]);
    assert_eq!(list(CaseQuery { assignee: Some("ann".into()), ..Default::default() }), ids[..3].to_vec());
    assert_eq!(list(CaseQuery { priority: Some(Priority::High), ..Default::default() }), vec![ids[0], ids[3], ids[6]]);
    assert_eq!(
        list(CaseQuery { tag: Some("veteran".into()), ..Default::default() }),
        vec![ids[0], ids[2], ids[4], ids[6]]
    );
    assert_eq!(list(CaseQuery { on_hold: Some(true), ..Default::default() }), vec![ids[3]]);
    assert_eq!(list(CaseQuery { due_before: Some(due), ..Default::default() }), vec![ids[1]]);
    assert!(list(CaseQuery { due_before: Some(due - Duration::seconds(1)), ..Default::default() }).is_empty());
    let client = book.get(&sup, ids[5]).expect("get").client_id;
    assert_eq!(list(CaseQuery { client_id: Some(client), ..Default::default() }), vec![ids[5]]);
    let from = start_time() + Duration::hours(2);
    let to = start_time() + Duration::hours(4);
    assert_eq!(
        list(CaseQuery { opened_from: Some(from), opened_to: Some(to), ..Default::default() }),
        vec![ids[2], ids[3]]
    );
    let closed_at = start_time() + Duration::hours(7);
    assert_eq!(
        list(CaseQuery {
            closed_from: Some(closed_at),
            closed_to: Some(closed_at + Duration::seconds(1)),
            ..Default::default()
        }),
        vec![ids[4]]
    );
    // Scope: a case manager of housing never sees the legal case.
    let ann_sees: Vec<CaseId> =
        book.list(&ann, &CaseQuery::default()).expect("list").items.into_iter().map(|s| s.case_id).collect();
    assert_eq!(ann_sees, ids[..6].to_vec());
    // Keyset pagination walks every case exactly once.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = book.list(&sup, &CaseQuery { limit: Some(3), after, ..Default::default() }).expect("page");
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|s| s.case_id));
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let err = book.list(&sup, &CaseQuery { limit: Some(0), ..Default::default() }).expect_err("limit 0");
    assert_eq!(err.field(), Some("limit"));
}

/// Free-text search over notes matches whole words and never reveals confidential notes
/// to readers who may not see them.
pub fn text_search_respects_confidentiality<S: Store>(store: S) {
    let (book, _) = casebook(store);
    let sup = supervisor();
    let mut o = open("Ada", "housing");
    o.assign_to = Some("ann".into());
    let a = book.open_case(&sup, o).expect("open").case_id;
    let b = book.open_case(&sup, open("Bob", "housing")).expect("open").case_id;
    book.execute(&sup, a, AddNote { text: "Landlord agreed to a payment plan".into(), ..Default::default() }, None)
        .expect("note");
    let secret = AddNote { text: "Disclosed domestic violence".into(), confidential: true, ..Default::default() };
    book.execute(&sup, a, secret.clone(), None).expect("secret a");
    book.execute(&sup, b, secret, None).expect("secret b");
    let search = |actor: &Actor, text: &str| -> Vec<CaseId> {
        let q = CaseQuery { text: Some(text.into()), ..Default::default() };
        book.list(actor, &q).expect("search").items.into_iter().map(|s| s.case_id).collect()
    };
    assert_eq!(search(&sup, "landlord"), vec![a]);
    assert_eq!(search(&sup, "PAYMENT plan"), vec![a]);
    assert!(search(&sup, "landlord violence").is_empty(), "all words must be in one note");
    assert_eq!(search(&sup, "violence"), vec![a, b], "supervisors see confidential notes");
    let ann = case_manager("ann");
    assert_eq!(search(&ann, "violence"), vec![a], "assigned workers see their cases' confidential notes");
    let bo = case_manager("bo");
    assert!(search(&bo, "violence").is_empty(), "others never match confidential text");
    assert_eq!(search(&bo, "landlord"), vec![a]);
    let auditor = Actor::new("aud", [Role::Auditor], ["housing"]);
    assert!(search(&auditor, "domestic").is_empty());
}

/// Blobs are content-addressed and verified.
pub fn blobs_round_trip<S: Store>(store: S) {
    let bytes = b"%PDF-1.7 consent form".to_vec();
    let hash = store.put_blob(&bytes).expect("put");
    assert_eq!(hash, sha256_hex(&bytes));
    assert_eq!(store.put_blob(&bytes).expect("put again"), hash, "idempotent");
    assert_eq!(store.get_blob(&hash).expect("get"), Some(bytes));
    assert_eq!(store.get_blob(&sha256_hex(b"other")).expect("get missing"), None);
    let empty = store.put_blob(&[]).expect("put empty");
    assert_eq!(store.get_blob(&empty).expect("get empty"), Some(Vec::new()));
}

/// Documents go through the casebook into the blob store and come back verified.
pub fn documents_through_casebook<S: Store>(store: S) {
    let (book, _) = casebook(store);
    let sup = supervisor();
    let c = book.open_case(&sup, open("Ada", "housing")).expect("open").case_id;
    let upload = crate::engine::DocumentUpload {
        name: "lease.pdf".into(),
        media_type: "application/pdf".into(),
        category: Some("housing".into()),
        content: b"lease text".to_vec(),
    };
    let done = book.attach_document(&sup, c, upload).expect("attach");
    let doc = DocumentId(done.created_id.expect("document id"));
    assert_eq!(book.document_content(&sup, c, doc).expect("content"), b"lease text".to_vec());
    let other = Actor::new("x", [Role::Supervisor], ["legal"]);
    assert_eq!(book.document_content(&other, c, doc).expect_err("other program").code(), ErrorCode::PermissionDenied);
}

/// Writers racing on one case: exactly one wins each version; the others get conflicts;
/// nothing is lost or duplicated.
pub fn concurrent_writers<S: Store + 'static>(store: S) {
    let (book, _) = casebook(store);
    let book = Arc::new(book);
    let sup = supervisor();
    let c = book.open_case(&sup, open("Ada", "housing")).expect("open").case_id;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let book = book.clone();
            let sup = sup.clone();
            std::thread::spawn(move || {
                let mut ok = 0u64;
                let mut conflicts = 0u64;
                for i in 0..25 {
                    let version = book.get(&sup, c).expect("get").version;
                    let note = AddNote { text: format!("thread {t} note {i}"), ..Default::default() };
                    match book.execute(&sup, c, note, Some(version)) {
                        Ok(_) => ok += 1,
                        Err(e) if e.code() == ErrorCode::Conflict => conflicts += 1,
                        Err(e) => panic!("unexpected error {e}"),
                    }
                }
                (ok, conflicts)
            })
        })
        .collect();
    let mut ok = 0;
    for t in threads {
        let (o, _) = t.join().expect("thread");
        ok += o;
    }
    let stored = book.store().load(c, 0).expect("load");
    assert_eq!(stored.len() as u64, 1 + ok, "every acknowledged write is stored, nothing else");
    assert!(book.verify(&sup, c).expect("verify").valid);
}

/// Runs the whole suite as one `#[test]` per behaviour.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        #[test]
        fn conformance_append_and_load() {
            $crate::testing::append_and_load($make);
        }
        #[test]
        fn conformance_append_conflict_changes_nothing() {
            $crate::testing::append_conflict_changes_nothing($make);
        }
        #[test]
        fn conformance_append_is_atomic() {
            $crate::testing::append_is_atomic($make);
        }
        #[test]
        fn conformance_large_batch_is_atomic() {
            $crate::testing::large_batch_is_atomic($make);
        }
        #[test]
        fn conformance_global_log_in_order() {
            $crate::testing::global_log_in_order($make);
        }
        #[test]
        fn conformance_query_filters_and_pages() {
            $crate::testing::query_filters_and_pages($make);
        }
        #[test]
        fn conformance_text_search_respects_confidentiality() {
            $crate::testing::text_search_respects_confidentiality($make);
        }
        #[test]
        fn conformance_blobs_round_trip() {
            $crate::testing::blobs_round_trip($make);
        }
        #[test]
        fn conformance_documents_through_casebook() {
            $crate::testing::documents_through_casebook($make);
        }
        #[test]
        fn conformance_concurrent_writers() {
            $crate::testing::concurrent_writers($make);
        }
    };
}

/// The CM-22 benchmark workload (../shared/BENCHMARKS.md): 22 commands per case, from
/// intake to closure, the same payloads as the peer programs. Every id is chosen up
/// front, so the commands can run one by one or as one batch.
pub mod cm22 {
    use super::*;
    use crate::clock::IdGen;
    use crate::engine::BatchCommand;
    use crate::program::Program;

    /// The program every CM-22 case belongs to.
    pub const PROGRAM: &str = "housing-stability";

    const NOTE: &str = "Called the client about the rent arrears; went through the monthly budget, \
collected the missing payslips for the housing application and agreed to meet again at the family home next week.";
    const SUMMARY: &str =
        "Housing is stable and the income goals were met; all services ended as planned and no needs remain.";

    /// The program definition (no extra rules, as the peers have none).
    pub fn program() -> Program {
        Program::new(PROGRAM, "Housing stability")
    }

    /// The actor running the workload: a supervisor of the program.
    pub fn actor() -> Actor {
        Actor::new("worker-1", [Role::Supervisor], [PROGRAM])
    }

    /// The 22 commands of case number `i`.
    pub fn commands(i: usize, ids: &dyn IdGen) -> Vec<BatchCommand> {
        let case = CaseId(ids.next_id());
        let iu = i as u32;
        let at = |command: Command| BatchCommand { case_id: Some(case), command, expected_version: None };
        let mut v = Vec::with_capacity(22);
        v.push(at(OpenCase {
            program: PROGRAM.into(),
            case_id: Some(case),
            client: ClientDetails {
                name: format!("Client {i}"),
                date_of_birth: chrono::NaiveDate::from_ymd_opt(1950 + (i % 50) as i32, 1 + iu % 12, 1 + iu % 28),
                gender: Some(["female", "male", "nonbinary"][i % 3].into()),
                address: Some(format!("{} Main Street, Springfield", 1 + i % 999)),
                phone: Some(format!("+1-555-{:04}", i % 10000)),
                language: Some(["en", "es", "fr"][i % 3].into()),
                household_size: Some(1 + iu % 6),
                monthly_income: Some(f64::from(1000 + (iu % 40) * 50)),
                ..Default::default()
            },
            ..Default::default()
        }
        .into()));
        v.push(at(CompleteIntake {
            eligible: true,
            immediate_needs: vec![
                ImmediateNeedInput { category: "food".into(), description: String::new() },
                ImmediateNeedInput { category: "housing".into(), description: String::new() },
            ],
        }
        .into()));
        let answers: Vec<u32> = (0..9).map(|k| (iu + k) % 4).collect();
        v.push(at(RecordAssessment {
            instrument: InstrumentRef { id: "phq-9".into(), version: "1".into() },
            responses: answers.iter().enumerate().map(|(k, a)| (format!("q{}", k + 1), serde_json::json!(a))).collect(),
            scores: [("total".to_owned(), f64::from(answers.iter().sum::<u32>()))].into_iter().collect(),
            bands: Default::default(),
            risk_flags: vec![],
            identified_needs: vec![],
        }
        .into()));
        v.push(at(CompleteAssessment::default().into()));
        let goals: Vec<GoalId> = (0..3).map(|_| GoalId(ids.next_id())).collect();
        for (g, goal_id) in goals.iter().enumerate() {
            v.push(at(AddGoal {
                goal_id: Some(*goal_id),
                description: format!("Goal {}: stabilise the household", g + 1),
                domain: ["housing", "income", "health"][g].into(),
                need_id: None,
                measure: Some(Measure {
                    name: "score".into(),
                    unit: None,
                    baseline: None,
                    target: 10.0 * (g + 1) as f64,
                    direction: Direction::Increase,
                }),
                due: chrono::NaiveDate::from_ymd_opt(2027, g as u32 + 1, 15),
            }
            .into()));
        }
        for s in 1..=2u32 {
            v.push(at(AddService {
                name: format!("Service {s}"),
                provider: format!("Provider {s}"),
                start: chrono::NaiveDate::from_ymd_opt(2026, 12, s),
                ..Default::default()
            }
            .into()));
        }
        v.push(at(ActivatePlan {}.into()));
        for n in 1..=8 {
            v.push(at(
                AddNote { text: format!("Note {n}. {NOTE}"), kind: NoteKind::Contact, confidential: false }.into()
            ));
        }
        for (o, goal_id) in goals.iter().take(2).enumerate() {
            v.push(at(RecordOutcome {
                goal_id: *goal_id,
                value: 5.0 * (o + 1) as f64,
                measured_on: chrono::NaiveDate::from_ymd_opt(2026, 1, 1 + o as u32).unwrap_or_default(),
                note: None,
            }
            .into()));
        }
        v.push(at(EvaluateGoals {
            evaluations: vec![
                GoalEvaluation { goal_id: goals[0], status: GoalStatus::Achieved },
                GoalEvaluation { goal_id: goals[1], status: GoalStatus::PartiallyAchieved },
                GoalEvaluation { goal_id: goals[2], status: GoalStatus::NotAchieved },
            ],
        }
        .into()));
        v.push(at(Close { reason: ClosureReason::GoalsAchieved, summary: SUMMARY.into() }.into()));
        v
    }

    /// Runs `cases` CM-22 cases, one command per call (each its own commit).
    pub fn run_each<S: Store>(book: &Casebook<S>, first: usize, cases: usize, ids: &dyn IdGen) -> crate::Result<()> {
        let actor = actor();
        for i in first..first + cases {
            for item in commands(i, ids) {
                book.execute_command(&actor, item.case_id, item.command, None)?;
            }
        }
        Ok(())
    }

    /// Runs `cases` CM-22 cases as one batch (one commit).
    pub fn run_batch<S: Store>(book: &Casebook<S>, first: usize, cases: usize, ids: &dyn IdGen) -> crate::Result<()> {
        let items: Vec<BatchCommand> = (first..first + cases).flat_map(|i| commands(i, ids)).collect();
        book.execute_batch(&actor(), &items)?;
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_cm22_case_ends_closed_after_22_events() {
            let (book, _) = casebook(crate::MemoryStore::new());
            let ids = SequentialIds::new();
            run_each(&book, 0, 2, &ids).expect("each");
            run_batch(&book, 2, 3, &ids).expect("batch");
            let all = book.list(&actor(), &CaseQuery::default()).expect("list");
            assert_eq!(all.items.len(), 5);
            for s in all.items {
                assert_eq!(s.phase, Phase::Closed);
                assert_eq!(s.version, 22);
            }
            assert_eq!(book.read_log(0, usize::MAX).expect("log").len(), 5 * 22);
        }
    }
}

#[cfg(test)]
mod memory {
    crate::store_conformance_tests!(crate::MemoryStore::new());
}
