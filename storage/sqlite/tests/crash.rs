//! Crash safety: a child process executes commands and reports each one it sees
//! acknowledged; the test kills it with SIGKILL at random moments, over and over, and
//! reopens the file every time. Every acknowledged command must be there, no command
//! may be there in part, and every case's hash chain must verify.
//!
//! A command is marked by a unique word in a note. Some commands are batches that put
//! the same marker on two cases, or open a case and note on it, so a half-applied
//! command would show the marker on fewer cases than it named.

mod common;

use casekit::command::{AddNote, OpenCase};
use casekit::model::ClientDetails;
use casekit::{BatchCommand, CaseId, CaseQuery, Casebook, IdGen, RandomIds, Store};
use casekit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

const ROUNDS: usize = 60;

fn note(marker: &str) -> casekit::Command {
    AddNote { text: format!("checked in, marker {marker}"), ..Default::default() }.into()
}

/// The child: runs commands until killed, printing `TRY marker case...` before and
/// `ACK marker` after each acknowledged one.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var("CASEKIT_CRASH_DB") else { return };
    let round: u64 = std::env::var("CASEKIT_CRASH_ROUND").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let sync = if round % 2 == 0 { Synchronous::Normal } else { Synchronous::Full };
    let store = SqliteStore::open_with(&path, SqliteOptions { synchronous: sync, ..Default::default() }).expect("open");
    let book = Casebook::new(store);
    let sup = supervisor();
    let mut ids: Vec<CaseId> =
        all_pages(&book, &sup, &CaseQuery::default()).expect("list").into_iter().flatten().map(|s| s.case_id).collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "READY").expect("stdout");
    out.flush().expect("flush");
    let mut rng = Lcg(round.wrapping_mul(7919).wrapping_add(1));
    for n in 0.. {
        let marker = format!("mk{round}x{n}");
        let (cases, items): (Vec<CaseId>, Vec<BatchCommand>) = if ids.len() < 12 || rng.chance(10) {
            let id = CaseId(RandomIds.next_id());
            let open = OpenCase {
                program: "housing".into(),
                case_id: Some(id),
                client: ClientDetails { name: format!("Client {marker}"), ..Default::default() },
                ..Default::default()
            };
            let items = vec![
                BatchCommand { case_id: None, command: open.into(), expected_version: Some(0) },
                BatchCommand { case_id: Some(id), command: note(&marker), expected_version: Some(1) },
            ];
            ids.push(id);
            (vec![id], items)
        } else if rng.chance(40) {
            let a = *rng.pick(&ids);
            let b = *rng.pick(&ids);
            if a == b {
                continue;
            }
            let items = [a, b]
                .iter()
                .map(|c| BatchCommand { case_id: Some(*c), command: note(&marker), expected_version: None })
                .collect();
            (vec![a, b], items)
        } else {
            let a = *rng.pick(&ids);
            (vec![a], vec![BatchCommand { case_id: Some(a), command: note(&marker), expected_version: None }])
        };
        let named: Vec<String> = cases.iter().map(ToString::to_string).collect();
        writeln!(out, "TRY {marker} {}", named.join(" ")).expect("stdout");
        out.flush().expect("flush");
        let done = if items.len() == 1 {
            let item = &items[0];
            book.execute_command(&sup, item.case_id, item.command.clone(), None).map(|_| ())
        } else {
            book.execute_batch(&sup, &items).map(|_| ())
        };
        done.expect("command");
        writeln!(out, "ACK {marker}").expect("stdout");
        out.flush().expect("flush");
    }
}

struct Tried {
    cases: BTreeSet<CaseId>,
    acked: bool,
}

/// Checks the file after a kill: markers acknowledged are on exactly their cases;
/// markers in flight are on all of their cases or none; every chain verifies.
fn check(path: &std::path::Path, tried: &BTreeMap<String, Tried>, only: &BTreeSet<String>) {
    let book = Casebook::new(SqliteStore::open(path).expect("reopen after the kill"));
    let sup = supervisor();
    for (marker, t) in tried.iter().filter(|(m, _)| only.is_empty() || only.contains(*m)) {
        let found: BTreeSet<CaseId> =
            all_pages(&book, &sup, &CaseQuery { text: Some(marker.clone()), ..Default::default() })
                .expect("search")
                .into_iter()
                .flatten()
                .map(|s| s.case_id)
                .collect();
        if t.acked {
            assert_eq!(found, t.cases, "acknowledged command {marker} is not (wholly) there");
        } else {
            assert!(
                found.is_empty() || found == t.cases,
                "command {marker} is there in part: {found:?} of {:?}",
                t.cases
            );
        }
    }
    let all: Vec<_> = all_pages(&book, &sup, &CaseQuery::default()).expect("list").into_iter().flatten().collect();
    for s in &all {
        let events = book.store().load(s.case_id, 0).expect("load");
        assert_eq!(events.len() as u64, s.version, "case {} summary and events disagree", s.case_id);
        let report = book.verify(&sup, s.case_id).expect("verify");
        assert!(report.valid, "{report:?}");
    }
}

#[test]
fn acknowledged_commands_survive_sigkill() {
    let seed = seed();
    let mut rng = Lcg(seed);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("crash.db");
    let started = Instant::now();
    let mut tried: BTreeMap<String, Tried> = BTreeMap::new();
    let mut kills_mid_command = 0;
    for round in 0..ROUNDS {
        let mut child = spawn_child(
            "crash_child",
            &[("CASEKIT_CRASH_DB", path.display().to_string()), ("CASEKIT_CRASH_ROUND", round.to_string())],
        );
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Some kills land while the child opens the file; most once it is writing.
        if rng.chance(15) {
            std::thread::sleep(Duration::from_micros(rng.below(4000)));
        } else {
            let deadline = Instant::now() + Duration::from_secs(20);
            let mut ready = false;
            while !ready && Instant::now() < deadline {
                if let Ok(line) = rx.recv_timeout(Duration::from_millis(50)) {
                    ready = line == "READY";
                    if !ready {
                        continue;
                    }
                }
            }
            std::thread::sleep(Duration::from_micros(1000 + rng.below(40_000)));
        }
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        reader.join().expect("reader");
        assert!(!status.success(), "the child was killed, it cannot have passed");
        let mut this_round = BTreeSet::new();
        let mut last_try = None;
        for line in rx.try_iter() {
            let mut parts = line.split_whitespace();
            match parts.next() {
                Some("TRY") => {
                    let marker = parts.next().expect("marker").to_owned();
                    let cases = parts.map(|c| c.parse().expect("case id")).collect();
                    tried.insert(marker.clone(), Tried { cases, acked: false });
                    this_round.insert(marker.clone());
                    last_try = Some(marker);
                }
                Some("ACK") => {
                    let marker = parts.next().expect("marker");
                    tried.get_mut(marker).expect("acked marker was tried").acked = true;
                    last_try = None;
                }
                _ => {}
            }
        }
        if last_try.is_some() {
            kills_mid_command += 1;
        }
        if this_round.is_empty() {
            // Nothing ran: the file must still open and verify.
            check(&path, &tried, &["none".to_owned()].into_iter().collect());
        } else {
            check(&path, &tried, &this_round);
        }
    }
    check(&path, &tried, &BTreeSet::new());
    let acked = tried.values().filter(|t| t.acked).count();
    eprintln!(
        "{ROUNDS} kills, {acked} acknowledged commands of {} tried, {kills_mid_command} kills between TRY and ACK, {:.1} s",
        tried.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(acked > ROUNDS, "too few commands ran to mean anything ({acked})");
}
