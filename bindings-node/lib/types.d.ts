/** A UUID, e.g. `0190f1c2-7d3e-7a4b-8c5d-6e7f8091a2b3`. */
export type Id = string;
/** An RFC 3339 UTC time as returned by casekit, e.g. `2026-01-05T09:00:00Z`. */
export type Timestamp = string;
/** A time given to casekit: an RFC 3339 string or a `Date`. */
export type TimeInput = string | Date;
/** A calendar date, `YYYY-MM-DD`. */
export type CalendarDate = string;
/** Any JSON value (custom fields, assessment responses). */
export type JsonValue = string | number | boolean | null | JsonValue[] | {
    [key: string]: JsonValue;
};
/** What an actor is allowed to do. */
export type Role = 'intake_worker' | 'case_manager' | 'supervisor' | 'auditor' | 'admin';
/** The acting user of one call. casekit does not authenticate: the application does. */
export interface Actor {
    /** The application's id for the user. */
    id: string;
    /** What the user may do. */
    roles: Role[];
    /** The programs whose cases the user works or reads (admins reach every program). */
    programs?: string[];
}
/** The lifecycle phase of a case. */
export type Phase = 'intake' | 'assessment' | 'planning' | 'active' | 'closed';
/** How urgent a case is. */
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
/** Primary (at most one) or secondary worker. */
export type AssignmentRole = 'primary' | 'secondary';
/** Kind of note. */
export type NoteKind = 'general' | 'contact' | 'progress' | 'supervision' | 'incident';
/** Which way a measure should move. */
export type Direction = 'increase' | 'decrease' | 'maintain';
/** Where a goal stands. */
export type GoalStatus = 'not_started' | 'in_progress' | 'achieved' | 'partially_achieved' | 'not_achieved' | 'cancelled';
/** Where a service stands. */
export type ServiceStatus = 'planned' | 'active' | 'completed' | 'discontinued';
/** Where a task stands. */
export type TaskStatus = 'open' | 'completed' | 'cancelled';
/** Referral out, or transfer inside the organisation. */
export type ReferralKind = 'external' | 'transfer';
/** Where a referral stands. */
export type ReferralStatus = 'pending' | 'accepted' | 'declined' | 'completed';
/** Why a case was closed. */
export type ClosureReason = 'goals_achieved' | 'ineligible' | 'referred_out' | 'client_withdrew' | 'lost_contact' | 'moved_away' | 'deceased' | 'other';
/** A consent the client gave or refused. */
export interface Consent {
    scope: string;
    granted: boolean;
    date?: CalendarDate;
}
/** Who the client is. Only the name is required. */
export interface ClientDetails {
    name: string;
    date_of_birth?: CalendarDate;
    gender?: string;
    address?: string;
    phone?: string;
    email?: string;
    /** BCP 47 tag such as `en` or `es-MX`. */
    language?: string;
    household_size?: number;
    monthly_income?: number;
    /** The client's id in another system. */
    external_ref?: string;
    consents?: Consent[];
}
/** A partial update of the client: given fields replace the current ones. */
export type ClientUpdate = Partial<ClientDetails>;
/** Which instrument an assessment used. */
export interface InstrumentRef {
    id: string;
    version: string;
}
/** How a goal is measured. */
export interface Measure {
    name: string;
    unit?: string;
    baseline?: number;
    target: number;
    direction: Direction;
}
export interface OpenCaseInput {
    program: string;
    client: ClientDetails;
    /** An existing client's id (another case of the same person). */
    client_id?: Id;
    /** The case's id, when the caller chooses it (imports, offline devices). */
    case_id?: Id;
    priority?: Priority;
    tags?: string[];
    /** The primary worker, if already known. */
    assign_to?: string;
    custom_fields?: Record<string, JsonValue>;
}
export interface ImmediateNeedInput {
    category: string;
    description?: string;
}
export interface CompleteIntakeInput {
    /** Must be true: an ineligible client's case is closed with reason `ineligible`. */
    eligible: boolean;
    immediate_needs?: ImmediateNeedInput[];
}
export interface IdentifiedNeedInput {
    domain: string;
    description?: string;
    severity?: string;
}
export interface RecordAssessmentInput {
    instrument: InstrumentRef;
    responses: Record<string, JsonValue>;
    scores?: Record<string, number>;
    bands?: Record<string, string>;
    risk_flags?: string[];
    identified_needs?: IdentifiedNeedInput[];
}
export interface CompleteAssessmentInput {
    summary?: string;
}
export type ActivatePlanInput = Record<string, never>;
export interface StartReassessmentInput {
    reason: string;
}
export interface CloseInput {
    reason: ClosureReason;
    summary: string;
}
export interface ReopenInput {
    reason: string;
}
export interface UpdateClientInput {
    changes: ClientUpdate;
}
export interface AssignWorkerInput {
    worker: string;
    role?: AssignmentRole;
}
export interface UnassignWorkerInput {
    worker: string;
}
export interface AddNoteInput {
    text: string;
    kind?: NoteKind;
    /** Visible only to assigned workers and supervisors. */
    confidential?: boolean;
}
/** Metadata of a document whose bytes are stored elsewhere (prefer `attachDocument`). */
export interface AttachDocumentInput {
    name: string;
    media_type: string;
    /** SHA-256 of the content, 64 lowercase hex digits. */
    sha256: string;
    size_bytes: number;
    category?: string;
}
export interface ReferOutInput {
    organization: string;
    service?: string;
    reason: string;
}
export interface UpdateReferralInput {
    referral_id: Id;
    status: ReferralStatus;
}
export interface TransferInput {
    to_program?: string;
    to_worker?: string;
    reason: string;
}
export interface AddTaskInput {
    title: string;
    due?: TimeInput;
    assignee?: string;
}
export interface CompleteTaskInput {
    task_id: Id;
}
export interface CancelTaskInput {
    task_id: Id;
    reason: string;
}
export interface ReassignTaskInput {
    task_id: Id;
    assignee: string;
}
export interface SetTaskDueInput {
    task_id: Id;
    /** `null` clears the due time. */
    due: TimeInput | null;
}
export interface SetPriorityInput {
    priority: Priority;
}
export interface AddTagInput {
    tag: string;
}
export interface RemoveTagInput {
    tag: string;
}
export interface PlaceOnHoldInput {
    reason: string;
    until?: TimeInput;
}
export type ResumeInput = Record<string, never>;
export interface SetCustomFieldsInput {
    /** `null` removes a field. */
    values: Record<string, JsonValue>;
}
export interface AddGoalInput {
    description: string;
    domain: string;
    need_id?: Id;
    measure?: Measure;
    due?: CalendarDate;
}
export interface GoalEvaluation {
    goal_id: Id;
    status: GoalStatus;
}
export interface EvaluateGoalsInput {
    evaluations: GoalEvaluation[];
}
export interface AddServiceInput {
    name: string;
    provider: string;
    goal_id?: Id;
    start?: CalendarDate;
    end?: CalendarDate;
    frequency?: string;
}
export interface SetServiceStatusInput {
    service_id: Id;
    status: ServiceStatus;
    /** Required when discontinued. */
    reason?: string;
}
export interface RecordServiceDeliveryInput {
    service_id: Id;
    delivered_on: CalendarDate;
    units?: number;
    note?: string;
}
export interface RecordOutcomeInput {
    goal_id: Id;
    value: number;
    measured_on: CalendarDate;
    note?: string;
}
/** Each command's input, by its snake_case name. */
export interface CommandInputs {
    open_case: OpenCaseInput;
    complete_intake: CompleteIntakeInput;
    record_assessment: RecordAssessmentInput;
    complete_assessment: CompleteAssessmentInput;
    activate_plan: ActivatePlanInput;
    start_reassessment: StartReassessmentInput;
    close: CloseInput;
    reopen: ReopenInput;
    update_client: UpdateClientInput;
    assign_worker: AssignWorkerInput;
    unassign_worker: UnassignWorkerInput;
    add_note: AddNoteInput;
    attach_document: AttachDocumentInput;
    refer_out: ReferOutInput;
    update_referral: UpdateReferralInput;
    transfer: TransferInput;
    add_task: AddTaskInput;
    complete_task: CompleteTaskInput;
    cancel_task: CancelTaskInput;
    reassign_task: ReassignTaskInput;
    set_task_due: SetTaskDueInput;
    set_priority: SetPriorityInput;
    add_tag: AddTagInput;
    remove_tag: RemoveTagInput;
    place_on_hold: PlaceOnHoldInput;
    resume: ResumeInput;
    set_custom_fields: SetCustomFieldsInput;
    add_goal: AddGoalInput;
    evaluate_goals: EvaluateGoalsInput;
    add_service: AddServiceInput;
    set_service_status: SetServiceStatusInput;
    record_service_delivery: RecordServiceDeliveryInput;
    record_outcome: RecordOutcomeInput;
}
/** The snake_case name of a command. */
export type CommandType = keyof CommandInputs;
/** A command as JSON-shaped data: `{ type: 'add_note', text: '...' }`. */
export type Command = {
    [K in CommandType]: {
        type: K;
    } & CommandInputs[K];
}[CommandType];
/** One command of a batch. */
export interface BatchItem {
    /** The case (omit for `open_case`; give the new case a `case_id` to refer to it later in the batch). */
    case_id?: Id | null;
    command: Command;
    expected_version?: number | null;
}
/** Options of a command. */
export interface CommandOptions {
    /** Refuse with `conflict` unless the case is at this version. */
    expectedVersion?: number;
}
export interface ImmediateNeedRecord {
    id: Id;
    category: string;
    description: string;
}
export interface IdentifiedNeedRecord {
    id: Id;
    domain: string;
    description: string;
    severity?: string;
}
export interface GoalOutcome {
    goal_id: Id;
    status: GoalStatus;
}
/** What happened to a case: `{ type: 'goal_added', ... }`. */
export type Event = {
    type: 'case_opened';
    case_id: Id;
    program: string;
    client_id: Id;
    client: ClientDetails;
    priority: Priority;
    tags: string[];
    assigned_to?: string;
    custom_fields: Record<string, JsonValue>;
} | {
    type: 'client_updated';
    changes: ClientUpdate;
} | {
    type: 'intake_completed';
    immediate_needs: ImmediateNeedRecord[];
} | {
    type: 'assessment_recorded';
    assessment_id: Id;
    instrument: InstrumentRef;
    responses: Record<string, JsonValue>;
    scores: Record<string, number>;
    bands: Record<string, string>;
    risk_flags: string[];
    cycle: number;
    identified_needs: IdentifiedNeedRecord[];
} | {
    type: 'assessment_completed';
    cycle: number;
    summary?: string;
} | {
    type: 'plan_activated';
} | {
    type: 'reassessment_started';
    reason: string;
    cycle: number;
} | {
    type: 'case_closed';
    reason: ClosureReason;
    summary: string;
    goal_outcomes: GoalOutcome[];
} | {
    type: 'case_reopened';
    reason: string;
    cycle: number;
} | {
    type: 'worker_assigned';
    worker: string;
    role: AssignmentRole;
} | {
    type: 'worker_unassigned';
    worker: string;
} | {
    type: 'note_added';
    note_id: Id;
    kind: NoteKind;
    text: string;
    confidential: boolean;
} | {
    type: 'document_attached';
    document_id: Id;
    name: string;
    media_type: string;
    sha256: string;
    size_bytes: number;
    category?: string;
} | {
    type: 'referral_made';
    referral_id: Id;
    organization: string;
    service?: string;
    reason: string;
} | {
    type: 'referral_updated';
    referral_id: Id;
    status: ReferralStatus;
} | {
    type: 'case_transferred';
    referral_id: Id;
    from_program: string;
    to_program?: string;
    to_worker?: string;
    reason: string;
} | {
    type: 'task_added';
    task_id: Id;
    title: string;
    due?: Timestamp;
    assignee?: string;
} | {
    type: 'task_completed';
    task_id: Id;
} | {
    type: 'task_cancelled';
    task_id: Id;
    reason: string;
} | {
    type: 'task_reassigned';
    task_id: Id;
    assignee: string;
} | {
    type: 'task_due_changed';
    task_id: Id;
    due: Timestamp | null;
} | {
    type: 'priority_changed';
    priority: Priority;
} | {
    type: 'tag_added';
    tag: string;
} | {
    type: 'tag_removed';
    tag: string;
} | {
    type: 'placed_on_hold';
    reason: string;
    until?: Timestamp;
} | {
    type: 'resumed';
    paused_seconds: number;
} | {
    type: 'custom_fields_set';
    values: Record<string, JsonValue>;
} | {
    type: 'goal_added';
    goal_id: Id;
    description: string;
    domain: string;
    need_id?: Id;
    measure?: Measure;
    due?: CalendarDate;
} | {
    type: 'goals_evaluated';
    evaluations: GoalEvaluation[];
} | {
    type: 'service_added';
    service_id: Id;
    name: string;
    provider: string;
    goal_id?: Id;
    start?: CalendarDate;
    end?: CalendarDate;
    frequency?: string;
} | {
    type: 'service_status_changed';
    service_id: Id;
    status: ServiceStatus;
    reason?: string;
} | {
    type: 'service_delivered';
    delivery_id: Id;
    service_id: Id;
    delivered_on: CalendarDate;
    units?: number;
    note?: string;
} | {
    type: 'outcome_recorded';
    measurement_id: Id;
    goal_id: Id;
    value: number;
    measured_on: CalendarDate;
    note?: string;
};
/** The snake_case name of an event. */
export type EventType = Event['type'];
/** An event in its envelope, as the engine hands it out. */
export interface RecordedEvent {
    event_id: Id;
    case_id: Id;
    /** Per-case sequence number: 1, 2, ... */
    sequence: number;
    /** Position in the store's global log. */
    position: number;
    recorded_at: Timestamp;
    /** The id of the actor who caused it. */
    actor: string;
    schema_version: number;
    event: Event;
    /** Hash of the previous event of the case (64 zeros for the first). */
    prev_hash: string;
    hash: string;
    /** True when parts of the payload were withheld from the reader (confidential notes). */
    redacted?: boolean;
}
/** The result of a committed command. */
export interface Committed {
    case_id: Id;
    /** The case's version after the command. */
    version: number;
    /** Its phase after the command. */
    phase: Phase;
    /** The id of the record the command created (case, goal, task, note, ...), if any. */
    created_id: Id | null;
    events: RecordedEvent[];
}
/** What a batch wrote (`executeBatchSummary`): the answer of an import. */
export interface BatchSummary {
    /** How many commands were committed. */
    commands: number;
    /** How many events they appended. */
    events: number;
    /** How many distinct cases they touched (opened or changed). */
    cases: number;
    /** The global log position of the first event appended (`null` if none was). */
    first_position: number | null;
    /** The global log position of the last event appended: read the log after it for what came next. */
    last_position: number | null;
}
export interface Assignment {
    worker: string;
    role: AssignmentRole;
    assigned_at: Timestamp;
}
export interface ImmediateNeed {
    id: Id;
    category: string;
    description?: string;
}
export interface Assessment {
    id: Id;
    instrument: InstrumentRef;
    responses: Record<string, JsonValue>;
    scores: Record<string, number>;
    bands: Record<string, string>;
    risk_flags: string[];
    cycle: number;
    recorded_at: Timestamp;
    recorded_by: string;
}
export interface IdentifiedNeed {
    id: Id;
    assessment_id: Id;
    domain: string;
    description?: string;
    severity?: string;
}
export interface Goal {
    id: Id;
    description: string;
    domain: string;
    need_id?: Id;
    measure?: Measure;
    due?: CalendarDate;
    status: GoalStatus;
    created_at: Timestamp;
}
export interface ServiceDelivery {
    id: Id;
    delivered_on: CalendarDate;
    units?: number;
    note?: string;
    recorded_by: string;
}
export interface Service {
    id: Id;
    name: string;
    provider: string;
    goal_id?: Id;
    start?: CalendarDate;
    end?: CalendarDate;
    frequency?: string;
    status: ServiceStatus;
    deliveries: ServiceDelivery[];
}
export interface OutcomeMeasurement {
    id: Id;
    goal_id: Id;
    value: number;
    measured_on: CalendarDate;
    note?: string;
    recorded_by: string;
}
export interface Task {
    id: Id;
    title: string;
    due?: Timestamp;
    assignee?: string;
    status: TaskStatus;
    created_at: Timestamp;
    finished_at?: Timestamp;
    cancel_reason?: string;
}
export interface Note {
    id: Id;
    kind: NoteKind;
    text: string;
    confidential: boolean;
    author: string;
    created_at: Timestamp;
}
export interface Referral {
    id: Id;
    kind: ReferralKind;
    organization?: string;
    service?: string;
    to_program?: string;
    to_worker?: string;
    reason: string;
    status: ReferralStatus;
    created_at: Timestamp;
    updated_at: Timestamp;
}
export interface DocumentMeta {
    id: Id;
    name: string;
    media_type: string;
    sha256: string;
    size_bytes: number;
    category?: string;
    attached_by: string;
    attached_at: Timestamp;
}
export interface Closure {
    reason: ClosureReason;
    summary: string;
    goal_outcomes: GoalOutcome[];
    closed_by: string;
    closed_at: Timestamp;
}
export interface Hold {
    reason: string;
    since: Timestamp;
    until?: Timestamp;
}
/** Everything the reader may see of a case. */
export interface CaseView {
    id: Id;
    version: number;
    head_hash: string;
    phase: Phase;
    program: string;
    client_id: Id;
    client: ClientDetails;
    assignments: Assignment[];
    priority: Priority;
    tags: string[];
    custom_fields: Record<string, JsonValue>;
    immediate_needs: ImmediateNeed[];
    assessments: Assessment[];
    identified_needs: IdentifiedNeed[];
    assessment_cycle: number;
    goals: Goal[];
    services: Service[];
    outcomes: OutcomeMeasurement[];
    tasks: Task[];
    /** Notes the reader may see (confidential ones only for assigned workers and supervisors). */
    notes: Note[];
    referrals: Referral[];
    documents: DocumentMeta[];
    hold?: Hold;
    closure?: Closure;
    reopened_count: number;
    opened_at: Timestamp;
    opened_by: string;
    updated_at: Timestamp;
}
/** A case's row in the case list. */
export interface CaseSummary {
    case_id: Id;
    program: string;
    phase: Phase;
    client_id: Id;
    client_name: string;
    priority: Priority;
    tags: string[];
    assignees: string[];
    primary_worker: string | null;
    on_hold: boolean;
    next_due: Timestamp | null;
    open_tasks: number;
    opened_at: Timestamp;
    closed_at: Timestamp | null;
    updated_at: Timestamp;
    version: number;
}
/** A case list filter. Every field narrows the list. */
export interface CaseQuery {
    phase?: Phase | null;
    program?: string | null;
    assignee?: string | null;
    client_id?: Id | null;
    priority?: Priority | null;
    tag?: string | null;
    /** Cases with an open task due at or before this time. */
    due_before?: TimeInput | null;
    on_hold?: boolean | null;
    opened_from?: TimeInput | null;
    opened_to?: TimeInput | null;
    closed_from?: TimeInput | null;
    closed_to?: TimeInput | null;
    /** Cases with a note the reader may see containing every word of this text. */
    text?: string | null;
    /** Keyset cursor: the `next_cursor` of the previous page. */
    after?: Id | null;
    /** Page size (default 50, at most 1000). */
    limit?: number | null;
}
/** A page of a list query. */
export interface Page<T> {
    items: T[];
    /** Pass as `after` to get the next page; `null` on the last page. */
    next_cursor: Id | null;
}
/** What `verify` found. */
export interface VerifyReport {
    case_id: Id;
    events_checked: number;
    valid: boolean;
    first_broken_sequence: number | null;
    problem: string | null;
    head_hash: string | null;
}
/** The kind of value a custom field holds. */
export type CustomFieldKind = {
    type: 'text';
} | {
    type: 'number';
} | {
    type: 'integer';
} | {
    type: 'boolean';
} | {
    type: 'date';
} | {
    type: 'choice';
    options: string[];
};
export interface CustomFieldDef {
    key: string;
    kind: CustomFieldKind;
    required?: boolean;
}
/** A program's rules: instruments required before planning, custom fields. */
export interface Program {
    id: string;
    name?: string;
    required_instruments?: string[];
    custom_fields?: CustomFieldDef[];
}
/** A document to attach: its metadata and bytes. */
export interface DocumentUpload {
    name: string;
    media_type: string;
    content: Uint8Array | string;
    category?: string;
}
