//! CM-22 (`shared/BENCHMARKS.md`, `shared/bench/peers/README.md`) through
//! `casekit::Casebook<SqliteStore>`: per case 22 commands, intake to closure, each its
//! own committed transaction (or, with `--bulk`, imported with `execute_batch`: one
//! call, one transaction, per `--batch` cases, goal ids chosen up front as an import
//! brings its own; `--two-pass` makes it two calls, the second using created ids).
//!
//! usage: cm22_sqlite [--sync normal|full] [--bulk [--two-pass]] [--batch CASES] [--readers K] [--cache-kib K] N PATH|:memory:
//!
//! Prints one JSON line like the peers do. Without N and PATH (as `cargo bench` runs
//! it) it runs a small matrix on `/tmp` and prints a table. Payloads are built inside
//! the timed loop from the case number, with the same data as the peers; only the
//! command loop is timed; the file is checked afterwards (N cases, all closed, at
//! version 22, 22·N events).

use casekit::command::*;
use casekit::model::*;
use casekit::{Actor, BatchCommand, CaseId, Casebook, GoalId, IdGen, MemoryStore, RandomIds, Role, Store};
use casekit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use chrono::NaiveDate;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const PROGRAM: &str = "housing-stability";
const NOTE: &str = "Called the client about the rent arrears; went through the monthly budget, \
collected the missing payslips for the housing application and agreed to meet again at the family home next week.";
const SUMMARY: &str =
    "Housing is stable and the income goals were met; all services ended as planned and no needs remain.";

fn date(s: &str) -> Res<NaiveDate> {
    Ok(NaiveDate::parse_from_str(s, "%Y-%m-%d")?)
}

fn open_command(i: usize, case_id: Option<CaseId>) -> Res<OpenCase> {
    let iu = i as u32;
    Ok(OpenCase {
        program: PROGRAM.into(),
        client: ClientDetails {
            name: format!("Client {i}"),
            date_of_birth: Some(date(&format!("19{:02}-{:02}-{:02}", 50 + i % 50, 1 + i % 12, 1 + i % 28))?),
            gender: Some(["female", "male", "nonbinary"][i % 3].into()),
            address: Some(format!("{} Main Street, Springfield", 1 + i % 999)),
            phone: Some(format!("+1-555-{:04}", i % 10000)),
            language: Some(["en", "es", "fr"][i % 3].into()),
            household_size: Some(1 + iu % 6),
            monthly_income: Some(f64::from(1000 + (iu % 40) * 50)),
            ..Default::default()
        },
        case_id,
        ..Default::default()
    })
}

/// Steps 2–7 (up to the goals, whose ids later steps need).
fn first_steps(i: usize) -> Res<Vec<Command>> {
    let iu = i as u32;
    let mut v: Vec<Command> = Vec::with_capacity(6);
    v.push(
        CompleteIntake {
            eligible: true,
            immediate_needs: ["food", "housing"]
                .iter()
                .map(|c| ImmediateNeedInput { category: (*c).into(), description: String::new() })
                .collect(),
        }
        .into(),
    );
    let answers: Vec<u32> = (0..9).map(|k| (iu + k) % 4).collect();
    v.push(
        RecordAssessment {
            instrument: InstrumentRef { id: "phq-9".into(), version: "1".into() },
            responses: answers.iter().enumerate().map(|(k, a)| (format!("q{}", k + 1), serde_json::json!(a))).collect(),
            scores: [("total".to_owned(), f64::from(answers.iter().sum::<u32>()))].into_iter().collect(),
            bands: Default::default(),
            risk_flags: vec![],
            identified_needs: vec![],
        }
        .into(),
    );
    v.push(CompleteAssessment::default().into());
    for g in 1..=3u32 {
        v.push(
            AddGoal {
                description: format!("Goal {g}: stabilise the household"),
                domain: ["housing", "income", "health"][g as usize - 1].into(),
                measure: Some(Measure {
                    name: "score".into(),
                    unit: None,
                    baseline: None,
                    target: f64::from(10 * g),
                    direction: Direction::Increase,
                }),
                due: Some(date(&format!("2027-0{g}-15"))?),
                ..Default::default()
            }
            .into(),
        );
    }
    Ok(v)
}

/// Steps 8–22, given the three goals' ids.
fn last_steps(goals: &[GoalId; 3]) -> Res<Vec<Command>> {
    let mut v: Vec<Command> = Vec::with_capacity(15);
    for s in 1..=2 {
        v.push(
            AddService {
                name: format!("Service {s}"),
                provider: format!("Provider {s}"),
                start: Some(date(&format!("2026-12-0{s}"))?),
                ..Default::default()
            }
            .into(),
        );
    }
    v.push(ActivatePlan {}.into());
    for n in 1..=8 {
        v.push(AddNote { text: format!("Note {n}. {NOTE}"), ..Default::default() }.into());
    }
    for o in 1..=2u32 {
        v.push(
            RecordOutcome {
                goal_id: goals[o as usize - 1],
                value: f64::from(5 * o),
                measured_on: date(&format!("2027-01-1{o}"))?,
                note: None,
            }
            .into(),
        );
    }
    let status = [GoalStatus::Achieved, GoalStatus::PartiallyAchieved, GoalStatus::NotAchieved];
    v.push(
        EvaluateGoals {
            evaluations: goals.iter().zip(status).map(|(g, s)| GoalEvaluation { goal_id: *g, status: s }).collect(),
        }
        .into(),
    );
    v.push(Close { reason: ClosureReason::GoalsAchieved, summary: SUMMARY.into() }.into());
    Ok(v)
}

fn goal_ids(created: &[Option<uuid::Uuid>]) -> Res<[GoalId; 3]> {
    let ids: Vec<GoalId> = created.iter().rev().take(3).rev().filter_map(|c| c.map(GoalId)).collect();
    <[GoalId; 3]>::try_from(ids).map_err(|_| "goal ids missing".into())
}

/// One case, one committed transaction per command.
fn run_case<S: Store>(book: &Casebook<S>, actor: &Actor, i: usize) -> Res<()> {
    let opened = book.open_case(actor, open_command(i, None)?)?;
    let (case_id, mut version) = (opened.case_id, opened.version);
    let mut created = Vec::with_capacity(6);
    for cmd in first_steps(i)? {
        let done = book.execute(actor, case_id, cmd, Some(version))?;
        version = done.version;
        created.push(done.created_id);
    }
    for cmd in last_steps(&goal_ids(&created)?)? {
        version = book.execute(actor, case_id, cmd, Some(version))?.version;
    }
    Ok(())
}

/// Cases `from..to` imported with one `execute_batch` call, every command of every
/// case in one transaction, as an import from an existing system does it: the goals
/// keep ids chosen up front (the source system's), so later commands refer to them in
/// the same batch. With `two_pass`, two calls instead, the second referring to the
/// goal ids the first created.
fn import_cases<S: Store>(book: &Casebook<S>, actor: &Actor, from: usize, to: usize, two_pass: bool) -> Res<()> {
    let ids: Vec<CaseId> = (from..to).map(|_| CaseId(RandomIds.next_id())).collect();
    let mut first = Vec::with_capacity((to - from) * if two_pass { 7 } else { 22 });
    for (k, i) in (from..to).enumerate() {
        first.push(BatchCommand {
            case_id: None,
            command: open_command(i, Some(ids[k]))?.into(),
            expected_version: Some(0),
        });
        let mut steps = first_steps(i)?;
        if !two_pass {
            let goals = [(); 3].map(|()| GoalId(RandomIds.next_id()));
            let mut chosen = goals.iter();
            for step in &mut steps {
                if let Command::AddGoal(g) = step {
                    g.goal_id = chosen.next().copied();
                }
            }
            steps.extend(last_steps(&goals)?);
        }
        for (s, cmd) in steps.into_iter().enumerate() {
            first.push(BatchCommand { case_id: Some(ids[k]), command: cmd, expected_version: Some(s as u64 + 1) });
        }
    }
    let done = book.execute_batch(actor, &first)?;
    if !two_pass {
        return Ok(());
    }
    let mut second = Vec::with_capacity((to - from) * 15);
    for (k, chunk) in done.chunks(7).enumerate() {
        let created: Vec<Option<uuid::Uuid>> = chunk.iter().map(|c| c.created_id).collect();
        for (s, cmd) in last_steps(&goal_ids(&created)?)?.into_iter().enumerate() {
            second.push(BatchCommand { case_id: Some(ids[k]), command: cmd, expected_version: Some(s as u64 + 7) });
        }
    }
    book.execute_batch(actor, &second)?;
    Ok(())
}

struct Run {
    sync: Synchronous,
    bulk: bool,
    two_pass: bool,
    cache_kib: Option<u32>,
    batch: usize,
    readers: usize,
    cases: usize,
    path: String,
}

fn check(path: &str, store: &SqliteStore, cases: usize) -> Res<()> {
    let _ = store;
    let conn = rusqlite::Connection::open(path)?;
    let (all, closed, at_22, events): (i64, i64, i64, i64) = conn.query_row(
        "SELECT count(*), count(*) FILTER (WHERE phase = 'closed'), count(*) FILTER (WHERE version = 22), \
         (SELECT count(*) FROM events) FROM cases",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let n = cases as i64;
    if (all, closed, at_22, events) != (n, n, n, 22 * n) {
        return Err(
            format!("verification failed: cases={all} closed={closed} version22={at_22} events={events}").into()
        );
    }
    Ok(())
}

/// The wall clock, 400 days ahead: CM-22's dates (outcomes measured in January 2027)
/// are the peers' and must not lie in the future of the case.
struct Ahead;

impl casekit::Clock for Ahead {
    fn now(&self) -> casekit::Timestamp {
        chrono::Utc::now() + chrono::Duration::days(400)
    }
}

fn casebook<S: Store>(store: S) -> Casebook<S> {
    Casebook::with_clock(store, std::sync::Arc::new(Ahead), std::sync::Arc::new(RandomIds))
}

fn run(r: &Run) -> Res<f64> {
    if r.path == "reference" {
        // The engine over core's in-memory reference store: what the engine alone costs.
        let book = casebook(MemoryStore::new());
        let actor = Actor::new("worker-0", [Role::Supervisor], [PROGRAM]);
        let start = Instant::now();
        for i in 0..r.cases {
            run_case(&book, &actor, i)?;
        }
        return Ok(start.elapsed().as_secs_f64());
    }
    let memory = r.path == ":memory:";
    let store = if memory {
        SqliteStore::in_memory()?
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", r.path));
        }
        SqliteStore::open_with(
            &r.path,
            SqliteOptions {
                synchronous: r.sync,
                readers: r.readers,
                cache_size_kib: r.cache_kib.unwrap_or(SqliteOptions::default().cache_size_kib),
                ..Default::default()
            },
        )?
    };
    let book = casebook(store);
    let actors: Vec<Actor> = (0..3).map(|w| Actor::new(format!("worker-{w}"), [Role::Supervisor], [PROGRAM])).collect();
    let start = Instant::now();
    if r.bulk {
        let mut from = 0;
        while from < r.cases {
            let to = (from + r.batch).min(r.cases);
            import_cases(&book, &actors[0], from, to, r.two_pass)?;
            from = to;
        }
    } else {
        for i in 0..r.cases {
            run_case(&book, &actors[i % 3], i)?;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    if !memory {
        check(&r.path, book.store(), r.cases)?;
    }
    Ok(seconds)
}

fn mode_name(r: &Run) -> String {
    let sync = match r.sync {
        Synchronous::Normal => "normal",
        Synchronous::Full => "full",
    };
    match (r.bulk, r.path == ":memory:") {
        (false, true) => "memory".into(),
        (true, true) => "bulk-memory".into(),
        (false, false) => format!("wal-{sync}"),
        (true, false) => format!("bulk-wal-{sync}"),
    }
}

fn main() -> Res<()> {
    let usage = "usage: cm22_sqlite [--sync normal|full] [--bulk [--two-pass]] [--batch CASES] [--readers K] [--cache-kib K] N PATH|:memory:";
    let mut r = Run {
        sync: Synchronous::Normal,
        bulk: false,
        two_pass: false,
        cache_kib: None,
        batch: 100,
        readers: 4,
        cases: 0,
        path: String::new(),
    };
    let mut positional = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sync" => {
                r.sync = match args.next().as_deref() {
                    Some("normal") => Synchronous::Normal,
                    Some("full") => Synchronous::Full,
                    _ => return Err(usage.into()),
                }
            }
            "--bulk" => r.bulk = true,
            "--two-pass" => r.two_pass = true,
            "--batch" => r.batch = args.next().ok_or(usage)?.parse()?,
            "--readers" => r.readers = args.next().ok_or(usage)?.parse()?,
            "--cache-kib" => r.cache_kib = Some(args.next().ok_or(usage)?.parse()?),
            "--bench" => {}
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}; {usage}").into()),
            _ => positional.push(a),
        }
    }
    if positional.is_empty() {
        // `cargo bench`: a small matrix, one run each.
        println!("| mode | cases | commands/s |");
        println!("|---|---:|---:|");
        for (sync, bulk, path) in [
            (Synchronous::Normal, false, "/tmp/casekit-cm22.db"),
            (Synchronous::Full, false, "/tmp/casekit-cm22.db"),
            (Synchronous::Normal, true, "/tmp/casekit-cm22.db"),
            (Synchronous::Normal, false, ":memory:"),
        ] {
            let run_ = Run { sync, bulk, cases: if bulk { 2000 } else { 500 }, path: path.into(), ..r };
            let seconds = run(&run_)?;
            println!("| {} | {} | {:.0} |", mode_name(&run_), run_.cases, (22 * run_.cases) as f64 / seconds);
        }
        return Ok(());
    }
    let [n, path] = <[String; 2]>::try_from(positional).map_err(|_| usage)?;
    r.cases = n.parse()?;
    r.path = path;
    let seconds = run(&r)?;
    let commands = 22 * r.cases;
    println!(
        r#"{{"impl":"casekit-sqlite","mode":"{}","cases":{},"commands":{commands},"seconds":{seconds:.4},"commands_per_sec":{}}}"#,
        mode_name(&r),
        r.cases,
        (commands as f64 / seconds).round() as u64
    );
    if std::env::var_os("CASEKIT_BENCH_KEEP").is_none() && r.path != ":memory:" {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", r.path));
        }
    }
    Ok(())
}
