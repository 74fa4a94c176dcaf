//! Many writers on one database: processes racing on shared cases, a writer killed in
//! the middle of its transaction, readers tailing the global log while writers commit
//! out of order, an instance following the log of another across lost connections, and a
//! call that finds every connection of its pool busy.

mod support;

use casekit::command::AddNote;
use casekit::{BatchCommand, CaseId, CaseQuery, Casebook, ErrorCode, IdGen, RandomIds, RecordedEvent, Store};
use casekit_postgres::testing::{database_url, pause_before_commit, scratch_store};
use casekit_postgres::{FollowOptions, PostgresOptions, PostgresStore};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;

fn connect(schema: &str) -> PostgresStore {
    let options = PostgresOptions { schema: schema.into(), pool_size: 2, ..Default::default() };
    PostgresStore::connect_with(&casekit_postgres::testing::database_url(), options).expect("connect")
}

/// `url` with its connections named `name` in `pg_stat_activity`.
fn with_application_name(url: &str, name: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}application_name={name}")
    } else {
        format!("{url} application_name={name}")
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

const PROCESSES: usize = 4;
const SHARED_CASES: usize = 8;
const COMMANDS_PER_PROCESS: usize = 120;

/// A writer process: reads a case's version, appends a note expecting it; prints
/// `OK case text` per success and `CONFLICT case` per refusal. Any other error panics
/// (and the parent sees the failed exit status).
#[test]
fn shared_cases_child() {
    let Some(schema) = env("CASEKIT_MP_SCHEMA") else { return };
    let me: u64 = env("CASEKIT_MP_WORKER").and_then(|s| s.parse().ok()).unwrap_or(0);
    let cases: Vec<CaseId> =
        env("CASEKIT_MP_CASES").expect("cases").split(',').map(|c| c.parse().expect("case id")).collect();
    let book = Casebook::new(connect(&schema));
    let sup = supervisor();
    let mut rng = Lcg(me * 31 + 5);
    let mut out = std::io::stdout().lock();
    for n in 0..COMMANDS_PER_PROCESS {
        let case = *rng.pick(&cases);
        let version = book.get(&sup, case).expect("get").version;
        let text = format!("worker{me}note{n}");
        match book.execute(&sup, case, AddNote { text: text.clone(), ..Default::default() }, Some(version)) {
            Ok(done) => {
                assert_eq!(done.version, version + 1);
                writeln!(out, "OK {case} {text}").expect("stdout");
            }
            Err(e) if e.code() == ErrorCode::Conflict => writeln!(out, "CONFLICT {case}").expect("stdout"),
            Err(e) => panic!("worker {me}: a refusal that is not a conflict: {e:?}"),
        }
        out.flush().expect("flush");
    }
}

#[test]
fn processes_on_shared_cases_lose_no_update() {
    let store = scratch_store();
    let (book, _) = casebook(store.another_instance());
    let sup = supervisor();
    let cases: Vec<CaseId> =
        (0..SHARED_CASES).map(|i| book.open_case(&sup, open(&format!("Client {i}"))).expect("open").case_id).collect();
    let list = cases.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let children: Vec<_> = (0..PROCESSES)
        .map(|w| {
            spawn_child(
                "shared_cases_child",
                &[
                    ("CASEKIT_MP_SCHEMA", store.schema().to_owned()),
                    ("CASEKIT_MP_WORKER", w.to_string()),
                    ("CASEKIT_MP_CASES", list.clone()),
                ],
            )
        })
        .collect();
    let mut acked: BTreeMap<CaseId, Vec<String>> = BTreeMap::new();
    let mut conflicts = 0;
    for mut child in children {
        let stdout = child.stdout.take().expect("stdout");
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["OK", case, text] => acked.entry(case.parse().expect("case")).or_default().push((*text).to_owned()),
                ["CONFLICT", _] => conflicts += 1,
                _ => {}
            }
        }
        assert!(child.wait().expect("wait").success(), "a writer failed");
    }
    let total: usize = acked.values().map(Vec::len).sum();
    assert_eq!(total + conflicts, PROCESSES * COMMANDS_PER_PROCESS, "every command was answered");
    assert!(conflicts > 0, "writers raced on shared cases");
    for c in &cases {
        let want = acked.get(c).map_or(&[][..], Vec::as_slice);
        let state = book.get(&sup, *c).expect("get");
        assert_eq!(state.version, 1 + want.len() as u64, "case {c}: one event per acknowledged command");
        let texts: BTreeSet<&str> = state.notes.iter().map(|n| n.text.as_str()).collect();
        assert_eq!(texts, want.iter().map(String::as_str).collect(), "case {c}: exactly the acknowledged notes");
        assert!(book.verify(&sup, *c).expect("verify").valid);
    }
}

/// A writer that pauses inside every append's transaction, between its last write and
/// its `COMMIT`: prints `TRY marker` before each command and `ACK marker` after it.
/// Each command puts its marker on two cases in one batch, or opens a case and notes
/// on it, so a half-applied command would show.
#[test]
fn killed_writer_child() {
    let Some(schema) = env("CASEKIT_KILL_SCHEMA") else { return };
    let round: u64 = env("CASEKIT_KILL_ROUND").and_then(|s| s.parse().ok()).unwrap_or(0);
    pause_before_commit(Duration::from_millis(40));
    let book = Casebook::new(connect(&schema));
    let sup = supervisor();
    let mut ids: Vec<CaseId> =
        all_pages(&book, &sup, &CaseQuery::default()).expect("list").into_iter().flatten().map(|s| s.case_id).collect();
    let mut rng = Lcg(round * 7919 + 1);
    let mut out = std::io::stdout().lock();
    for n in 0.. {
        let marker = format!("mk{round}x{n}");
        let note =
            |m: &str| -> casekit::Command { AddNote { text: format!("marker {m}"), ..Default::default() }.into() };
        let items = if ids.len() < 4 || rng.chance(20) {
            let id = CaseId(RandomIds.next_id());
            let mut o = open(&marker);
            o.case_id = Some(id);
            ids.push(id);
            vec![
                BatchCommand { case_id: None, command: o.into(), expected_version: None },
                BatchCommand { case_id: Some(id), command: note(&marker), expected_version: None },
            ]
        } else {
            let a = *rng.pick(&ids);
            let b = *rng.pick(&ids);
            let mut v = vec![BatchCommand { case_id: Some(a), command: note(&marker), expected_version: None }];
            if b != a {
                v.push(BatchCommand { case_id: Some(b), command: note(&marker), expected_version: None });
            }
            v
        };
        let notes = items.iter().filter(|i| matches!(i.command, casekit::Command::AddNote(_))).count();
        writeln!(out, "TRY {marker} {notes}").expect("stdout");
        out.flush().expect("flush");
        book.execute_batch(&sup, &items).expect("batch");
        writeln!(out, "ACK {marker}").expect("stdout");
        out.flush().expect("flush");
    }
}

#[test]
fn a_writer_killed_mid_transaction_loses_nothing_acknowledged() {
    let mut store = scratch_store();
    let schema = store.schema().to_owned();
    let mut db = admin();
    let mut acked: BTreeSet<String> = BTreeSet::new();
    // Every marker tried, in any round, with the number of cases its command notes.
    let mut tried: BTreeMap<String, usize> = BTreeMap::new();
    let mut caught_in_transaction = 0;
    // The child's connections carry a name of their own, to be told apart from the
    // other tests' on the same server.
    let app = format!("casekit-killed-writer-{schema}");
    for round in 0..6u64 {
        let mut child = spawn_child(
            "killed_writer_child",
            &[
                ("DATABASE_URL", with_application_name(&database_url(), &app)),
                ("CASEKIT_KILL_SCHEMA", schema.clone()),
                ("CASEKIT_KILL_ROUND", round.to_string()),
            ],
        );
        let pid = child.id() as i32;
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let reader = {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    lines.lock().expect("lines").push(line);
                }
            })
        };
        // Let it commit a few, then catch it inside a transaction: its connection
        // idle in a transaction (paused before COMMIT) after a TRY it has not acked.
        std::thread::sleep(Duration::from_millis(300 + 97 * round));
        await_activity(
            &mut db,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 \
             AND state = 'idle in transaction' AND backend_xid IS NOT NULL",
            &[&app],
            |busy| busy > 0,
            "the writer never paused in a transaction",
        );
        caught_in_transaction += 1;
        // SIGKILL: no unwinding, no ROLLBACK, no goodbye to the server.
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
        let _ = child.wait();
        reader.join().expect("reader");
        let lines = lines.lock().expect("lines").clone();
        for l in &lines {
            if let Some(m) = l.strip_prefix("ACK ") {
                acked.insert(m.to_owned());
            } else if let Some((m, n)) = l.strip_prefix("TRY ").and_then(|t| t.split_once(' ')) {
                tried.insert(m.to_owned(), n.parse().expect("note count"));
            }
        }
        assert!(lines.iter().any(|l| l.starts_with("ACK ")), "round {round}: the writer committed before the kill");
        // Wait for the server to notice the dead client and roll its transaction back.
        await_activity(
            &mut db,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
            |left| left == 0,
            "the killed writer's transaction never ended",
        );
        check_markers(&store, &acked, &tried);
    }
    assert!(caught_in_transaction >= 6);
    store.keep();
    drop(store);
    let _ = db.batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"));
}

/// Every acknowledged marker is on every case its command named; an unacknowledged one
/// is either wholly there or not at all; every case's chain verifies.
fn check_markers(store: &PostgresStore, acked: &BTreeSet<String>, tried: &BTreeMap<String, usize>) {
    let sup = supervisor();
    let (book, _) = casebook(connect(store.schema()));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut opened_by: BTreeMap<String, usize> = BTreeMap::new();
    for s in all_pages(&book, &sup, &CaseQuery::default()).expect("list").into_iter().flatten() {
        let state = book.get(&sup, s.case_id).expect("get");
        assert!(book.verify(&sup, s.case_id).expect("verify").valid);
        *opened_by.entry(state.client.name.clone()).or_default() += 1;
        for n in &state.notes {
            if let Some(m) = n.text.strip_prefix("marker ") {
                *seen.entry(m.to_owned()).or_default() += 1;
            }
        }
    }
    for m in acked {
        assert!(seen.contains_key(m), "acknowledged {m} is lost");
    }
    for (m, n) in &seen {
        // Stored without an ACK is fine (killed between the commit and the print), but
        // only whole: on every case its command named.
        assert_eq!(tried.get(m), Some(n), "{m} is on {n} cases, its command named {:?}", tried.get(m));
    }
    // A case opened by a command carries that command's note: never one without the other.
    for (name, _) in opened_by.iter().filter(|(n, _)| n.starts_with("mk")) {
        assert!(seen.contains_key(name), "case {name} was opened without its note");
    }
    let log = store.read_log(0, usize::MAX).expect("log");
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "the log has no holes");
    }
}

/// Writers (with commits held open for random times, so they would commit out of order
/// if positions came from a sequence) and a reader tailing `read_log`: the reader never
/// sees position p+1 before p, and never later finds an event below a position it has
/// passed. At the end, what it read is the whole log.
#[test]
fn the_global_log_shows_no_gap_a_later_commit_fills() {
    const WRITERS: usize = 4;
    const APPENDS_PER_WRITER: usize = 60;
    let store = scratch_store();
    pause_before_commit(Duration::from_millis(3));
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let reader_store = store.another_instance();
        let done = done.clone();
        std::thread::spawn(move || {
            let mut seen: Vec<casekit::StoredEvent> = Vec::new();
            let mut reads = 0u64;
            loop {
                let finished = done.load(Ordering::Acquire);
                let after = seen.last().map_or(0, |e| e.position);
                let page = reader_store.read_log(after, 7).expect("read log");
                reads += 1;
                for e in page {
                    let expected = seen.last().map_or(0, |l| l.position) + 1;
                    assert_eq!(e.position, expected, "the reader saw position {} before {expected}", e.position);
                    seen.push(e);
                }
                if finished && reader_store.read_log(seen.last().map_or(0, |e| e.position), 1).expect("tail").is_empty()
                {
                    return (seen, reads);
                }
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (book, _) = casebook(store.another_instance());
            std::thread::spawn(move || {
                let sup = supervisor();
                let ids = RandomIds;
                let mut cases = Vec::new();
                for n in 0..APPENDS_PER_WRITER {
                    if cases.is_empty() || n % 10 == 0 {
                        let mut o = open(&format!("w{w}c{n}"));
                        o.case_id = Some(CaseId(ids.next_id()));
                        cases.push(book.open_case(&sup, o).expect("open").case_id);
                    } else {
                        let c = cases[n % cases.len()];
                        let note = AddNote { text: format!("w{w} n{n}"), ..Default::default() };
                        book.execute(&sup, c, note, None).expect("note");
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    done.store(true, Ordering::Release);
    let (seen, reads) = reader.join().expect("reader");
    pause_before_commit(Duration::ZERO);
    let log = store.read_log(0, usize::MAX).expect("log");
    assert_eq!(log.len(), WRITERS * APPENDS_PER_WRITER);
    assert_eq!(seen, log, "the reader read the whole log, in order, once");
    assert!(reads > 20, "the reader tailed the log while the writers ran ({reads} reads)");
}

/// Instance A commits through a `Casebook`; instance B's follower receives every event,
/// in order, exactly once, promptly (by notification, not polling), and nothing is lost
/// when B's connection is killed in mid-stream.
#[test]
fn another_instance_follows_the_log_across_lost_connections() {
    let store = scratch_store();
    let b = store.another_instance();
    let received: Arc<Mutex<Vec<RecordedEvent>>> = Arc::default();
    let follower = {
        let received = received.clone();
        // A poll interval far longer than the test: delivery must come from NOTIFY.
        let options = FollowOptions { poll_interval: Duration::from_secs(600), ..Default::default() };
        b.follow_log(options, move |e| received.lock().expect("received").push(e.clone())).expect("follow")
    };
    let (a, _) = casebook(store.another_instance());
    let sup = supervisor();
    let c = a.open_case(&sup, open("Ada")).expect("open").case_id;
    let wait_for = |position: u64, within: Duration| {
        let deadline = Instant::now() + within;
        while follower.position() < position {
            assert!(
                Instant::now() < deadline,
                "the follower is at {} of {position} ({:?})",
                follower.position(),
                follower.last_error()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for(1, Duration::from_secs(10));
    let mut db = admin();
    let name = format!("casekit follower {}", store.schema());
    let mut kills = 0;
    for round in 0..5 {
        for i in 0..40 {
            a.execute(&sup, c, AddNote { text: format!("r{round} n{i}"), ..Default::default() }, None).expect("note");
            if i == 20 {
                // Cut B's connection while events keep coming.
                let killed: i64 = db
                    .query_one(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE application_name = $1) t",
                        &[&name],
                    )
                    .expect("terminate")
                    .get(0);
                kills += killed;
            }
        }
    }
    let last = store.read_log(0, usize::MAX).expect("log").last().map_or(0, |e| e.position);
    wait_for(last, Duration::from_secs(60));
    assert!(kills >= 3, "the follower's connection was killed ({kills} times)");
    assert!(follower.reconnects() >= 3, "it reconnected ({} times)", follower.reconnects());
    let expected = a.read_log(0, usize::MAX).expect("log");
    std::thread::sleep(Duration::from_millis(100));
    let got = received.lock().expect("received").clone();
    assert_eq!(got.len(), expected.len(), "no event lost or delivered twice");
    assert_eq!(got, expected, "every event, in order");
    assert_eq!(follower.stop().expect("stop"), last);
}

/// A follower started at a position delivers only what comes after it, and a panicking
/// callback stops it with an error instead of skipping the event.
#[test]
fn a_follower_resumes_from_a_position_and_stops_on_a_panicking_callback() {
    let store = scratch_store();
    let (a, _) = casebook(store.another_instance());
    let sup = supervisor();
    let c = a.open_case(&sup, open("Ada")).expect("open").case_id;
    for i in 0..5 {
        a.execute(&sup, c, AddNote { text: format!("n{i}"), ..Default::default() }, None).expect("note");
    }
    let got: Arc<Mutex<Vec<u64>>> = Arc::default();
    let follower = {
        let got = got.clone();
        let options =
            FollowOptions { after_position: 3, poll_interval: Duration::from_millis(200), ..Default::default() };
        store.follow_stored_log(options, move |e| got.lock().expect("got").push(e.position)).expect("follow")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while follower.position() < 6 {
        assert!(Instant::now() < deadline, "follower stuck at {}", follower.position());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(follower.stop().expect("stop"), 6);
    assert_eq!(*got.lock().expect("got"), vec![4, 5, 6]);
    let follower = store
        .follow_log(FollowOptions::default(), |e| {
            if e.position == 2 {
                panic!("the application's callback failed");
            }
        })
        .expect("follow");
    let deadline = Instant::now() + Duration::from_secs(10);
    while follower.is_running() {
        assert!(Instant::now() < deadline, "a panicking callback stops the follower");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(follower.position(), 1, "the event whose callback panicked is not delivered");
    let err = follower.stop().expect_err("stopped by the panic");
    assert_eq!(err.code(), ErrorCode::Storage);
}

/// With every connection of its pool busy, a call waits `checkout_timeout` for one, then
/// fails with a storage error that says so (and changes nothing); once the connection is
/// free again, calls go on.
#[test]
fn a_call_that_finds_the_pool_busy_gives_up_after_the_checkout_timeout() {
    let timeout = Duration::from_millis(300);
    let store = casekit_postgres::testing::scratch_store_with(PostgresOptions {
        schema: casekit_postgres::testing::scratch_schema(),
        pool_size: 1,
        checkout_timeout: timeout,
        ..Default::default()
    });
    let schema = store.schema().to_owned();
    let (book, _) = casebook(store.another_instance());
    let book = Arc::new(book);
    let sup = supervisor();
    let case = book.open_case(&sup, open("Client")).expect("open").case_id;
    // The pool's one connection gets stuck in an append: another session holds the lock
    // the append needs.
    let mut db = admin();
    let mut lock = db.transaction().expect("begin");
    lock.batch_execute(&format!("LOCK TABLE \"{schema}\".events IN ACCESS EXCLUSIVE MODE")).expect("lock");
    let stuck = {
        let (book, sup) = (Arc::clone(&book), sup.clone());
        std::thread::spawn(move || {
            book.execute(&sup, case, AddNote { text: "stuck".into(), ..Default::default() }, None)
        })
    };
    await_activity(
        &mut admin(),
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        &[],
        |waiting| waiting > 0,
        "the append never waited for the lock",
    );
    // Any other call now finds no connection free. (On a thread: a pool that opened a
    // second connection would block it on the lock; the lock goes when this test fails.)
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let (book, sup) = (Arc::clone(&book), sup.clone());
        std::thread::spawn(move || {
            let started = Instant::now();
            let _ = tx.send((book.get(&sup, case), started.elapsed()));
        });
    }
    let (answer, waited) = rx.recv_timeout(Duration::from_secs(20)).expect("the call neither failed nor got through");
    let err = answer.expect_err("no connection is free");
    assert!(waited >= timeout, "gave up after {waited:?}, before the checkout timeout");
    assert_eq!(err.code(), ErrorCode::Storage, "{err}");
    assert!(err.to_string().contains("no database connection was free within 300ms (pool size 1)"), "{err}");
    // The lock goes, the stuck append commits, and calls find the connection again.
    lock.rollback().expect("unlock");
    let noted = stuck.join().expect("thread").expect("the stuck append");
    assert_eq!(noted.version, 2);
    assert_eq!(book.get(&sup, case).expect("get").version, 2);
}
