//! The SQLite store answers exactly like core's in-memory reference store: the same
//! random commands go to both, then every event, version and case-list query (by
//! readers with different rights, page by page) is compared.

mod common;

use casekit::{BatchCommand, CaseId, Casebook, MemoryStore, Store};
use casekit_sqlite::{SqliteOptions, SqliteStore};
use chrono::Duration;
use common::*;

fn same<T: PartialEq + std::fmt::Debug>(a: &casekit::Result<T>, b: &casekit::Result<T>, what: &str) {
    match (a, b) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "{what}"),
        (Err(x), Err(y)) => assert_eq!(x.code(), y.code(), "{what}: {x} / {y}"),
        _ => panic!("{what}: reference {a:?}, sqlite {b:?}"),
    }
}

fn compare(store: impl Store + 'static, seed: u64, steps: usize) -> usize {
    compare_with(store, seed, steps, casebook)
}

/// [`compare`], with the casebooks (their clocks and id sources) made by `make`.
fn compare_with(
    store: impl Store + 'static,
    seed: u64,
    steps: usize,
    make: impl Fn(Box<dyn Store>) -> (Casebook<Box<dyn Store>>, std::sync::Arc<casekit::ManualClock>),
) -> usize {
    let mut rng = Lcg(seed);
    let (mem, mclock) = make(Box::new(MemoryStore::new()));
    let (sql, sclock) = make(Box::new(store));
    let sup = supervisor();
    let mut ids: Vec<CaseId> = Vec::new();
    for step in 0..steps {
        let by = Duration::seconds(rng.below(7200) as i64) + Duration::microseconds(rng.below(1000) as i64);
        mclock.advance(by);
        sclock.advance(by);
        if ids.is_empty() || (ids.len() < 40 && rng.chance(12)) {
            let open = random_open(&mut rng, step);
            let a = mem.open_case(&sup, open.clone()).map(|c| (c.case_id, c.version));
            let b = sql.open_case(&sup, open).map(|c| (c.case_id, c.version));
            same(&a, &b, "open_case");
            if let Ok((id, _)) = a {
                ids.push(id);
            }
        } else if rng.chance(5) {
            let now = casekit::Clock::now(&*mclock);
            let items: Vec<BatchCommand> = if rng.chance(8) {
                // Now and then a batch large enough to be staged while the store writes
                // it: notes on cases still open, so that it usually lands.
                let open: Vec<CaseId> = ids
                    .iter()
                    .copied()
                    .filter(|id| mem.get(&sup, *id).is_ok_and(|c| c.phase != casekit::Phase::Closed))
                    .collect();
                let on = if open.is_empty() { &ids } else { &open };
                (0..64 + rng.below(40))
                    .map(|_| BatchCommand {
                        case_id: Some(*rng.pick(on)),
                        command: casekit::testing::random::random_note(&mut rng),
                        expected_version: None,
                    })
                    .collect()
            } else {
                (0..2 + rng.below(3))
                    .map(|_| BatchCommand {
                        case_id: Some(*rng.pick(&ids)),
                        command: random_command(&mut rng, now),
                        expected_version: None,
                    })
                    .collect()
            };
            let a = mem.execute_batch(&sup, &items).map(|d| d.iter().map(|c| c.version).collect::<Vec<_>>());
            let b = sql.execute_batch(&sup, &items).map(|d| d.iter().map(|c| c.version).collect::<Vec<_>>());
            same(&a, &b, "execute_batch");
        } else {
            let case = *rng.pick(&ids);
            let now = casekit::Clock::now(&*mclock);
            let command = random_command(&mut rng, now);
            // Sometimes with a stale expected version: both must refuse the same way.
            let expected = if rng.chance(10) { Some(rng.below(4)) } else { None };
            let a = mem.execute(&sup, case, command.clone(), expected).map(|c| c.version);
            let b = sql.execute(&sup, case, command, expected).map(|c| c.version);
            same(&a, &b, "execute");
        }
    }
    let log_a = mem.store().read_log(0, usize::MAX).expect("log");
    let log_b = sql.store().read_log(0, usize::MAX).expect("log");
    assert_eq!(log_a, log_b, "the global logs differ");
    assert_eq!(sql.store().read_log(3, 5).expect("log page"), log_a[3..8.min(log_a.len())].to_vec());
    for id in &ids {
        assert_eq!(mem.store().load(*id, 0).expect("load"), sql.store().load(*id, 0).expect("load"));
        assert_eq!(mem.store().load(*id, 2).expect("load"), sql.store().load(*id, 2).expect("load"));
        assert_eq!(mem.store().version(*id).expect("version"), sql.store().version(*id).expect("version"));
        assert!(sql.verify(&sup, *id).expect("verify").valid);
    }
    let notes = log_b.iter().filter(|e| e.event_type == "note_added").count();
    let mut qrng = Lcg(seed ^ 0x5eed);
    let mut found_by_text = 0;
    for q in queries(&ids, &mut qrng) {
        for actor in readers() {
            let a = all_pages(&mem, &actor, &q);
            let b = all_pages(&sql, &actor, &q);
            same(&a, &b, &format!("query {q:?} by {} ({notes} notes)", actor.id));
            if q.text.is_some() {
                found_by_text += a.map(|p| p.iter().map(Vec::len).sum::<usize>()).unwrap_or(0);
            }
        }
    }
    eprintln!("{} events, {notes} notes, {found_by_text} cases found by text", log_b.len());
    assert!(found_by_text > 0, "the text queries found nothing: the comparison would be empty");
    notes
}

/// Ids whose first 40 bits (the note index's prefix) are shared by three ids at a time,
/// with the rest scrambled, so ids sharing a prefix are not made in id order.
struct SpreadIds(std::sync::atomic::AtomicU64);

impl casekit::IdGen for SpreadIds {
    fn next_id(&self) -> uuid::Uuid {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let group = (n / 3).wrapping_mul(7919) & 0xff_ffff_ffff;
        let rest = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut bytes = [0u8; 16];
        for (to, from) in bytes.iter_mut().zip(group.to_be_bytes().into_iter().skip(3).chain(rest.to_be_bytes())) {
            *to = from;
        }
        if let Some(last) = bytes.last_mut() {
            *last = (n & 0xff) as u8;
        }
        uuid::Uuid::from_bytes(bytes)
    }
}

#[test]
fn note_search_pages_across_case_id_prefixes() {
    // Cases spread over many prefixes of the note index, three to a prefix, in a file
    // whose index has been flushed several times: pages (some of one or two cases)
    // cross prefixes and rounds.
    let seed = seed();
    let dir = tempfile::tempdir().expect("dir");
    let make = |store: Box<dyn Store>| {
        let clock = std::sync::Arc::new(casekit::ManualClock::new(start()));
        let ids = std::sync::Arc::new(SpreadIds(std::sync::atomic::AtomicU64::new(1)));
        (Casebook::with_clock(store, clock.clone(), ids), clock)
    };
    let notes = compare_with(SqliteStore::open(dir.path().join("cases.db")).expect("db"), seed, 3000, make);
    let conn = rusqlite::Connection::open(dir.path().join("cases.db")).expect("db");
    let (keys, prefixes): (i64, i64) = conn
        .query_row("SELECT count(*), count(DISTINCT key >> 23) FROM note_keys", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("keys");
    assert!(notes > 0 && keys > 0 && prefixes > 5, "{notes} notes, {keys} indexed under {prefixes} prefixes");
}

#[test]
fn note_search_stays_exact_once_a_prefix_runs_out_of_keys() {
    // Sequential ids share one prefix; its last slot is taken up front, so every note
    // gets a key outside the order, which every search reads in full.
    let seed = seed();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let store = SqliteStore::open(&path).expect("db");
    let conn = rusqlite::Connection::open(&path).expect("db");
    conn.execute("INSERT INTO note_keys (key, case_id, confidential) VALUES ((1 << 23) - 1, zeroblob(16), 0)", [])
        .expect("fill the prefix");
    let notes = compare(store, seed, 2500);
    let (keys, outside): (i64, i64) = conn
        .query_row("SELECT count(*), count(*) FILTER (WHERE key < 0) FROM note_keys", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("keys");
    assert!(
        notes > 0 && outside > 0 && outside == keys - 1,
        "{notes} notes, {outside} of {keys} keys outside the order"
    );
}

#[test]
fn in_memory_database_matches_the_reference() {
    let seed = seed();
    compare(SqliteStore::in_memory().expect("db"), seed, 1500);
}

#[test]
fn file_matches_the_reference_across_the_text_index_flush() {
    // Enough notes that some sit in the FTS index and some are still pending.
    let seed = seed();
    let dir = tempfile::tempdir().expect("dir");
    let notes = compare(SqliteStore::open(dir.path().join("cases.db")).expect("db"), seed.wrapping_add(1), 4000);
    let conn = rusqlite::Connection::open(dir.path().join("cases.db")).expect("db");
    let indexed_upto: i64 = conn.query_row("SELECT upto FROM notes_indexed", [], |r| r.get(0)).expect("mark");
    assert!(notes > 0 && indexed_upto > 0, "the FTS index was never filled ({notes} notes)");
}

/// The SQLite store, handed every batch without its notes' texts (the store contract
/// asks for them, for the text index; an engine other than casekit's may leave them
/// out): the store must then read those notes from the log, for appends that index at
/// the flush and for streamed ones that index as they write.
struct WithoutNoteTexts(SqliteStore);

fn strip(mut b: casekit::AppendBatch) -> casekit::AppendBatch {
    b.notes.clear();
    b
}

impl Store for WithoutNoteTexts {
    fn append(&self, batches: Vec<casekit::AppendBatch>) -> Result<Vec<u64>, casekit::StoreError> {
        self.0.append(batches.into_iter().map(strip).collect())
    }
    fn append_streamed(
        &self,
        batches: &mut dyn Iterator<Item = Result<casekit::AppendBatch, casekit::StoreError>>,
    ) -> Result<Vec<u64>, casekit::StoreError> {
        self.0.append_streamed(&mut batches.map(|b| b.map(strip)))
    }
    fn load(&self, case_id: CaseId, after: u64) -> Result<Vec<casekit::StoredEvent>, casekit::StoreError> {
        self.0.load(case_id, after)
    }
    fn version(&self, case_id: CaseId) -> Result<Option<u64>, casekit::StoreError> {
        self.0.version(case_id)
    }
    fn read_log(&self, after: u64, limit: usize) -> Result<Vec<casekit::StoredEvent>, casekit::StoreError> {
        self.0.read_log(after, limit)
    }
    fn query(&self, q: &casekit::store::StoreQuery<'_>) -> Result<Vec<casekit::CaseSummary>, casekit::StoreError> {
        self.0.query(q)
    }
    fn put_blob(&self, bytes: &[u8]) -> Result<String, casekit::StoreError> {
        self.0.put_blob(bytes)
    }
    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, casekit::StoreError> {
        self.0.get_blob(sha256)
    }
}

#[test]
fn notes_handed_over_without_their_text_are_indexed_from_the_log() {
    let seed = seed();
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(dir.path().join("cases.db")).expect("db");
    compare(WithoutNoteTexts(store), seed.wrapping_add(7), 2500);
}

#[test]
fn checkpoints_every_few_pages_change_no_answer() {
    // Checkpoints in line and, after imports, on the checkpointer thread, all the time.
    let seed = seed();
    let dir = tempfile::tempdir().expect("dir");
    let options = SqliteOptions { checkpoint_pages: 20, ..Default::default() };
    compare(SqliteStore::open_with(dir.path().join("cases.db"), options).expect("db"), seed.wrapping_add(11), 2500);
}

#[test]
fn both_plans_for_time_ranges_answer_the_same() {
    // Sorting the range index's ids only, walking and giving up at once, walking only.
    let seed = seed();
    for budget in [0, 1, u32::MAX] {
        let options = SqliteOptions { range_walk_budget: budget, ..Default::default() };
        let dir = tempfile::tempdir().expect("dir");
        compare(
            SqliteStore::open_with(dir.path().join("cases.db"), options).expect("db"),
            seed ^ u64::from(budget),
            1500,
        );
        let options = SqliteOptions { range_walk_budget: budget, readers: 0, ..Default::default() };
        compare(SqliteStore::open_with(dir.path().join("single.db"), options).expect("db"), seed, 800);
    }
}

/// Time ranges cut into many buckets of both sizes (the cases span years), open at
/// either end, with bounds between microseconds, combined with other filters, paged
/// from cursors: the same answers as the reference, whichever plan drives them.
#[test]
fn time_ranges_across_buckets_answer_the_same() {
    let seed = seed();
    let mut rng = Lcg(seed);
    let dir = tempfile::tempdir().expect("dir");
    let buckets_only = SqliteOptions { range_walk_budget: 0, ..Default::default() };
    let (mem, mclock) = casebook(MemoryStore::new());
    let (sql, sclock) = casebook(SqliteStore::open(dir.path().join("cases.db")).expect("db"));
    let (sql0, s0clock) = casebook(SqliteStore::open_with(dir.path().join("buckets.db"), buckets_only).expect("db"));
    let sup = supervisor();
    let mut ids: Vec<CaseId> = Vec::new();
    for step in 0..500 {
        // Up to ten days at a time: about seven years in all.
        let by = Duration::seconds(rng.below(864_000) as i64) + Duration::microseconds(rng.below(1000) as i64);
        for clock in [&mclock, &sclock, &s0clock] {
            clock.advance(by);
        }
        if ids.len() < 8 || rng.chance(25) {
            let open = random_open(&mut rng, step);
            let a = mem.open_case(&sup, open.clone()).map(|c| c.case_id);
            same(&a, &sql.open_case(&sup, open.clone()).map(|c| c.case_id), "open_case");
            same(&a, &sql0.open_case(&sup, open).map(|c| c.case_id), "open_case");
            ids.extend(a.ok());
        } else {
            let case = *rng.pick(&ids);
            let now = casekit::Clock::now(&*mclock);
            let command = random_command(&mut rng, now);
            let a = mem.execute(&sup, case, command.clone(), None).map(|c| c.version);
            same(&a, &sql.execute(&sup, case, command.clone(), None).map(|c| c.version), "execute");
            same(&a, &sql0.execute(&sup, case, command, None).map(|c| c.version), "execute");
        }
    }
    let span = (casekit::Clock::now(&*mclock) - start()).num_microseconds().expect("span");
    // Anywhere from 100 days before the first case to 100 days after the last.
    let day = 86_400_000_000;
    let at = |rng: &mut Lcg| {
        let micros = ((rng.next() << 31 | rng.next()) % (span + 200 * day) as u64) as i64 - 100 * day;
        start() + Duration::microseconds(micros) + Duration::nanoseconds(rng.below(3) as i64 * 400)
    };
    let mut found = 0;
    for _ in 0..60 {
        let (a, b) = (at(&mut rng), at(&mut rng));
        let (from, to) = (a.min(b), a.max(b));
        let (from, to) = match rng.below(4) {
            0 => (Some(from), None),
            1 => (None, Some(to)),
            _ => (Some(from), Some(to)),
        };
        let mut q = match rng.below(3) {
            0 => casekit::CaseQuery { opened_from: from, opened_to: to, ..Default::default() },
            1 => casekit::CaseQuery { closed_from: from, closed_to: to, ..Default::default() },
            _ => casekit::CaseQuery { due_before: to.or(from), ..Default::default() },
        };
        q.limit = Some(1 + rng.below(9) as u32);
        match rng.below(6) {
            0 => q.phase = Some(*rng.pick(&[casekit::model::Phase::Intake, casekit::model::Phase::Closed])),
            1 => q.program = Some(rng.pick(&PROGRAMS).to_string().into()),
            2 => q.assignee = Some(rng.pick(&WORKERS).to_string().into()),
            3 => q.on_hold = Some(rng.chance(50)),
            4 => q.due_before = Some(at(&mut rng)),
            _ => {}
        }
        if rng.chance(30) {
            q.after = Some(*rng.pick(&ids));
        }
        for actor in readers() {
            let a = all_pages(&mem, &actor, &q);
            found += a.as_ref().map(|p| p.iter().map(Vec::len).sum::<usize>()).unwrap_or(0);
            same(&a, &all_pages(&sql, &actor, &q), &format!("query {q:?} by {}", actor.id));
            same(&a, &all_pages(&sql0, &actor, &q), &format!("query {q:?} by {} (buckets only)", actor.id));
        }
    }
    eprintln!("{} cases over {} days, {found} found by time ranges", ids.len(), span / day);
    assert!(found > 1000, "the time ranges found too little for a comparison ({found})");
}

#[test]
fn reopened_file_keeps_answering_the_same() {
    let seed = seed();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let mut rng = Lcg(seed);
    let (sql, clock) = casebook(SqliteStore::open(&path).expect("db"));
    let sup = supervisor();
    let mut ids = Vec::new();
    for i in 0..30 {
        clock.advance(Duration::minutes(7));
        ids.push(sql.open_case(&sup, random_open(&mut rng, i)).expect("open").case_id);
    }
    for _ in 0..400 {
        let now = casekit::Clock::now(&*clock);
        let _ = sql.execute(&sup, *rng.pick(&ids), random_command(&mut rng, now), None);
    }
    let before: Vec<_> =
        readers().iter().map(|a| all_pages(&sql, a, &casekit::CaseQuery::default()).expect("list")).collect();
    let log = sql.store().read_log(0, usize::MAX).expect("log");
    drop(sql);
    let reopened = Casebook::new(SqliteStore::open(&path).expect("reopen"));
    let after: Vec<_> =
        readers().iter().map(|a| all_pages(&reopened, a, &casekit::CaseQuery::default()).expect("list")).collect();
    assert_eq!(before, after);
    assert_eq!(reopened.store().read_log(0, usize::MAX).expect("log"), log);
}
