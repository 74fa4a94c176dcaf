//! A small deterministic random workload, and the readers and queries to compare two
//! stores with (a store against `MemoryStore`, the reference): shared by every store
//! adapter's differential tests.

use super::{casebook as _casebook, start_time};
use crate::actor::{Actor, Role};
use crate::clock::{ManualClock, Timestamp};
use crate::command::*;
use crate::engine::Casebook;
use crate::ids::CaseId;
use crate::model::*;
use crate::store::{CaseQuery, Store};
use chrono::Duration;
use std::sync::Arc;

/// A tiny deterministic generator (64-bit LCG, high bits), so failures replay.
pub struct Lcg(pub u64);

impl Lcg {
    /// The next value (31 bits).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A seed from the clock, printed so a failing run can be replayed with `CASEKIT_SEED`.
pub fn seed() -> u64 {
    let seed = std::env::var("CASEKIT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7)
    });
    eprintln!("seed: {seed} (set CASEKIT_SEED to replay)");
    seed
}

/// The programs cases open in.
pub const PROGRAMS: [&str; 2] = ["housing", "legal"];
/// Workers cases are assigned to.
pub const WORKERS: [&str; 4] = ["ann", "bo", "cy", "dee"];
/// Tags (one non-ASCII).
pub const TAGS: [&str; 4] = ["veteran", "youth", "urgent-housing", "ção"];
/// Words notes are made of (mixed case and scripts, for the text index).
pub const WORDS: [&str; 12] =
    ["landlord", "rent", "payment", "plan", "Violence", "school", "ÉCOLE", "straße", "İstanbul", "42", "x", "court"];

/// The workload's start time (the kit's [`start_time`]).
pub fn start() -> Timestamp {
    start_time()
}

/// A casebook with a manual clock and sequential ids: two of them fed the same commands
/// write the same events.
pub fn casebook<S: Store>(store: S) -> (Casebook<S>, Arc<ManualClock>) {
    _casebook(store)
}

/// A supervisor of both programs.
pub fn supervisor() -> Actor {
    Actor::new("sam", [Role::Supervisor], PROGRAMS)
}

/// Everyone whose view of the case list the comparisons check.
pub fn readers() -> Vec<Actor> {
    vec![
        supervisor(),
        Actor::new("ann", [Role::CaseManager], ["housing"]),
        Actor::new("bo", [Role::CaseManager], ["housing", "legal"]),
        Actor::new("lee", [Role::Supervisor], ["legal"]),
        Actor::new("aud", [Role::Auditor], ["housing"]),
        Actor::new("root", [Role::Admin], Vec::<String>::new()),
    ]
}

/// Opening a case for `name` in `housing`.
pub fn open(name: &str) -> OpenCase {
    OpenCase {
        program: "housing".into(),
        client: ClientDetails { name: name.into(), ..Default::default() },
        ..Default::default()
    }
}

fn note_text(rng: &mut Lcg) -> String {
    let n = 1 + rng.below(6);
    (0..n).map(|_| *rng.pick(&WORDS)).collect::<Vec<_>>().join(if rng.chance(50) { " " } else { ", " })
}

/// A random note (sometimes confidential): a command every case but a closed one takes.
pub fn random_note(rng: &mut Lcg) -> Command {
    AddNote { text: note_text(rng), confidential: rng.chance(30), ..Default::default() }.into()
}

/// A random command for an existing case (it may well be refused: that is part of it).
pub fn random_command(rng: &mut Lcg, now: Timestamp) -> Command {
    match rng.below(13) {
        0..=2 => AddNote { text: note_text(rng), confidential: rng.chance(30), ..Default::default() }.into(),
        3 => AddTag { tag: rng.pick(&TAGS).to_string() }.into(),
        4 => RemoveTag { tag: rng.pick(&TAGS).to_string() }.into(),
        5 => AssignWorker { worker: rng.pick(&WORKERS).to_string().into(), role: AssignmentRole::Secondary }.into(),
        6 => UnassignWorker { worker: rng.pick(&WORKERS).to_string().into() }.into(),
        7 => SetPriority { priority: *rng.pick(&[Priority::Low, Priority::Normal, Priority::High, Priority::Urgent]) }
            .into(),
        8 => {
            // Due times with nanoseconds too: the store floors them for its index and
            // must still answer exactly.
            let due = now + Duration::hours(rng.below(200) as i64) + Duration::nanoseconds(rng.below(3) as i64 * 400);
            AddTask { title: "call".into(), due: Some(due), ..Default::default() }.into()
        }
        9 => CompleteIntake { eligible: true, immediate_needs: vec![] }.into(),
        10 => {
            if rng.chance(50) {
                PlaceOnHold { reason: "away".into(), until: None }.into()
            } else {
                Resume {}.into()
            }
        }
        11 => Close { reason: ClosureReason::ClientWithdrew, summary: "done".into() }.into(),
        _ => Reopen { reason: "back".into() }.into(),
    }
}

/// A random case opening.
pub fn random_open(rng: &mut Lcg, i: usize) -> OpenCase {
    OpenCase {
        program: rng.pick(&PROGRAMS).to_string().into(),
        client: ClientDetails { name: format!("Client {i}"), ..Default::default() },
        priority: *rng.pick(&[Priority::Low, Priority::Normal, Priority::High]),
        tags: if rng.chance(40) { vec![rng.pick(&TAGS).to_string()] } else { vec![] },
        assign_to: if rng.chance(60) { Some(rng.pick(&WORKERS).to_string().into()) } else { None },
        ..Default::default()
    }
}

/// The queries the comparisons run (each by every reader).
pub fn queries(ids: &[CaseId], rng: &mut Lcg) -> Vec<CaseQuery> {
    let t = |h: i64| start() + Duration::hours(h);
    let mut qs = vec![
        CaseQuery::default(),
        CaseQuery { limit: Some(3), ..Default::default() },
        CaseQuery { phase: Some(Phase::Intake), ..Default::default() },
        CaseQuery { phase: Some(Phase::Closed), ..Default::default() },
        CaseQuery { program: Some("legal".into()), ..Default::default() },
        CaseQuery { assignee: Some("ann".into()), ..Default::default() },
        CaseQuery { assignee: Some("bo".into()), tag: Some("veteran".into()), ..Default::default() },
        CaseQuery { tag: Some("ção".into()), limit: Some(2), ..Default::default() },
        CaseQuery { priority: Some(Priority::High), ..Default::default() },
        CaseQuery { on_hold: Some(true), ..Default::default() },
        CaseQuery { on_hold: Some(false), phase: Some(Phase::Assessment), ..Default::default() },
        CaseQuery { due_before: Some(t(50)), ..Default::default() },
        CaseQuery { due_before: Some(t(120) + Duration::nanoseconds(400)), ..Default::default() },
        CaseQuery { opened_from: Some(t(1)), opened_to: Some(t(3)), ..Default::default() },
        CaseQuery { closed_from: Some(t(0)), closed_to: Some(t(1000)), ..Default::default() },
        CaseQuery { closed_to: Some(t(2)), ..Default::default() },
        CaseQuery { text: Some("landlord".into()), ..Default::default() },
        CaseQuery { text: Some("violence".into()), ..Default::default() },
        CaseQuery { text: Some("RENT payment".into()), ..Default::default() },
        CaseQuery { text: Some("rent rent".into()), ..Default::default() },
        CaseQuery { text: Some("école straße".into()), ..Default::default() },
        CaseQuery { text: Some("i̇stanbul".into()), ..Default::default() },
        CaseQuery { text: Some("\"plan\" OR * NEAR(x) court:".into()), ..Default::default() },
        CaseQuery { text: Some("plan & !court | rent:*".into()), ..Default::default() },
        CaseQuery { text: Some("42".into()), program: Some("housing".into()), limit: Some(4), ..Default::default() },
        CaseQuery { text: Some("nothing-like-this".into()), ..Default::default() },
        // Small pages of a note search: many pages, each a round of the index.
        CaseQuery { text: Some("rent".into()), limit: Some(1), ..Default::default() },
        CaseQuery { text: Some("landlord".into()), limit: Some(2), ..Default::default() },
        CaseQuery { text: Some("court".into()), phase: Some(Phase::Intake), limit: Some(2), ..Default::default() },
        CaseQuery { text: Some("school plan".into()), limit: Some(3), ..Default::default() },
    ];
    for _ in 0..6 {
        let after = ids.get(rng.below(ids.len() as u64) as usize).copied();
        qs.push(CaseQuery { after, limit: Some(1 + rng.below(5) as u32), ..Default::default() });
        qs.push(CaseQuery { after, text: Some(rng.pick(&WORDS).to_string()), ..Default::default() });
    }
    qs
}

/// Every page of a query, following the cursor.
pub fn all_pages<S: Store>(
    book: &Casebook<S>,
    actor: &Actor,
    q: &CaseQuery,
) -> Result<Vec<Vec<crate::store::CaseSummary>>, crate::Error> {
    let mut pages = Vec::new();
    let mut q = q.clone();
    loop {
        let page = book.list(actor, &q)?;
        pages.push(page.items);
        match page.next_cursor {
            Some(c) if pages.len() < 1000 => q.after = Some(c),
            _ => return Ok(pages),
        }
    }
}
