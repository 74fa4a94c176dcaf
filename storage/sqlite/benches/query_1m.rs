//! Case-list queries on a 1,000,000-case file: p50 and p99 latency of each indexed
//! filter, a page of 50, through `Casebook::list` as a supervisor of all ten programs
//! (so every query also carries the program scope).
//!
//! usage: query_1m [CASES]   (default 1,000,000; `CASEKIT_QUERY_DB` sets the file,
//! default `/tmp/casekit-query-<CASES>.db`; `CASEKIT_CACHE_KIB` the page cache;
//! `CASEKIT_RANGE_WALK_BUDGET` the store's `range_walk_budget`)
//!
//! The file is built once through the bulk path (`Casebook::execute_batch`, 2,000 cases
//! a transaction) and kept, so later runs only query. Cases: ten programs, 500 workers,
//! 20 tags, four priorities; 45% closed, 20% in assessment, the rest in intake; a third
//! of the open ones have a task due within two months; one note each from a vocabulary
//! of 5,000 words; opened over about three years.

use casekit::command::*;
use casekit::model::*;
use casekit::{Actor, BatchCommand, CaseId, CaseQuery, Casebook, IdGen, ManualClock, RandomIds, Role};
use casekit_sqlite::SqliteStore;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use std::time::Instant;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const PROGRAMS: usize = 10;
const WORKERS: usize = 500;
const TAGS: usize = 20;
const VOCABULARY: usize = 5000;
const BATCH: usize = 2000;
const RUNS: usize = 300;

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn start() -> casekit::Timestamp {
    DateTime::<Utc>::from_timestamp(1_704_067_200, 0).unwrap_or_default() // 2024-01-01
}

/// Seconds between two openings: about three years for the million.
const SPACING_S: i64 = 95;

fn program(k: usize) -> String {
    format!("program-{k}")
}

fn supervisor() -> Actor {
    Actor::new("sam", [Role::Supervisor], (0..PROGRAMS).map(program))
}

fn word(k: u64) -> String {
    format!("w{k}")
}

fn case_commands(i: usize, rng: &mut Lcg) -> Vec<BatchCommand> {
    let id = CaseId(RandomIds.next_id());
    let at = |command: Command| BatchCommand { case_id: Some(id), command, expected_version: None };
    let mut tags: Vec<String> = (0..rng.below(3)).map(|_| format!("tag-{}", rng.below(TAGS as u64))).collect();
    tags.sort();
    tags.dedup();
    let open = OpenCase {
        program: program(i % PROGRAMS).into(),
        case_id: Some(id),
        client: ClientDetails { name: format!("Client {i}"), ..Default::default() },
        priority: [Priority::Low, Priority::Normal, Priority::Normal, Priority::High, Priority::Urgent]
            [rng.below(5) as usize],
        tags,
        assign_to: Some(format!("worker-{}", rng.below(WORKERS as u64)).into()),
        ..Default::default()
    };
    let mut v = vec![at(open.into())];
    let text: Vec<String> = (0..12).map(|_| word(rng.below(VOCABULARY as u64))).collect();
    v.push(at(AddNote { text: text.join(" "), ..Default::default() }.into()));
    match rng.below(100) {
        0..=44 => v.push(at(Close { reason: ClosureReason::ClientWithdrew, summary: "withdrew".into() }.into())),
        45..=64 => v.push(at(CompleteIntake { eligible: true, immediate_needs: vec![] }.into())),
        _ => {}
    }
    v
}

fn build(path: &str, cases: usize) -> Res<()> {
    let tmp = format!("{path}.building");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{tmp}{suffix}"));
    }
    let clock = Arc::new(ManualClock::new(start()));
    let book = Casebook::with_clock(SqliteStore::open(&tmp)?, clock.clone(), Arc::new(RandomIds));
    let sup = supervisor();
    let mut rng = Lcg(42);
    let began = Instant::now();
    let mut events = 0usize;
    let mut i = 0;
    while i < cases {
        let mut items = Vec::with_capacity(BATCH * 3);
        let mut tasks = Vec::new();
        for _ in 0..BATCH.min(cases - i) {
            let cmds = case_commands(i, &mut rng);
            let closed = cmds.iter().any(|c| matches!(c.command, Command::Close(_)));
            if !closed && rng.below(3) == 0 {
                tasks.push((cmds[0].case_id, rng.below(60 * 24)));
            }
            items.extend(cmds);
            i += 1;
        }
        // One batch, one clock reading: the batch's cases open at the same moment.
        events += book.execute_batch(&sup, &items)?.iter().map(|c| c.events.len()).sum::<usize>();
        let now = casekit::Clock::now(&*clock);
        let tasks: Vec<BatchCommand> = tasks
            .into_iter()
            .map(|(case_id, hours)| BatchCommand {
                case_id,
                command: AddTask {
                    title: "follow up".into(),
                    due: Some(now + Duration::hours(hours as i64)),
                    ..Default::default()
                }
                .into(),
                expected_version: None,
            })
            .collect();
        events += book.execute_batch(&sup, &tasks)?.len();
        clock.advance(Duration::seconds(SPACING_S * BATCH as i64));
        if i % 100_000 < BATCH {
            eprintln!("  {i} cases, {events} events, {:.0} s", began.elapsed().as_secs_f64());
        }
    }
    let seconds = began.elapsed().as_secs_f64();
    book.store().optimize()?;
    book.store().checkpoint()?;
    drop(book);
    std::fs::rename(&tmp, path)?;
    let _ = std::fs::remove_file(format!("{tmp}-wal"));
    let _ = std::fs::remove_file(format!("{tmp}-shm"));
    println!(
        "built {cases} cases ({events} events) with execute_batch in {seconds:.1} s: {:.0} events/s",
        events as f64 / seconds
    );
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() -> Res<()> {
    let cases: usize =
        std::env::args().skip(1).find(|a| !a.starts_with("--")).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let path = std::env::var("CASEKIT_QUERY_DB").unwrap_or_else(|_| format!("/tmp/casekit-query-{cases}.db"));
    if !std::path::Path::new(&path).exists() {
        eprintln!("building {path} ({cases} cases), once");
        build(&path, cases)?;
    }
    // CASEKIT_CACHE_KIB sets the page cache per connection (a server with a large file
    // raises it); the store's default otherwise.
    let mut options = casekit_sqlite::SqliteOptions::default();
    if let Some(kib) = std::env::var("CASEKIT_CACHE_KIB").ok().and_then(|v| v.parse().ok()) {
        options.cache_size_kib = kib;
    }
    // CASEKIT_RANGE_WALK_BUDGET: how long a time range with a worker or client walks
    // their cases before it takes the time buckets.
    if let Some(budget) = std::env::var("CASEKIT_RANGE_WALK_BUDGET").ok().and_then(|v| v.parse().ok()) {
        options.range_walk_budget = budget;
    }
    let book = Casebook::new(SqliteStore::open_with(&path, options)?);
    let sup = supervisor();
    // A sample of cases for cursors and clients: the cases of random log positions.
    let conn = rusqlite::Connection::open(&path)?;
    let last: i64 = conn.query_row("SELECT max(position) FROM events", [], |r| r.get(0))?;
    let mut sample: Vec<(CaseId, casekit::ClientId)> = Vec::new();
    let mut pick = Lcg(3);
    for _ in 0..2000 {
        let position = 1 + pick.below(last.max(1) as u64) as i64;
        let json: Option<String> = conn
            .query_row(
                "SELECT c.summary FROM events e JOIN cases c ON c.case_id = e.case_id WHERE e.position = ?1",
                [position],
                |r| r.get(0),
            )
            .ok();
        if let Some(json) = json {
            let s: casekit::CaseSummary = serde_json::from_str(&json)?;
            sample.push((s.case_id, s.client_id));
        }
    }
    if sample.is_empty() {
        return Err("empty file".into());
    }
    let span = Duration::seconds(SPACING_S * cases as i64);
    let mut rng = Lcg(7);
    type Make = Box<dyn Fn(&mut Lcg) -> CaseQuery>;
    let pick_time =
        move |rng: &mut Lcg| start() + Duration::seconds(rng.below(span.num_seconds().max(1) as u64) as i64);
    let filters: Vec<(&str, Make)> = vec![
        ("none (all cases)", Box::new(|_| CaseQuery::default())),
        (
            "phase",
            Box::new(|r| CaseQuery {
                phase: Some([Phase::Intake, Phase::Assessment, Phase::Closed][r.below(3) as usize]),
                ..Default::default()
            }),
        ),
        (
            "program",
            Box::new(|r| CaseQuery {
                program: Some(program(r.below(PROGRAMS as u64) as usize).into()),
                ..Default::default()
            }),
        ),
        (
            "assignee",
            Box::new(|r| CaseQuery {
                assignee: Some(format!("worker-{}", r.below(WORKERS as u64)).into()),
                ..Default::default()
            }),
        ),
        (
            "client",
            Box::new({
                let sample = sample.clone();
                move |r| CaseQuery {
                    client_id: Some(sample[r.below(sample.len() as u64) as usize].1),
                    ..Default::default()
                }
            }),
        ),
        (
            "priority",
            Box::new(|r| CaseQuery {
                priority: Some(
                    [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent][r.below(4) as usize],
                ),
                ..Default::default()
            }),
        ),
        ("tag", Box::new(|r| CaseQuery { tag: Some(format!("tag-{}", r.below(TAGS as u64))), ..Default::default() })),
        (
            "due/overdue at a time",
            Box::new(move |r| CaseQuery { due_before: Some(pick_time(r)), ..Default::default() }),
        ),
        (
            "opened between (30 days)",
            Box::new(move |r| {
                let t = pick_time(r);
                CaseQuery { opened_from: Some(t), opened_to: Some(t + Duration::days(30)), ..Default::default() }
            }),
        ),
        (
            "closed between (30 days)",
            Box::new(move |r| {
                let t = pick_time(r);
                CaseQuery { closed_from: Some(t), closed_to: Some(t + Duration::days(30)), ..Default::default() }
            }),
        ),
        (
            "phase + program",
            Box::new(|r| CaseQuery {
                phase: Some(Phase::Assessment),
                program: Some(program(r.below(PROGRAMS as u64) as usize).into()),
                ..Default::default()
            }),
        ),
        (
            "assignee + phase",
            Box::new(|r| CaseQuery {
                assignee: Some(format!("worker-{}", r.below(WORKERS as u64)).into()),
                phase: Some(Phase::Intake),
                ..Default::default()
            }),
        ),
        (
            "opened (30 days) + phase",
            Box::new(move |r| {
                let t = pick_time(r);
                CaseQuery {
                    opened_from: Some(t),
                    opened_to: Some(t + Duration::days(30)),
                    phase: Some([Phase::Intake, Phase::Assessment, Phase::Closed][r.below(3) as usize]),
                    ..Default::default()
                }
            }),
        ),
        (
            "due/overdue + assignee",
            Box::new(move |r| CaseQuery {
                due_before: Some(pick_time(r)),
                assignee: Some(format!("worker-{}", r.below(WORKERS as u64)).into()),
                ..Default::default()
            }),
        ),
        (
            "text (one word)",
            Box::new(|r| CaseQuery { text: Some(word(r.below(VOCABULARY as u64))), ..Default::default() }),
        ),
        (
            "text (two words)",
            Box::new(|r| CaseQuery {
                text: Some(format!("{} {}", word(r.below(VOCABULARY as u64)), word(r.below(VOCABULARY as u64)))),
                ..Default::default()
            }),
        ),
    ];
    println!(
        "{cases} cases in {path}; {RUNS} queries per filter (half from a random cursor), page of 50, supervisor of \
         {PROGRAMS} programs; page cache {} KiB per connection",
        options.cache_size_kib
    );
    println!("| filter | p50 ms | p99 ms | max ms | rows/page |");
    println!("|---|---:|---:|---:|---:|");
    for (name, make) in &filters {
        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0usize;
        for k in 0..RUNS + 20 {
            let mut q = make(&mut rng);
            q.limit = Some(50);
            if k % 2 == 1 {
                q.after = Some(sample[rng.below(sample.len() as u64) as usize].0);
            }
            let t = Instant::now();
            let page = book.list(&sup, &q)?;
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if k >= 20 {
                // the first 20 warm the cache and the statement
                times.push(ms);
                rows += page.items.len();
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.1} |",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(0.0),
            rows as f64 / RUNS as f64
        );
    }
    Ok(())
}
