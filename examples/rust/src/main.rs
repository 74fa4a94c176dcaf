//! casekit quickstart: one realistic case from intake to closure, then its timeline,
//! on the embedded SQLite store (a file; run it twice and the first run's cases are
//! still there).
//!
//! `cargo run --release -p casekit-examples --bin quickstart [PATH]` (default
//! `casekit-demo.db` in the current directory).
//!
//! A housing-stability program. Iris (intake) takes Maria in; Sam (supervisor) assigns
//! Ann (case manager), who assesses, plans, delivers services, measures outcomes,
//! evaluates the goals and closes the case. An auditor then reads the case: the
//! confidential note stays hidden, and the audit chain verifies.

use casekit::command::*;
use casekit::model::*;
use casekit::{
    Actor, BatchCommand, CaseId, CaseQuery, Casebook, Command, ManualClock, Program, RandomIds, Role, Store,
};
use casekit_sqlite::SqliteStore;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::json;
use std::sync::Arc;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn day(s: &str) -> Result<NaiveDate> {
    Ok(NaiveDate::parse_from_str(s, "%Y-%m-%d")?)
}

fn main() -> Result<()> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "casekit-demo.db".to_owned());
    let store = SqliteStore::open(&path)?;
    // The demo moves its own clock forward (weeks pass between visits); a real
    // application uses `Casebook::new`, which reads the wall clock.
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let book = Casebook::with_clock(store, clock.clone(), Arc::new(RandomIds));
    let path = std::fs::canonicalize(&path).map(|p| p.display().to_string()).unwrap_or(path);
    let before = count_cases(&book)?;
    println!("casekit quickstart on the SQLite file {path}");
    println!("cases already in this file: {before}\n");
    run(&book, &clock)?;
    println!("cases in this file now: {} (run again: they stay)", count_cases(&book)?);
    // A backup while the casebook stays open: once the write-ahead log is emptied into
    // it, the file alone holds every commit and can be copied like any file.
    book.checkpoint()?;
    let backup = format!("{path}.backup");
    std::fs::copy(&path, &backup)?;
    let copied = count_cases(&Casebook::new(SqliteStore::open(&backup)?))?;
    println!("backup copied to {backup}: {copied} cases");
    Ok(())
}

fn count_cases<S: Store>(book: &Casebook<S>) -> Result<usize> {
    let admin = Actor::new("admin", [Role::Admin], Vec::<String>::new());
    let mut count = 0;
    let mut after = None;
    loop {
        let page = book.list(&admin, &CaseQuery { after, limit: Some(1000), ..Default::default() })?;
        count += page.items.len();
        match page.next_cursor {
            Some(next) => after = Some(next),
            None => return Ok(count),
        }
    }
}

fn run<S: Store>(book: &Casebook<S>, clock: &ManualClock) -> Result<()> {
    book.register_program(Program {
        required_instruments: vec!["phq-9".into()],
        ..Program::new("housing-stability", "Housing Stability")
    })?;
    let iris = Actor::new("iris", [Role::IntakeWorker], ["housing-stability"]);
    let sam = Actor::new("sam", [Role::Supervisor], ["housing-stability"]);
    let ann = Actor::new("ann", [Role::CaseManager], ["housing-stability"]);
    let auditor = Actor::new("audrey", [Role::Auditor], ["housing-stability"]);

    // Intake.
    let opened = book.open_case(
        &iris,
        OpenCase {
            program: "housing-stability".into(),
            client: ClientDetails {
                name: "Maria Santos".into(),
                date_of_birth: Some(day("1988-04-17")?),
                language: Some("es".into()),
                phone: Some("+1-555-0142".into()),
                household_size: Some(3),
                monthly_income: Some(1450.0),
                ..Default::default()
            },
            priority: Priority::High,
            tags: vec!["eviction-notice".into()],
            ..Default::default()
        },
    )?;
    let case = opened.case_id;
    book.execute(
        &iris,
        case,
        CompleteIntake {
            eligible: true,
            immediate_needs: vec![ImmediateNeedInput {
                category: "food".into(),
                description: "No groceries until next paycheck".into(),
            }],
        },
        None,
    )?;
    book.execute(&sam, case, AssignWorker { worker: "ann".into(), role: AssignmentRole::Primary }, None)?;

    // Assessment.
    clock.advance(Duration::days(2));
    let phq9: Vec<i64> = vec![2, 2, 1, 2, 1, 1, 2, 1, 0];
    book.execute(
        &ann,
        case,
        RecordAssessment {
            instrument: InstrumentRef { id: "phq-9".into(), version: "1".into() },
            responses: phq9.iter().enumerate().map(|(i, v)| (format!("q{}", i + 1), json!(v))).collect(),
            scores: [("total".to_owned(), phq9.iter().sum::<i64>() as f64)].into_iter().collect(),
            bands: [("total".to_owned(), "moderate".to_owned())].into_iter().collect(),
            risk_flags: vec![],
            identified_needs: vec![
                IdentifiedNeedInput {
                    domain: "housing".into(),
                    description: "Two months of rent arrears".into(),
                    severity: Some("high".into()),
                },
                IdentifiedNeedInput {
                    domain: "mental_health".into(),
                    description: "Moderate depressive symptoms".into(),
                    severity: Some("moderate".into()),
                },
            ],
        },
        None,
    )?;
    book.execute(
        &ann,
        case,
        CompleteAssessment { summary: Some("Rent arrears and moderate depression".into()) },
        None,
    )?;

    // Planning.
    let needs = book.get(&ann, case)?.identified_needs;
    let rent_goal = book
        .execute(
            &ann,
            case,
            AddGoal {
                description: "Pay rent in full for three consecutive months".into(),
                domain: "housing".into(),
                need_id: needs.first().map(|n| n.id),
                measure: Some(Measure {
                    name: "months paid in full".into(),
                    unit: Some("months".into()),
                    baseline: Some(0.0),
                    target: 3.0,
                    direction: Direction::Increase,
                }),
                due: Some(clock_now(clock).date_naive() + Duration::days(180)),
                goal_id: None,
            },
            None,
        )?
        .created_id
        .map(casekit::GoalId)
        .ok_or("no goal id")?;
    let mood_goal = book
        .execute(
            &ann,
            case,
            AddGoal {
                description: "Bring the PHQ-9 score below 10".into(),
                domain: "mental_health".into(),
                need_id: needs.get(1).map(|n| n.id),
                measure: Some(Measure {
                    name: "PHQ-9 total".into(),
                    unit: Some("points".into()),
                    baseline: Some(12.0),
                    target: 9.0,
                    direction: Direction::Decrease,
                }),
                due: Some(clock_now(clock).date_naive() + Duration::days(180)),
                goal_id: None,
            },
            None,
        )?
        .created_id
        .map(casekit::GoalId)
        .ok_or("no goal id")?;
    let rent_help = book
        .execute(
            &ann,
            case,
            AddService {
                name: "Emergency rental assistance".into(),
                provider: "City Housing Office".into(),
                goal_id: Some(rent_goal),
                frequency: Some("monthly".into()),
                ..Default::default()
            },
            None,
        )?
        .created_id
        .map(casekit::ServiceId)
        .ok_or("no service id")?;
    book.execute(
        &ann,
        case,
        AddService {
            name: "Counselling".into(),
            provider: "Eastside Community Clinic".into(),
            goal_id: Some(mood_goal),
            frequency: Some("weekly".into()),
            ..Default::default()
        },
        None,
    )?;
    book.execute(&ann, case, ActivatePlan {}, None)?;

    // Implementation and monitoring.
    let call = book
        .execute(
            &ann,
            case,
            AddTask {
                title: "Call the landlord about a payment plan".into(),
                due: Some(clock_now(clock) + Duration::days(3)),
                assignee: Some("ann".into()),
                ..Default::default()
            },
            None,
        )?
        .created_id
        .map(casekit::TaskId)
        .ok_or("no task id")?;
    clock.advance(Duration::days(1));
    book.execute(&ann, case, CompleteTask { task_id: call }, None)?;
    book.execute(
        &ann,
        case,
        AddNote {
            text: "Landlord agreed to a payment plan if February rent is paid on time.".into(),
            kind: NoteKind::Contact,
            confidential: false,
        },
        None,
    )?;
    book.execute(
        &ann,
        case,
        AddNote {
            text: "Maria disclosed past domestic violence; safety plan discussed.".into(),
            kind: NoteKind::Contact,
            confidential: true,
        },
        None,
    )?;
    for paid in [1.0, 2.0, 3.0] {
        clock.advance(Duration::days(30));
        let today = clock_now(clock).date_naive();
        book.execute(
            &ann,
            case,
            RecordServiceDelivery {
                service_id: rent_help,
                delivered_on: today,
                units: Some(650.0),
                note: Some("Rent subsidy paid".into()),
            },
            None,
        )?;
        book.execute(
            &ann,
            case,
            RecordOutcome { goal_id: rent_goal, value: paid, measured_on: today, note: None },
            None,
        )?;
    }
    book.execute(
        &ann,
        case,
        RecordOutcome {
            goal_id: mood_goal,
            value: 7.0,
            measured_on: clock_now(clock).date_naive(),
            note: Some("PHQ-9 re-administered".into()),
        },
        None,
    )?;

    // Evaluation and closure.
    book.execute(
        &ann,
        case,
        EvaluateGoals {
            evaluations: vec![
                GoalEvaluation { goal_id: rent_goal, status: GoalStatus::Achieved },
                GoalEvaluation { goal_id: mood_goal, status: GoalStatus::Achieved },
            ],
        },
        None,
    )?;
    book.execute(
        &ann,
        case,
        Close {
            reason: ClosureReason::GoalsAchieved,
            summary: "Rent current for three months; PHQ-9 down from 12 to 7.".into(),
        },
        None,
    )?;

    // What an auditor sees.
    println!("Timeline of case {case} (as the auditor sees it):");
    for e in book.history(&auditor, case)? {
        let what = if e.redacted {
            format!("{} [confidential, withheld]", e.event.type_name())
        } else {
            e.event.type_name().to_owned()
        };
        println!("  {}  #{:<2} {:<7} {}", e.recorded_at.format("%Y-%m-%d %H:%M"), e.sequence, e.actor, what);
    }
    let view = book.get(&auditor, case)?;
    println!(
        "\nPhase: {}   goals: {}   notes visible to the auditor: {} of {}",
        view.phase,
        view.goals.len(),
        view.notes.len(),
        book.get(&ann, case)?.notes.len()
    );
    if let Some(c) = &view.closure {
        println!("Closed: {} ({})", c.reason.as_str(), c.summary);
    }
    let report = book.verify(&auditor, case)?;
    println!("Audit chain: {} events, valid = {}", report.events_checked, report.valid);
    let closed = book.list(&sam, &CaseQuery { phase: Some(Phase::Closed), ..Default::default() })?;
    println!("Closed cases on this page of the caseload: {}", closed.items.len());
    // A migration runs as an account that may act in every phase: here the supervisor.
    import_legacy_cases(book, &sam)
}

/// Migrating records from an existing system: each old case's history becomes commands
/// of one `execute_batch_summary` call (one transaction, all or nothing, answered with a
/// summary: an import needs no answer per command). The cases get their
/// ids up front (a real migration keeps the map from the old system's references to
/// them), so later commands of the same batch refer to them. Large batches are written
/// while later cases are still being checked; about a hundred cases a call suits the
/// SQLite store.
fn import_legacy_cases<S: Store>(book: &Casebook<S>, actor: &Actor) -> Result<()> {
    let mut items = Vec::new();
    let mut ids = Vec::new();
    for n in 1..=30u32 {
        let case_id = CaseId(casekit::IdGen::next_id(&RandomIds));
        ids.push(case_id);
        let open = OpenCase {
            program: "housing-stability".into(),
            client: ClientDetails {
                name: format!("Client {n}"),
                household_size: Some(1 + n % 4),
                ..Default::default()
            },
            case_id: Some(case_id),
            tags: vec!["migrated".into()],
            ..Default::default()
        };
        let steps: [Command; 2] = [
            CompleteIntake { eligible: true, immediate_needs: vec![] }.into(),
            AddNote { text: format!("Imported from record L-{n:04}"), ..Default::default() }.into(),
        ];
        items.push(BatchCommand { case_id: None, command: open.into(), expected_version: Some(0) });
        for (k, command) in steps.into_iter().enumerate() {
            items.push(BatchCommand { case_id: Some(case_id), command, expected_version: Some(k as u64 + 1) });
        }
    }
    let done = book.execute_batch_summary(actor, &items)?;
    let mut in_assessment = 0;
    for id in ids {
        if book.get(actor, id)?.phase == Phase::Assessment {
            in_assessment += 1;
        }
    }
    println!(
        "\nImported {} legacy cases ({} commands in one transaction, log positions {}-{}); {in_assessment} now in \
         assessment",
        done.cases,
        done.commands,
        done.first_position.unwrap_or(0),
        done.last_position.unwrap_or(0)
    );
    Ok(())
}

fn clock_now(clock: &ManualClock) -> casekit::Timestamp {
    casekit::Clock::now(clock)
}
