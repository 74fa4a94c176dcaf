//! `decide`: validates a command against the current state, the lifecycle and the
//! actor's permissions, and returns the events it produces. Pure: never mutates,
//! never reads a clock (the time and ids come from the `Context`).

use crate::actor::Actor;
use crate::auth::authorize;
use crate::clock::{IdGen, Timestamp};
use crate::command::*;
use crate::error::Error;
use crate::event::{Event, IdentifiedNeedRecord, ImmediateNeedRecord};
use crate::ids::*;
use crate::lifecycle;
use crate::model::*;
use crate::program::ProgramCatalog;
use crate::state::CaseState;
use std::collections::BTreeSet;

/// What `decide` may know besides the state and the command.
pub struct Context<'a> {
    /// Who is acting.
    pub actor: &'a Actor,
    /// The time of the command.
    pub now: Timestamp,
    /// Where new ids come from.
    pub ids: &'a dyn IdGen,
    /// The programs' rules.
    pub programs: &'a ProgramCatalog,
}

const SHORT: usize = 200;
const LONG: usize = 10_000;
const NOTE: usize = 100_000;

/// Validates `command` for the case in `state` (`None`: the case does not exist yet)
/// and returns the events it produces. Every rejection changes nothing.
pub fn decide(state: Option<&CaseState>, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
    authorize(ctx.actor, state, command)?;
    lifecycle::check(command.kind(), state.map(|s| s.phase), state.is_some_and(CaseState::on_hold))?;
    match (state, command) {
        (None, Command::OpenCase(c)) => open_case(c, ctx),
        (Some(s), c) => on_case(s, c, ctx),
        // `check` refuses every other command on a missing case.
        (None, c) => Err(Error::InvalidTransition {
            command: c.kind(),
            phase: None,
            on_hold: false,
            state: "before the case is opened".into(),
        }),
    }
}

fn open_case(c: &OpenCase, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
    short("program", c.program.as_str())?;
    known_program(ctx, "program", &c.program)?;
    client_details("client", &c.client, ctx.now)?;
    let tags = tags("tags", &c.tags)?;
    if let Some(w) = &c.assign_to {
        short("assign_to", w.as_str())?;
    }
    ctx.programs.validate_custom_fields(&c.program, &c.custom_fields, true)?;
    Ok(vec![Event::CaseOpened {
        case_id: c.case_id.unwrap_or_else(|| CaseId(ctx.ids.next_id())),
        program: c.program.clone(),
        client_id: c.client_id.unwrap_or_else(|| ClientId(ctx.ids.next_id())),
        client: c.client.clone(),
        priority: c.priority,
        tags,
        assigned_to: c.assign_to.clone(),
        custom_fields: c.custom_fields.clone(),
    }])
}

fn on_case(s: &CaseState, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, Error> {
    let kind = command.kind();
    let refuse = |why: &str| Error::InvalidTransition {
        command: kind,
        phase: Some(s.phase),
        on_hold: s.on_hold(),
        state: why.to_owned(),
    };
    let event = match command {
        Command::OpenCase(_) => return Err(refuse("on an existing case")),
        Command::CompleteIntake(c) => {
            if !c.eligible {
                return Err(Error::validation(
                    "eligible",
                    "intake completes only for an eligible client; close an ineligible client's case with reason ineligible",
                ));
            }
            let mut needs = Vec::with_capacity(c.immediate_needs.len());
            for (i, n) in c.immediate_needs.iter().enumerate() {
                short(format_args!("immediate_needs[{i}].category"), &n.category)?;
                optional_text(format_args!("immediate_needs[{i}].description"), &n.description, LONG)?;
                needs.push(ImmediateNeedRecord {
                    id: ImmediateNeedId(ctx.ids.next_id()),
                    category: n.category.clone(),
                    description: n.description.clone(),
                });
            }
            Event::IntakeCompleted { immediate_needs: needs }
        }
        Command::RecordAssessment(c) => {
            short("instrument.id", &c.instrument.id)?;
            short("instrument.version", &c.instrument.version)?;
            if c.responses.is_empty() {
                return Err(Error::validation("responses", "an assessment needs at least one response"));
            }
            for key in c.responses.keys() {
                short("responses", key)?;
            }
            for (k, v) in &c.scores {
                short("scores", k)?;
                finite(format_args!("scores.{k}"), *v)?;
            }
            for (k, v) in &c.bands {
                short("bands", k)?;
                short(format_args!("bands.{k}"), v)?;
            }
            for (i, f) in c.risk_flags.iter().enumerate() {
                short(format_args!("risk_flags[{i}]"), f)?;
            }
            let mut needs = Vec::with_capacity(c.identified_needs.len());
            for (i, n) in c.identified_needs.iter().enumerate() {
                short(format_args!("identified_needs[{i}].domain"), &n.domain)?;
                optional_text(format_args!("identified_needs[{i}].description"), &n.description, LONG)?;
                if let Some(sev) = &n.severity {
                    short(format_args!("identified_needs[{i}].severity"), sev)?;
                }
                needs.push(IdentifiedNeedRecord {
                    id: NeedId(ctx.ids.next_id()),
                    domain: n.domain.clone(),
                    description: n.description.clone(),
                    severity: n.severity.clone(),
                });
            }
            Event::AssessmentRecorded {
                assessment_id: AssessmentId(ctx.ids.next_id()),
                instrument: c.instrument.clone(),
                responses: c.responses.clone(),
                scores: c.scores.clone(),
                bands: c.bands.clone(),
                risk_flags: c.risk_flags.clone(),
                cycle: s.assessment_cycle,
                identified_needs: needs,
            }
        }
        Command::CompleteAssessment(c) => {
            if let Some(summary) = &c.summary {
                text("summary", summary, LONG)?;
            }
            let this_cycle: Vec<&Assessment> = s.assessments.iter().filter(|a| a.cycle == s.assessment_cycle).collect();
            if this_cycle.is_empty() {
                return Err(refuse("before an assessment is recorded in this assessment cycle"));
            }
            if let Some(program) = ctx.programs.get(&s.program) {
                for required in &program.required_instruments {
                    if !this_cycle.iter().any(|a| &a.instrument.id == required) {
                        return Err(refuse(&format!(
                            "before instrument {required}, which program {} requires, is recorded",
                            s.program
                        )));
                    }
                }
            }
            Event::AssessmentCompleted { cycle: s.assessment_cycle, summary: c.summary.clone() }
        }
        Command::ActivatePlan(_) => {
            if !s.goals.iter().any(|g| g.status != GoalStatus::Cancelled) {
                return Err(refuse("before the plan has a goal"));
            }
            Event::PlanActivated {}
        }
        Command::StartReassessment(c) => {
            text("reason", &c.reason, LONG)?;
            Event::ReassessmentStarted { reason: c.reason.clone(), cycle: s.assessment_cycle.saturating_add(1) }
        }
        Command::Close(c) => return close(s, c, ctx, refuse),
        Command::Reopen(c) => {
            text("reason", &c.reason, LONG)?;
            Event::CaseReopened { reason: c.reason.clone(), cycle: s.assessment_cycle.saturating_add(1) }
        }
        Command::UpdateClient(c) => {
            client_update("changes", &c.changes, ctx.now)?;
            Event::ClientUpdated { changes: c.changes.clone() }
        }
        Command::AssignWorker(c) => {
            short("worker", c.worker.as_str())?;
            if s.assignments.iter().any(|a| a.worker == c.worker && a.role == c.role) {
                return Err(Error::validation(
                    "worker",
                    format!("{} is already assigned as {}", c.worker, role_name(c.role)),
                ));
            }
            Event::WorkerAssigned { worker: c.worker.clone(), role: c.role }
        }
        Command::UnassignWorker(c) => {
            if !s.is_assigned(&c.worker) {
                return Err(Error::not_found("assignment", &c.worker));
            }
            Event::WorkerUnassigned { worker: c.worker.clone() }
        }
        Command::AddNote(c) => {
            text("text", &c.text, NOTE)?;
            Event::NoteAdded {
                note_id: NoteId(ctx.ids.next_id()),
                kind: c.kind,
                text: c.text.clone(),
                confidential: c.confidential,
            }
        }
        Command::AttachDocument(c) => {
            short("name", &c.name)?;
            short("media_type", &c.media_type)?;
            if !c.media_type.contains('/') {
                return Err(Error::validation("media_type", "expected a MIME type such as application/pdf"));
            }
            if c.sha256.len() != 64 || !c.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err(Error::validation("sha256", "expected 64 lowercase hex digits"));
            }
            if let Some(cat) = &c.category {
                short("category", cat)?;
            }
            Event::DocumentAttached {
                document_id: DocumentId(ctx.ids.next_id()),
                name: c.name.clone(),
                media_type: c.media_type.clone(),
                sha256: c.sha256.clone(),
                size_bytes: c.size_bytes,
                category: c.category.clone(),
            }
        }
        Command::ReferOut(c) => {
            short("organization", &c.organization)?;
            if let Some(service) = &c.service {
                short("service", service)?;
            }
            text("reason", &c.reason, LONG)?;
            Event::ReferralMade {
                referral_id: ReferralId(ctx.ids.next_id()),
                organization: c.organization.clone(),
                service: c.service.clone(),
                reason: c.reason.clone(),
            }
        }
        Command::UpdateReferral(c) => {
            let r = s
                .referrals
                .iter()
                .find(|r| r.id == c.referral_id && r.kind == ReferralKind::External)
                .ok_or_else(|| Error::not_found("referral", c.referral_id))?;
            if r.status == c.status {
                return Err(Error::validation("status", "the referral already has this status"));
            }
            Event::ReferralUpdated { referral_id: c.referral_id, status: c.status }
        }
        Command::Transfer(c) => {
            text("reason", &c.reason, LONG)?;
            if c.to_program.is_none() && c.to_worker.is_none() {
                return Err(Error::validation("to_program", "a transfer needs a program, a worker, or both"));
            }
            if let Some(p) = &c.to_program {
                short("to_program", p.as_str())?;
                known_program(ctx, "to_program", p)?;
                if p == &s.program {
                    return Err(Error::validation("to_program", format!("the case is already in program {p}")));
                }
            }
            if let Some(w) = &c.to_worker {
                short("to_worker", w.as_str())?;
            }
            Event::CaseTransferred {
                referral_id: ReferralId(ctx.ids.next_id()),
                from_program: s.program.clone(),
                to_program: c.to_program.clone(),
                to_worker: c.to_worker.clone(),
                reason: c.reason.clone(),
            }
        }
        Command::AddTask(c) => {
            text("title", &c.title, SHORT)?;
            if let Some(a) = &c.assignee {
                short("assignee", a.as_str())?;
            }
            if let Some(id) = c.task_id {
                if s.task(id).is_some() {
                    return Err(Error::validation("task_id", format!("task {id} already exists")));
                }
            }
            Event::TaskAdded {
                task_id: c.task_id.unwrap_or_else(|| TaskId(ctx.ids.next_id())),
                title: c.title.clone(),
                due: c.due,
                assignee: c.assignee.clone(),
            }
        }
        Command::CompleteTask(c) => {
            open_task(s, c.task_id)?;
            Event::TaskCompleted { task_id: c.task_id }
        }
        Command::CancelTask(c) => {
            open_task(s, c.task_id)?;
            text("reason", &c.reason, LONG)?;
            Event::TaskCancelled { task_id: c.task_id, reason: c.reason.clone() }
        }
        Command::ReassignTask(c) => {
            let t = open_task(s, c.task_id)?;
            short("assignee", c.assignee.as_str())?;
            if t.assignee.as_ref() == Some(&c.assignee) {
                return Err(Error::validation("assignee", format!("the task is already assigned to {}", c.assignee)));
            }
            Event::TaskReassigned { task_id: c.task_id, assignee: c.assignee.clone() }
        }
        Command::SetTaskDue(c) => {
            let t = open_task(s, c.task_id)?;
            if t.due == c.due {
                return Err(Error::validation("due", "the task already has this due time"));
            }
            Event::TaskDueChanged { task_id: c.task_id, due: c.due }
        }
        Command::SetPriority(c) => {
            if c.priority == s.priority {
                return Err(Error::validation(
                    "priority",
                    format!("the case already has priority {}", c.priority.as_str()),
                ));
            }
            Event::PriorityChanged { priority: c.priority }
        }
        Command::AddTag(c) => {
            tag("tag", &c.tag)?;
            if s.tags.contains(&c.tag) {
                return Err(Error::validation("tag", format!("the case already has tag {}", c.tag)));
            }
            Event::TagAdded { tag: c.tag.clone() }
        }
        Command::RemoveTag(c) => {
            if !s.tags.contains(&c.tag) {
                return Err(Error::not_found("tag", &c.tag));
            }
            Event::TagRemoved { tag: c.tag.clone() }
        }
        Command::PlaceOnHold(c) => {
            text("reason", &c.reason, LONG)?;
            if let Some(until) = c.until {
                if until <= ctx.now {
                    return Err(Error::validation("until", "a hold must end in the future"));
                }
            }
            Event::PlacedOnHold { reason: c.reason.clone(), until: c.until }
        }
        Command::Resume(_) => {
            let since = s.hold.as_ref().map_or(ctx.now, |h| h.since);
            Event::Resumed { paused_seconds: (ctx.now - since).num_seconds().max(0) }
        }
        Command::SetCustomFields(c) => {
            if c.values.is_empty() {
                return Err(Error::validation("values", "nothing to set"));
            }
            ctx.programs.validate_custom_fields(&s.program, &c.values, false)?;
            Event::CustomFieldsSet { values: c.values.clone() }
        }
        Command::AddGoal(c) => {
            text("description", &c.description, LONG)?;
            short("domain", &c.domain)?;
            if let Some(need) = c.need_id {
                if !s.identified_needs.iter().any(|n| n.id == need) {
                    return Err(Error::not_found("need", need));
                }
            }
            if let Some(m) = &c.measure {
                short("measure.name", &m.name)?;
                if let Some(u) = &m.unit {
                    short("measure.unit", u)?;
                }
                finite("measure.target", m.target)?;
                if let Some(b) = m.baseline {
                    finite("measure.baseline", b)?;
                }
            }
            if let Some(id) = c.goal_id {
                if s.goal(id).is_some() {
                    return Err(Error::validation("goal_id", format!("goal {id} already exists")));
                }
            }
            Event::GoalAdded {
                goal_id: c.goal_id.unwrap_or_else(|| GoalId(ctx.ids.next_id())),
                description: c.description.clone(),
                domain: c.domain.clone(),
                need_id: c.need_id,
                measure: c.measure.clone(),
                due: c.due,
            }
        }
        Command::EvaluateGoals(c) => {
            if c.evaluations.is_empty() {
                return Err(Error::validation("evaluations", "evaluate at least one goal"));
            }
            let mut seen = BTreeSet::new();
            for (i, ev) in c.evaluations.iter().enumerate() {
                if s.goal(ev.goal_id).is_none() {
                    return Err(Error::not_found("goal", ev.goal_id));
                }
                if !seen.insert(ev.goal_id) {
                    return Err(Error::validation(format!("evaluations[{i}].goal_id"), "goal evaluated twice"));
                }
                if ev.status == GoalStatus::NotStarted {
                    return Err(Error::validation(
                        format!("evaluations[{i}].status"),
                        "an evaluation cannot set a goal back to not_started",
                    ));
                }
            }
            Event::GoalsEvaluated { evaluations: c.evaluations.clone() }
        }
        Command::AddService(c) => {
            short("name", &c.name)?;
            short("provider", &c.provider)?;
            if let Some(g) = c.goal_id {
                if s.goal(g).is_none() {
                    return Err(Error::not_found("goal", g));
                }
            }
            if let (Some(start), Some(end)) = (c.start, c.end) {
                if end < start {
                    return Err(Error::validation("end", "a service cannot end before it starts"));
                }
            }
            if let Some(f) = &c.frequency {
                short("frequency", f)?;
            }
            if let Some(id) = c.service_id {
                if s.service(id).is_some() {
                    return Err(Error::validation("service_id", format!("service {id} already exists")));
                }
            }
            Event::ServiceAdded {
                service_id: c.service_id.unwrap_or_else(|| ServiceId(ctx.ids.next_id())),
                name: c.name.clone(),
                provider: c.provider.clone(),
                goal_id: c.goal_id,
                start: c.start,
                end: c.end,
                frequency: c.frequency.clone(),
            }
        }
        Command::SetServiceStatus(c) => {
            let sv = s.service(c.service_id).ok_or_else(|| Error::not_found("service", c.service_id))?;
            if sv.status == c.status {
                return Err(Error::validation("status", "the service already has this status"));
            }
            if let Some(r) = &c.reason {
                text("reason", r, LONG)?;
            } else if c.status == ServiceStatus::Discontinued {
                return Err(Error::validation("reason", "say why the service was discontinued"));
            }
            Event::ServiceStatusChanged { service_id: c.service_id, status: c.status, reason: c.reason.clone() }
        }
        Command::RecordServiceDelivery(c) => {
            let sv = s.service(c.service_id).ok_or_else(|| Error::not_found("service", c.service_id))?;
            if sv.status != ServiceStatus::Active {
                return Err(Error::validation("service_id", "deliveries are recorded only for active services"));
            }
            if let Some(u) = c.units {
                finite("units", u)?;
                if u < 0.0 {
                    return Err(Error::validation("units", "must not be negative"));
                }
            }
            if let Some(n) = &c.note {
                text("note", n, LONG)?;
            }
            not_after_today("delivered_on", c.delivered_on, ctx.now)?;
            Event::ServiceDelivered {
                delivery_id: DeliveryId(ctx.ids.next_id()),
                service_id: c.service_id,
                delivered_on: c.delivered_on,
                units: c.units,
                note: c.note.clone(),
            }
        }
        Command::RecordOutcome(c) => {
            if s.goal(c.goal_id).is_none() {
                return Err(Error::not_found("goal", c.goal_id));
            }
            finite("value", c.value)?;
            not_after_today("measured_on", c.measured_on, ctx.now)?;
            if let Some(n) = &c.note {
                text("note", n, LONG)?;
            }
            Event::OutcomeRecorded {
                measurement_id: MeasurementId(ctx.ids.next_id()),
                goal_id: c.goal_id,
                value: c.value,
                measured_on: c.measured_on,
                note: c.note.clone(),
            }
        }
    };
    Ok(vec![event])
}

fn close(s: &CaseState, c: &Close, _ctx: &Context<'_>, refuse: impl Fn(&str) -> Error) -> Result<Vec<Event>, Error> {
    match c.reason {
        ClosureReason::GoalsAchieved if s.phase != Phase::Active => {
            return Err(refuse("with reason goals_achieved (only from active)"));
        }
        ClosureReason::Ineligible | ClosureReason::ReferredOut
            if !matches!(s.phase, Phase::Intake | Phase::Assessment) =>
        {
            return Err(refuse(&format!("with reason {} (only from intake or assessment)", c.reason.as_str())));
        }
        _ => {}
    }
    text("summary", &c.summary, LONG)?;
    let mut events: Vec<Event> = s
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Open)
        .map(|t| Event::TaskCancelled { task_id: t.id, reason: "case closed".into() })
        .collect();
    events.push(Event::CaseClosed {
        reason: c.reason,
        summary: c.summary.clone(),
        goal_outcomes: s.goals.iter().map(|g| GoalOutcome { goal_id: g.id, status: g.status }).collect(),
    });
    Ok(events)
}

fn open_task(s: &CaseState, id: TaskId) -> Result<&Task, Error> {
    let t = s.task(id).ok_or_else(|| Error::not_found("task", id))?;
    if t.status != TaskStatus::Open {
        let status = if t.status == TaskStatus::Completed { "completed" } else { "cancelled" };
        return Err(Error::validation("task_id", format!("task {id} is already {status}")));
    }
    Ok(t)
}

fn role_name(r: AssignmentRole) -> &'static str {
    match r {
        AssignmentRole::Primary => "primary",
        AssignmentRole::Secondary => "secondary",
    }
}

/// A field's name as a validation error reports it: a `&str`, or `format_args!` for
/// list items and nested fields, formatted only when an error is reported (most input
/// is valid, and an `open_case` alone names a dozen nested fields).
trait Field: std::fmt::Display + Copy {}

impl<T: std::fmt::Display + Copy> Field for T {}

/// Required text: not blank, at most `max` characters, no control characters other
/// than newlines and tabs.
fn text(field: impl Field, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::validation(field.to_string(), "must not be empty"));
    }
    optional_text(field, value, max)
}

fn optional_text(field: impl Field, value: &str, max: usize) -> Result<(), Error> {
    // A text of at most `max` bytes has at most `max` characters: count only past that.
    if value.len() > max && value.chars().count() > max {
        return Err(Error::validation(field.to_string(), format!("must be at most {max} characters")));
    }
    let control = if value.is_ascii() {
        value.bytes().any(|b| (b < 0x20 || b == 0x7f) && !matches!(b, b'\n' | b'\t' | b'\r'))
    } else {
        value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    };
    if control {
        return Err(Error::validation(field.to_string(), "must not contain control characters"));
    }
    Ok(())
}

fn short(field: impl Field, value: &str) -> Result<(), Error> {
    text(field, value, SHORT)
}

fn finite(field: impl Field, value: f64) -> Result<(), Error> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::validation(field.to_string(), "must be a finite number"))
    }
}

fn tag(field: impl Field, value: &str) -> Result<(), Error> {
    short(field, value)?;
    if value.len() > 64 || value.chars().any(char::is_whitespace) {
        return Err(Error::validation(field.to_string(), "a tag is one word of at most 64 characters"));
    }
    Ok(())
}

fn tags(field: impl Field, values: &[String]) -> Result<Vec<String>, Error> {
    for (i, t) in values.iter().enumerate() {
        tag(format_args!("{field}[{i}]"), t)?;
    }
    let mut out = values.to_vec();
    out.sort();
    out.dedup();
    Ok(out)
}

fn optional_short(field: impl Field, value: &Option<String>) -> Result<(), Error> {
    match value {
        Some(v) => short(field, v),
        None => Ok(()),
    }
}

/// Once programs are registered, cases live only in registered programs (a typo would
/// otherwise strand a case where nobody can reach it).
fn known_program(ctx: &Context<'_>, field: impl Field, program: &ProgramId) -> Result<(), Error> {
    if !ctx.programs.is_empty() && ctx.programs.get(program).is_none() {
        return Err(Error::validation(field.to_string(), format!("no program {program} is registered")));
    }
    Ok(())
}

/// Things that happened (deliveries, measurements) cannot be dated in the future.
fn not_after_today(field: impl Field, day: chrono::NaiveDate, now: Timestamp) -> Result<(), Error> {
    if day > now.date_naive() {
        return Err(Error::validation(field.to_string(), "cannot be in the future"));
    }
    Ok(())
}

fn birth_date(field: impl Field, dob: Option<chrono::NaiveDate>, now: Timestamp) -> Result<(), Error> {
    if let Some(d) = dob {
        if d > now.date_naive() {
            return Err(Error::validation(field.to_string(), "a date of birth cannot be in the future"));
        }
    }
    Ok(())
}

fn money(field: impl Field, v: Option<f64>) -> Result<(), Error> {
    if let Some(v) = v {
        finite(field, v)?;
        if v < 0.0 {
            return Err(Error::validation(field.to_string(), "must not be negative"));
        }
    }
    Ok(())
}

fn household(field: impl Field, v: Option<u32>) -> Result<(), Error> {
    if v == Some(0) {
        return Err(Error::validation(field.to_string(), "a household has at least one person"));
    }
    Ok(())
}

fn consents(field: impl Field, list: &[Consent]) -> Result<(), Error> {
    for (i, c) in list.iter().enumerate() {
        short(format_args!("{field}[{i}].scope"), &c.scope)?;
    }
    Ok(())
}

/// The client fields a new case's details and an update share (same names, same
/// types): each optional, checked the same way in both.
macro_rules! client_fields {
    ($prefix:expr, $c:expr, $now:expr) => {{
        let (prefix, c) = ($prefix, $c);
        birth_date(format_args!("{prefix}.date_of_birth"), c.date_of_birth, $now)?;
        optional_short(format_args!("{prefix}.gender"), &c.gender)?;
        optional_short(format_args!("{prefix}.address"), &c.address)?;
        optional_short(format_args!("{prefix}.phone"), &c.phone)?;
        optional_short(format_args!("{prefix}.email"), &c.email)?;
        optional_short(format_args!("{prefix}.language"), &c.language)?;
        household(format_args!("{prefix}.household_size"), c.household_size)?;
        money(format_args!("{prefix}.monthly_income"), c.monthly_income)?;
        optional_short(format_args!("{prefix}.external_ref"), &c.external_ref)?;
        consents(format_args!("{prefix}.consents"), &c.consents)
    }};
}

fn client_details(prefix: impl Field, c: &ClientDetails, now: Timestamp) -> Result<(), Error> {
    short(format_args!("{prefix}.name"), &c.name)?;
    client_fields!(prefix, c, now)
}

fn client_update(prefix: impl Field, c: &ClientUpdate, now: Timestamp) -> Result<(), Error> {
    if *c == ClientUpdate::default() {
        return Err(Error::validation(prefix.to_string(), "nothing to change"));
    }
    optional_short(format_args!("{prefix}.name"), &c.name)?;
    client_fields!(prefix, c, now)
}
