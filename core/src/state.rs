//! The case aggregate's state, and `evolve`: the fold of events into state.

use crate::clock::Timestamp;
use crate::error::Error;
use crate::event::{Event, EventHash, RecordedEvent, GENESIS_HASH};
use crate::ids::*;
use crate::model::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything known about a case: the fold of its events. This is also the case view
/// that queries return (with what the reader may not see removed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseState {
    /// The case's id.
    pub id: CaseId,
    /// The number of events so far (the sequence number of the last one).
    pub version: u64,
    /// Hash of the last event: the head of the audit chain.
    pub head_hash: EventHash,
    /// The lifecycle phase.
    pub phase: Phase,
    /// The program the case belongs to.
    pub program: ProgramId,
    /// The client's id.
    pub client_id: ClientId,
    /// Who the client is.
    pub client: ClientDetails,
    /// Assigned workers.
    pub assignments: Vec<Assignment>,
    /// Priority.
    pub priority: Priority,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Program-defined custom fields.
    pub custom_fields: BTreeMap<String, Value>,
    /// Needs recorded at intake.
    pub immediate_needs: Vec<ImmediateNeed>,
    /// Assessments recorded.
    pub assessments: Vec<Assessment>,
    /// Needs the assessments identified.
    pub identified_needs: Vec<IdentifiedNeed>,
    /// The current assessment cycle (1, then +1 per reassessment or reopening).
    pub assessment_cycle: u32,
    /// Goals of the plan.
    pub goals: Vec<Goal>,
    /// Services of the plan.
    pub services: Vec<Service>,
    /// Outcome measurements.
    pub outcomes: Vec<OutcomeMeasurement>,
    /// Tasks.
    pub tasks: Vec<Task>,
    /// Notes the reader may see.
    pub notes: Vec<Note>,
    /// Referrals and transfers.
    pub referrals: Vec<Referral>,
    /// Documents' metadata.
    pub documents: Vec<DocumentMeta>,
    /// The hold, while the case is on hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    /// The closure, while the case is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    /// How many times the case was reopened.
    pub reopened_count: u32,
    /// When the case was opened.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub opened_at: Timestamp,
    /// Who opened it.
    pub opened_by: ActorId,
    /// When it last changed.
    #[serde(serialize_with = "crate::event::time_serde::serialize")]
    pub updated_at: Timestamp,
}

impl CaseState {
    /// The state a `case_opened` event creates; `None` for any other event.
    pub fn genesis(e: &RecordedEvent) -> Option<CaseState> {
        let Event::CaseOpened { case_id, program, client_id, client, priority, tags, assigned_to, custom_fields } =
            &e.event
        else {
            return None;
        };
        let mut tags = tags.clone();
        tags.sort();
        tags.dedup();
        let assignments = assigned_to
            .iter()
            .map(|w| Assignment { worker: w.clone(), role: AssignmentRole::Primary, assigned_at: e.recorded_at })
            .collect();
        Some(CaseState {
            id: *case_id,
            version: e.sequence,
            head_hash: e.hash,
            phase: Phase::Intake,
            program: program.clone(),
            client_id: *client_id,
            client: client.clone(),
            assignments,
            priority: *priority,
            tags,
            custom_fields: custom_fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            immediate_needs: Vec::new(),
            assessments: Vec::new(),
            identified_needs: Vec::new(),
            assessment_cycle: 1,
            goals: Vec::new(),
            services: Vec::new(),
            outcomes: Vec::new(),
            tasks: Vec::new(),
            notes: Vec::new(),
            referrals: Vec::new(),
            documents: Vec::new(),
            hold: None,
            closure: None,
            reopened_count: 0,
            opened_at: e.recorded_at,
            opened_by: e.actor.clone(),
            updated_at: e.recorded_at,
        })
    }

    /// The notes anyone who may read the case may see (no confidential ones): what
    /// exports and frames carry.
    pub fn public_notes(&self) -> impl Iterator<Item = &Note> {
        self.notes.iter().filter(|n| !n.confidential)
    }

    /// Whether the case is on hold.
    pub fn on_hold(&self) -> bool {
        self.hold.is_some()
    }

    /// The primary worker, if any.
    pub fn primary_worker(&self) -> Option<&ActorId> {
        self.assignments.iter().find(|a| a.role == AssignmentRole::Primary).map(|a| &a.worker)
    }

    /// Whether `worker` is assigned to the case.
    pub fn is_assigned(&self, worker: &ActorId) -> bool {
        self.assignments.iter().any(|a| &a.worker == worker)
    }

    /// A goal by id.
    pub fn goal(&self, id: GoalId) -> Option<&Goal> {
        self.goals.iter().find(|g| g.id == id)
    }

    /// A task by id.
    pub fn task(&self, id: TaskId) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    /// A service by id.
    pub fn service(&self, id: ServiceId) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The earliest due time of an open task (none while on hold: deadlines are paused).
    pub fn next_due(&self) -> Option<Timestamp> {
        if self.on_hold() || self.phase == Phase::Closed {
            return None;
        }
        self.tasks.iter().filter(|t| t.status == TaskStatus::Open).filter_map(|t| t.due).min()
    }
}

/// Applies one event to the state. Total: an event that `decide` produced always
/// applies; an event that refers to a record that is not there changes nothing.
pub fn evolve(mut s: CaseState, e: &RecordedEvent) -> CaseState {
    apply(&mut s, e);
    s
}

/// [`evolve`] in place: a state is a large value (some 800 bytes), and moving it in and
/// out of every event costs the engine more than many an event's own change.
pub fn apply(s: &mut CaseState, e: &RecordedEvent) {
    s.version = e.sequence;
    s.head_hash = e.hash;
    s.updated_at = e.recorded_at;
    let at = e.recorded_at;
    match &e.event {
        // A second `case_opened` is never produced by `decide`; ignore it.
        Event::CaseOpened { .. } => {}
        Event::ClientUpdated { changes } => apply_client_update(&mut s.client, changes),
        Event::IntakeCompleted { immediate_needs } => {
            s.immediate_needs.extend(immediate_needs.iter().map(|n| ImmediateNeed {
                id: n.id,
                category: n.category.clone(),
                description: n.description.clone(),
            }));
            s.phase = Phase::Assessment;
        }
        Event::AssessmentRecorded {
            assessment_id,
            instrument,
            responses,
            scores,
            bands,
            risk_flags,
            cycle,
            identified_needs,
        } => {
            s.assessments.push(Assessment {
                id: *assessment_id,
                instrument: instrument.clone(),
                responses: responses.clone(),
                scores: scores.clone(),
                bands: bands.clone(),
                risk_flags: risk_flags.clone(),
                cycle: *cycle,
                recorded_at: at,
                recorded_by: e.actor.clone(),
            });
            s.identified_needs.extend(identified_needs.iter().map(|n| IdentifiedNeed {
                id: n.id,
                assessment_id: *assessment_id,
                domain: n.domain.clone(),
                description: n.description.clone(),
                severity: n.severity.clone(),
            }));
        }
        Event::AssessmentCompleted { .. } => s.phase = Phase::Planning,
        Event::PlanActivated {} => {
            s.phase = Phase::Active;
            for g in s.goals.iter_mut().filter(|g| g.status == GoalStatus::NotStarted) {
                g.status = GoalStatus::InProgress;
            }
            for sv in s.services.iter_mut().filter(|sv| sv.status == ServiceStatus::Planned) {
                sv.status = ServiceStatus::Active;
            }
        }
        Event::ReassessmentStarted { cycle, .. } => {
            s.phase = Phase::Assessment;
            s.assessment_cycle = *cycle;
        }
        Event::CaseClosed { reason, summary, goal_outcomes } => {
            s.phase = Phase::Closed;
            s.hold = None;
            for o in goal_outcomes {
                if let Some(g) = s.goals.iter_mut().find(|g| g.id == o.goal_id) {
                    g.status = o.status;
                }
            }
            s.closure = Some(Closure {
                reason: *reason,
                summary: summary.clone(),
                goal_outcomes: goal_outcomes.clone(),
                closed_by: e.actor.clone(),
                closed_at: at,
            });
        }
        Event::CaseReopened { cycle, .. } => {
            s.phase = Phase::Assessment;
            s.assessment_cycle = *cycle;
            s.closure = None;
            s.reopened_count += 1;
        }
        Event::WorkerAssigned { worker, role } => {
            if *role == AssignmentRole::Primary {
                for a in s.assignments.iter_mut().filter(|a| a.role == AssignmentRole::Primary) {
                    a.role = AssignmentRole::Secondary;
                }
            }
            match s.assignments.iter_mut().find(|a| &a.worker == worker) {
                Some(a) => a.role = *role,
                None => s.assignments.push(Assignment { worker: worker.clone(), role: *role, assigned_at: at }),
            }
        }
        Event::WorkerUnassigned { worker } => s.assignments.retain(|a| &a.worker != worker),
        Event::NoteAdded { note_id, kind, text, confidential } => s.notes.push(Note {
            id: *note_id,
            kind: *kind,
            text: text.clone(),
            confidential: *confidential,
            author: e.actor.clone(),
            created_at: at,
        }),
        Event::DocumentAttached { document_id, name, media_type, sha256, size_bytes, category } => {
            s.documents.push(DocumentMeta {
                id: *document_id,
                name: name.clone(),
                media_type: media_type.clone(),
                sha256: sha256.clone(),
                size_bytes: *size_bytes,
                category: category.clone(),
                attached_by: e.actor.clone(),
                attached_at: at,
            })
        }
        Event::ReferralMade { referral_id, organization, service, reason } => s.referrals.push(Referral {
            id: *referral_id,
            kind: ReferralKind::External,
            organization: Some(organization.clone()),
            service: service.clone(),
            to_program: None,
            to_worker: None,
            reason: reason.clone(),
            status: ReferralStatus::Pending,
            created_at: at,
            updated_at: at,
        }),
        Event::ReferralUpdated { referral_id, status } => {
            if let Some(r) = s.referrals.iter_mut().find(|r| r.id == *referral_id) {
                r.status = *status;
                r.updated_at = at;
            }
        }
        Event::CaseTransferred { referral_id, to_program, to_worker, reason, .. } => {
            if let Some(p) = to_program {
                s.program = p.clone();
            }
            if let Some(w) = to_worker {
                s.assignments.retain(|a| a.role != AssignmentRole::Primary && &a.worker != w);
                s.assignments.push(Assignment { worker: w.clone(), role: AssignmentRole::Primary, assigned_at: at });
            }
            s.referrals.push(Referral {
                id: *referral_id,
                kind: ReferralKind::Transfer,
                organization: None,
                service: None,
                to_program: to_program.clone(),
                to_worker: to_worker.clone(),
                reason: reason.clone(),
                status: ReferralStatus::Completed,
                created_at: at,
                updated_at: at,
            });
        }
        Event::TaskAdded { task_id, title, due, assignee } => s.tasks.push(Task {
            id: *task_id,
            title: title.clone(),
            due: *due,
            assignee: assignee.clone(),
            status: TaskStatus::Open,
            created_at: at,
            finished_at: None,
            cancel_reason: None,
        }),
        Event::TaskCompleted { task_id } => {
            if let Some(t) = s.tasks.iter_mut().find(|t| t.id == *task_id) {
                t.status = TaskStatus::Completed;
                t.finished_at = Some(at);
            }
        }
        Event::TaskCancelled { task_id, reason } => {
            if let Some(t) = s.tasks.iter_mut().find(|t| t.id == *task_id) {
                t.status = TaskStatus::Cancelled;
                t.finished_at = Some(at);
                t.cancel_reason = Some(reason.clone());
            }
        }
        Event::TaskReassigned { task_id, assignee } => {
            if let Some(t) = s.tasks.iter_mut().find(|t| t.id == *task_id) {
                t.assignee = Some(assignee.clone());
            }
        }
        Event::TaskDueChanged { task_id, due } => {
            if let Some(t) = s.tasks.iter_mut().find(|t| t.id == *task_id) {
                t.due = *due;
            }
        }
        Event::PriorityChanged { priority } => s.priority = *priority,
        Event::TagAdded { tag } => {
            if let Err(i) = s.tags.binary_search(tag) {
                s.tags.insert(i, tag.clone());
            }
        }
        Event::TagRemoved { tag } => s.tags.retain(|t| t != tag),
        Event::PlacedOnHold { reason, until } => {
            s.hold = Some(Hold { reason: reason.clone(), since: at, until: *until });
        }
        Event::Resumed { paused_seconds } => {
            s.hold = None;
            let shift = chrono::Duration::seconds(*paused_seconds);
            for t in s.tasks.iter_mut().filter(|t| t.status == TaskStatus::Open) {
                if let Some(due) = t.due {
                    t.due = Some(due.checked_add_signed(shift).unwrap_or(due));
                }
            }
        }
        Event::CustomFieldsSet { values } => {
            for (k, v) in values {
                if v.is_null() {
                    s.custom_fields.remove(k);
                } else {
                    s.custom_fields.insert(k.clone(), v.clone());
                }
            }
        }
        Event::GoalAdded { goal_id, description, domain, need_id, measure, due } => {
            let status = if s.phase == Phase::Active { GoalStatus::InProgress } else { GoalStatus::NotStarted };
            s.goals.push(Goal {
                id: *goal_id,
                description: description.clone(),
                domain: domain.clone(),
                need_id: *need_id,
                measure: measure.clone(),
                due: *due,
                status,
                created_at: at,
            });
        }
        Event::GoalsEvaluated { evaluations } => {
            for ev in evaluations {
                if let Some(g) = s.goals.iter_mut().find(|g| g.id == ev.goal_id) {
                    g.status = ev.status;
                }
            }
        }
        Event::ServiceAdded { service_id, name, provider, goal_id, start, end, frequency } => {
            let status = if s.phase == Phase::Active { ServiceStatus::Active } else { ServiceStatus::Planned };
            s.services.push(Service {
                id: *service_id,
                name: name.clone(),
                provider: provider.clone(),
                goal_id: *goal_id,
                start: *start,
                end: *end,
                frequency: frequency.clone(),
                status,
                deliveries: Vec::new(),
            });
        }
        Event::ServiceStatusChanged { service_id, status, .. } => {
            if let Some(sv) = s.services.iter_mut().find(|sv| sv.id == *service_id) {
                sv.status = *status;
            }
        }
        Event::ServiceDelivered { delivery_id, service_id, delivered_on, units, note } => {
            if let Some(sv) = s.services.iter_mut().find(|sv| sv.id == *service_id) {
                sv.deliveries.push(ServiceDelivery {
                    id: *delivery_id,
                    delivered_on: *delivered_on,
                    units: *units,
                    note: note.clone(),
                    recorded_by: e.actor.clone(),
                });
            }
        }
        Event::OutcomeRecorded { measurement_id, goal_id, value, measured_on, note } => {
            s.outcomes.push(OutcomeMeasurement {
                id: *measurement_id,
                goal_id: *goal_id,
                value: *value,
                measured_on: *measured_on,
                note: note.clone(),
                recorded_by: e.actor.clone(),
            })
        }
    }
}

fn apply_client_update(c: &mut ClientDetails, u: &ClientUpdate) {
    fn set<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
        if let Some(v) = src {
            *dst = Some(v.clone());
        }
    }
    if let Some(name) = &u.name {
        c.name.clone_from(name);
    }
    set(&mut c.date_of_birth, &u.date_of_birth);
    set(&mut c.gender, &u.gender);
    set(&mut c.address, &u.address);
    set(&mut c.phone, &u.phone);
    set(&mut c.email, &u.email);
    set(&mut c.language, &u.language);
    set(&mut c.household_size, &u.household_size);
    set(&mut c.monthly_income, &u.monthly_income);
    set(&mut c.external_ref, &u.external_ref);
    for consent in &u.consents {
        c.consents.retain(|k| k.scope != consent.scope);
        c.consents.push(consent.clone());
    }
}

/// Rebuilds a case from its events, checking that they form a proper stream: the first
/// opens the case, sequences run 1, 2, ... and each event chains to the previous hash.
/// (The hashes themselves are recomputed by `verify`, over the stored bytes.)
pub fn replay<'a, I>(events: I) -> Result<Option<CaseState>, Error>
where
    I: IntoIterator<Item = &'a RecordedEvent>,
{
    let mut state: Option<CaseState> = None;
    for e in events {
        state = Some(match state {
            None => {
                if e.sequence != 1 || e.prev_hash != GENESIS_HASH {
                    return Err(Error::integrity(
                        Some(e.case_id),
                        format!("case {} starts at event {} instead of 1", e.case_id, e.sequence),
                    ));
                }
                CaseState::genesis(e).ok_or_else(|| {
                    Error::integrity(
                        Some(e.case_id),
                        format!("case {} starts with {} instead of case_opened", e.case_id, e.event.type_name()),
                    )
                })?
            }
            Some(s) => {
                if e.sequence != s.version + 1 || e.prev_hash != s.head_hash || e.case_id != s.id {
                    return Err(Error::integrity(
                        Some(e.case_id),
                        format!("case {}: event {} does not follow event {}", e.case_id, e.sequence, s.version),
                    ));
                }
                evolve(s, e)
            }
        });
    }
    Ok(state)
}
