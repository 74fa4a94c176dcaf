//! Several processes write the same 20 cases of one file at once, each command with
//! the expected version it read: no update may be lost (every case ends with exactly
//! one event per successful command), every refusal is a conflict, nothing panics.

mod common;

use casekit::command::{AddNote, OpenCase};
use casekit::model::ClientDetails;
use casekit::{CaseId, Casebook, ErrorCode, Store};
use casekit_sqlite::SqliteStore;
use common::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};

const PROCESSES: usize = 4;
const CASES: usize = 20;
const COMMANDS_PER_PROCESS: usize = 150;

/// A writer process: reads a case's version, appends a note expecting it; prints
/// `OK case` per success and `CONFLICT case` per refusal. Any other error panics (and
/// the parent sees the failed exit status).
#[test]
fn multiprocess_child() {
    let Ok(path) = std::env::var("CASEKIT_MP_DB") else { return };
    let me: u64 = std::env::var("CASEKIT_MP_WORKER").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let cases: Vec<CaseId> =
        std::env::var("CASEKIT_MP_CASES").expect("cases").split(',').map(|c| c.parse().expect("case id")).collect();
    let book = Casebook::new(SqliteStore::open(&path).expect("open"));
    let sup = supervisor();
    let mut rng = Lcg(me * 31 + 5);
    let mut out = std::io::stdout().lock();
    for n in 0..COMMANDS_PER_PROCESS {
        let case = *rng.pick(&cases);
        let version = book.get(&sup, case).expect("get").version;
        let note = AddNote { text: format!("worker {me} note {n}"), ..Default::default() };
        match book.execute(&sup, case, note, Some(version)) {
            Ok(done) => {
                assert_eq!(done.version, version + 1);
                writeln!(out, "OK {case}").expect("stdout");
            }
            Err(e) if e.code() == ErrorCode::Conflict => writeln!(out, "CONFLICT {case}").expect("stdout"),
            Err(e) => panic!("worker {me}: a refusal that is not a conflict: {e:?}"),
        }
    }
    out.flush().expect("flush");
}

#[test]
fn processes_sharing_a_file_lose_no_update() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("shared.db");
    let cases: Vec<CaseId> = {
        let book = Casebook::new(SqliteStore::open(&path).expect("open"));
        (0..CASES)
            .map(|i| {
                let open = OpenCase {
                    program: "housing".into(),
                    client: ClientDetails { name: format!("Client {i}"), ..Default::default() },
                    ..Default::default()
                };
                book.open_case(&supervisor(), open).expect("open case").case_id
            })
            .collect()
    };
    let list = cases.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let children: Vec<_> = (0..PROCESSES)
        .map(|w| {
            spawn_child(
                "multiprocess_child",
                &[
                    ("CASEKIT_MP_DB", path.display().to_string()),
                    ("CASEKIT_MP_WORKER", w.to_string()),
                    ("CASEKIT_MP_CASES", list.clone()),
                ],
            )
        })
        .collect();
    let mut successes: BTreeMap<CaseId, u64> = BTreeMap::new();
    let mut conflicts = 0;
    for mut child in children {
        let stdout = child.stdout.take().expect("stdout");
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next()) {
                (Some("OK"), Some(c)) => *successes.entry(c.parse().expect("case")).or_default() += 1,
                (Some("CONFLICT"), Some(_)) => conflicts += 1,
                _ => {}
            }
        }
        let status = child.wait().expect("wait");
        assert!(status.success(), "a writer process failed: {status}");
    }
    let total: u64 = successes.values().sum();
    assert_eq!(total + conflicts, (PROCESSES * COMMANDS_PER_PROCESS) as u64, "every command was reported");
    eprintln!("{total} commands committed, {conflicts} refused with a conflict");
    let store = SqliteStore::open(&path).expect("reopen");
    let book = Casebook::new(store);
    for c in &cases {
        let expected = 1 + successes.get(c).copied().unwrap_or(0);
        assert_eq!(book.store().version(*c).expect("version"), Some(expected), "case {c}");
        assert_eq!(book.store().load(*c, 0).expect("load").len() as u64, expected, "case {c}");
        assert!(book.verify(&supervisor(), *c).expect("verify").valid);
    }
    let log = book.store().read_log(0, usize::MAX).expect("log");
    assert_eq!(log.len() as u64, CASES as u64 + total);
    assert!(log.windows(2).all(|w| w[0].position < w[1].position));
}
