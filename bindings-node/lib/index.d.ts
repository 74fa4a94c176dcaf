import type * as NativeTypes from '../native';
import type { Actor, BatchItem, BatchSummary, CaseQuery, CaseSummary, CaseView, Command, CommandInputs, CommandOptions, CommandType, Committed, DocumentUpload, Id, Page, Program, RecordedEvent, TimeInput, VerifyReport } from './types';
export * from './types';
export { CaseKitError, ERROR_CODES } from './errors';
export type { CaseKitErrorDetails, ErrorCode } from './errors';
/** The snake_case names of every command, in the core's order. */
export declare const COMMAND_TYPES: readonly CommandType[];
/** Where a casebook gets new ids: random UUIDv7 (default) or `...0001`, `...0002` (tests). */
export type IdSource = 'random' | 'sequential';
/** Options of `Casebook.inMemory`. */
export interface InMemoryOptions {
    /** A clock for reproducible times (default: the wall clock). */
    clock?: ManualClock;
    /** Where ids come from (default `random`). */
    ids?: IdSource;
}
/** Options of `Casebook.open`. */
export interface OpenOptions extends InMemoryOptions {
    /** SQLite `synchronous` in WAL mode: `normal` (default) or `full` (fsync per commit). */
    synchronous?: 'normal' | 'full';
    /** PostgreSQL only: the schema holding casekit's tables (default `casekit`). */
    schema?: string;
    /**
     * SQLite files only: how long (ms) a write waits for another process or connection
     * holding the file's write lock before it fails with a `storage` error (default
     * 5000; at most a day).
     */
    busyTimeoutMs?: number;
    /**
     * SQLite files only: reader connections kept beside the writer, so reads run while
     * a commit is written (default 4; 0 reads through the writer; at most 64).
     */
    readers?: number;
    /** SQLite files only: each connection's page cache in KiB (default 2048). */
    cacheSizeKib?: number;
    /**
     * SQLite files only: the write-ahead log is copied into the file once it holds this
     * many pages (default 4000, about 16 MiB; 0: only by `checkpoint()` or when the
     * last connection closes).
     */
    checkpointPages?: number;
    /**
     * SQLite files only: how long (thousands of SQLite steps) a list filtered by a time
     * range and a worker or client walks that person's cases before it takes the time
     * range's index instead (default 1000).
     */
    rangeWalkBudget?: number;
    /** PostgreSQL only: the most connections the casebook opens, on demand (default 8; 1 to 1024). */
    poolSize?: number;
    /** PostgreSQL only: how long (ms) opening a connection may take, unless the URL sets `connect_timeout` (default 10000). */
    connectTimeoutMs?: number;
    /**
     * PostgreSQL only: how long (ms) a call waits for a free connection when all are busy
     * before it fails with a `storage` error (default 30000).
     */
    checkoutTimeoutMs?: number;
    /**
     * PostgreSQL only: PEM certificates trusted for TLS besides the system's, e.g. a cloud
     * provider's CA. TLS itself follows the URL's `sslmode` (`sslmode=require` encrypts and
     * verifies the server).
     */
    tlsRootCertificates?: Array<string | Uint8Array>;
}
/** A subscriber: called on the JavaScript thread with each committed event, in order. */
export type Subscriber = (event: RecordedEvent) => void;
/** Options of `Casebook.followLog`. */
export interface FollowOptions {
    /** Deliver the events after this log position (default 0: the whole log). */
    afterPosition?: number;
    /** How many events one read of the log fetches at most (default 500; 1 to 100000). */
    batchSize?: number;
    /** How often (ms) the log is read without a notification, as a fallback (default 2000). */
    pollIntervalMs?: number;
}
/** A follower's counters (`LogFollower.status`). */
export interface FollowerStatus {
    /** The log position of the last event delivered (the one it started after, until it delivers one). */
    position: number;
    /** How many events it has delivered. */
    delivered: number;
    /** How many times it reconnected after losing its connection. */
    reconnects: number;
    /** The last failure it recovered from (or is still retrying), if any. */
    last_error: string | null;
    /** Whether it is still following. */
    running: boolean;
}
/**
 * Follows a PostgreSQL store's global log (`Casebook.followLog`). Like a subscription,
 * it does not keep the process alive by itself; stop it with `stop()`.
 */
export declare class LogFollower {
    #private;
    /** @internal */
    constructor(native: NativeTypes.NativeCasebook, key: number, afterPosition: number, stop: () => Promise<unknown>);
    /** Its counters now (after `stop()`, as they were when it stopped). */
    get status(): FollowerStatus;
    /**
     * The position of the last event delivered: persist it and pass it as
     * `afterPosition` to resume where this follower stopped.
     */
    get position(): number;
    /**
     * Stops following; resolves with the position of the last event delivered. Rejects
     * with what stopped it early, if anything did (`integrity` for an event that does not
     * decode).
     */
    stop(): Promise<number>;
}
/**
 * A clock that moves only when told to: hand it to a casebook for reproducible times
 * (with `ids: 'sequential'`, byte-identical events in every language).
 */
export declare class ManualClock {
    #private;
    /** A clock standing at `start` (default: now). */
    constructor(start?: TimeInput);
    /** Moves the clock to `at` (it may go backwards). */
    set(at: TimeInput): void;
    /** Moves the clock forward by `seconds` (fractions down to microseconds). */
    advance(seconds: number): void;
    /** The clock's time, RFC 3339 with microseconds. */
    now(): string;
}
/**
 * What applications hold: commands, queries and subscriptions over one store.
 *
 * ```js
 * const book = Casebook.inMemory();
 * const worker = { id: 'iris', roles: ['intake_worker'], programs: ['housing'] };
 * const opened = await book.openCase(worker, { program: 'housing', client: { name: 'Ada' } });
 * await book.completeIntake(worker, opened.case_id, { eligible: true }, { expectedVersion: opened.version });
 * ```
 */
export declare class Casebook {
    #private;
    private constructor();
    /** A casebook over an in-memory store: fast, and gone when dropped (tests, notebooks, caches). */
    static inMemory(options?: InMemoryOptions): Casebook;
    /**
     * Opens the casebook at `pathOrUrl`: a file path opens (or creates) a SQLite database
     * in WAL mode; a `postgres://` URL opens the PostgreSQL store (many application
     * instances sharing cases; its tables live in `options.schema`, default `casekit`).
     * A SQLite file takes tuning options too (`busyTimeoutMs`, `readers`, `cacheSizeKib`,
     * `checkpointPages`, `rangeWalkBudget`), PostgreSQL its connection options (`poolSize`,
     * `connectTimeoutMs`, `checkoutTimeoutMs`, `tlsRootCertificates`); given for another
     * store, or out of range, they reject with a `validation` error naming the option,
     * and nothing is opened.
     */
    static open(pathOrUrl: string, options?: OpenOptions): Promise<Casebook>;
    /**
     * Runs any command given as data (`{ type: 'add_note', text: '...' }`). `caseId` is
     * ignored for `open_case` (pass `null`).
     */
    execute(actor: Actor, caseId: Id | null, command: Command, options?: CommandOptions): Promise<Committed>;
    /** Opens a case for a client in a program (phase `intake`). */
    openCase(actor: Actor, input: CommandInputs['open_case']): Promise<Committed>;
    /** Finishes intake: the client is eligible (`intake` → `assessment`). */
    completeIntake(actor: Actor, caseId: Id, input: CommandInputs['complete_intake'], options?: CommandOptions): Promise<Committed>;
    /** Records an assessment with an instrument (phase `assessment`). */
    recordAssessment(actor: Actor, caseId: Id, input: CommandInputs['record_assessment'], options?: CommandOptions): Promise<Committed>;
    /** Finishes the assessment (`assessment` → `planning`). */
    completeAssessment(actor: Actor, caseId: Id, input?: CommandInputs['complete_assessment'], options?: CommandOptions): Promise<Committed>;
    /** Activates the service plan (`planning` → `active`; needs a goal). */
    activatePlan(actor: Actor, caseId: Id, input?: CommandInputs['activate_plan'], options?: CommandOptions): Promise<Committed>;
    /** Goes back to assessment from planning or active work. */
    startReassessment(actor: Actor, caseId: Id, input: CommandInputs['start_reassessment'], options?: CommandOptions): Promise<Committed>;
    /** Closes the case (open tasks are cancelled by the close). */
    close(actor: Actor, caseId: Id, input: CommandInputs['close'], options?: CommandOptions): Promise<Committed>;
    /** Reopens a closed case (it goes back to assessment). */
    reopen(actor: Actor, caseId: Id, input: CommandInputs['reopen'], options?: CommandOptions): Promise<Committed>;
    /** Changes client details. */
    updateClient(actor: Actor, caseId: Id, input: CommandInputs['update_client'], options?: CommandOptions): Promise<Committed>;
    /** Assigns a worker (supervisors and admins). */
    assignWorker(actor: Actor, caseId: Id, input: CommandInputs['assign_worker'], options?: CommandOptions): Promise<Committed>;
    /** Removes a worker's assignment (supervisors and admins). */
    unassignWorker(actor: Actor, caseId: Id, input: CommandInputs['unassign_worker'], options?: CommandOptions): Promise<Committed>;
    /** Adds a note (`confidential` notes are for assigned workers and supervisors). */
    addNote(actor: Actor, caseId: Id, input: CommandInputs['add_note'], options?: CommandOptions): Promise<Committed>;
    /** Refers the client to another organisation. */
    referOut(actor: Actor, caseId: Id, input: CommandInputs['refer_out'], options?: CommandOptions): Promise<Committed>;
    /** Records the answer to a referral. */
    updateReferral(actor: Actor, caseId: Id, input: CommandInputs['update_referral'], options?: CommandOptions): Promise<Committed>;
    /** Transfers the case to another program and/or worker (supervisors and admins). */
    transfer(actor: Actor, caseId: Id, input: CommandInputs['transfer'], options?: CommandOptions): Promise<Committed>;
    /** Adds a task. */
    addTask(actor: Actor, caseId: Id, input: CommandInputs['add_task'], options?: CommandOptions): Promise<Committed>;
    /** Marks a task done. */
    completeTask(actor: Actor, caseId: Id, input: CommandInputs['complete_task'], options?: CommandOptions): Promise<Committed>;
    /** Cancels a task. */
    cancelTask(actor: Actor, caseId: Id, input: CommandInputs['cancel_task'], options?: CommandOptions): Promise<Committed>;
    /** Gives a task to someone else. */
    reassignTask(actor: Actor, caseId: Id, input: CommandInputs['reassign_task'], options?: CommandOptions): Promise<Committed>;
    /** Changes or clears a task's due time. */
    setTaskDue(actor: Actor, caseId: Id, input: CommandInputs['set_task_due'], options?: CommandOptions): Promise<Committed>;
    /** Changes the case's priority. */
    setPriority(actor: Actor, caseId: Id, input: CommandInputs['set_priority'], options?: CommandOptions): Promise<Committed>;
    /** Adds a tag. */
    addTag(actor: Actor, caseId: Id, input: CommandInputs['add_tag'], options?: CommandOptions): Promise<Committed>;
    /** Removes a tag. */
    removeTag(actor: Actor, caseId: Id, input: CommandInputs['remove_tag'], options?: CommandOptions): Promise<Committed>;
    /** Puts the case on hold (deadlines pause). */
    placeOnHold(actor: Actor, caseId: Id, input: CommandInputs['place_on_hold'], options?: CommandOptions): Promise<Committed>;
    /** Resumes a case on hold. */
    resume(actor: Actor, caseId: Id, input?: CommandInputs['resume'], options?: CommandOptions): Promise<Committed>;
    /** Sets program-defined custom fields (`null` removes one). */
    setCustomFields(actor: Actor, caseId: Id, input: CommandInputs['set_custom_fields'], options?: CommandOptions): Promise<Committed>;
    /** Adds a goal to the plan. */
    addGoal(actor: Actor, caseId: Id, input: CommandInputs['add_goal'], options?: CommandOptions): Promise<Committed>;
    /** Evaluates goals: sets their status. */
    evaluateGoals(actor: Actor, caseId: Id, input: CommandInputs['evaluate_goals'], options?: CommandOptions): Promise<Committed>;
    /** Adds a service to the plan. */
    addService(actor: Actor, caseId: Id, input: CommandInputs['add_service'], options?: CommandOptions): Promise<Committed>;
    /** Changes a service's status. */
    setServiceStatus(actor: Actor, caseId: Id, input: CommandInputs['set_service_status'], options?: CommandOptions): Promise<Committed>;
    /** Records a delivery of a service. */
    recordServiceDelivery(actor: Actor, caseId: Id, input: CommandInputs['record_service_delivery'], options?: CommandOptions): Promise<Committed>;
    /** Records a measurement of a goal's outcome. */
    recordOutcome(actor: Actor, caseId: Id, input: CommandInputs['record_outcome'], options?: CommandOptions): Promise<Committed>;
    /**
     * Runs many commands as one transaction: all are committed, or none (the first
     * failure rejects and nothing is stored). The path for imports and bulk work.
     */
    executeBatch(actor: Actor, items: BatchItem[]): Promise<Committed[]>;
    /**
     * `executeBatch`, answered with a summary (how many commands, events and cases, and
     * where in the log the events went) instead of a `Committed` per command: for imports,
     * which need no answer per command. The same transaction, all or nothing.
     */
    executeBatchSummary(actor: Actor, items: BatchItem[]): Promise<BatchSummary>;
    /**
     * Attaches a document. With `content` (a Buffer, Uint8Array or string), stores the
     * bytes in the blob store and records their SHA-256 and size; without it, records the
     * metadata of bytes kept elsewhere (`{ name, media_type, sha256, size_bytes }`, the
     * `attach_document` command as is).
     */
    attachDocument(actor: Actor, caseId: Id, input: DocumentUpload | CommandInputs['attach_document'], options?: CommandOptions): Promise<Committed>;
    /** A document's bytes, verified against their hash. */
    documentContent(actor: Actor, caseId: Id, documentId: Id): Promise<Buffer>;
    /** A case as `actor` may see it (confidential notes only for those who may read them). */
    get(actor: Actor, caseId: Id): Promise<CaseView>;
    /** Cases `actor` may see, filtered and paged: pass `next_cursor` as `after` for the next page. */
    list(actor: Actor, query?: CaseQuery): Promise<Page<CaseSummary>>;
    /** A case's events as `actor` may see them (withheld note text is marked `redacted`). */
    history(actor: Actor, caseId: Id): Promise<RecordedEvent[]>;
    /** Recomputes a case's hash chain and reports the first broken link. */
    verify(actor: Actor, caseId: Id): Promise<VerifyReport>;
    /** The global event log after position `after`, at most `limit` events (for projections, exports, sync). */
    readLog(after?: number, limit?: number): Promise<RecordedEvent[]>;
    /** Registers (or replaces) a program's rules. Applies to every call made after it. */
    registerProgram(program: Program): Promise<void>;
    /**
     * Calls `subscriber` on the JavaScript thread with every event committed through this
     * casebook, in order, before the committing call's promise settles. A subscriber that
     * throws is reported as a process warning (`CASEKIT_SUBSCRIBER_ERROR`) and changes
     * nothing. Returns the id for `unsubscribe`.
     */
    subscribe(subscriber: Subscriber): number;
    /**
     * Follows the global log of a PostgreSQL store: calls `callback(event)` on the
     * JavaScript thread for every event committed by *any* application instance sharing
     * the database (`subscribe` sees this casebook's own), in log order, each exactly once,
     * from `afterPosition` on. It survives lost connections (it reconnects and resumes
     * where it was). Events arrive as committed, confidential note text included: the
     * callback is the application's own code. A throwing callback is reported as a
     * process warning and following goes on. Rejects with `validation` (field `store`) on
     * another store.
     */
    followLog(callback: Subscriber, options?: FollowOptions): Promise<LogFollower>;
    /** Stops a subscription. Returns whether it existed. */
    unsubscribe(subscription: number): boolean;
    /**
     * Makes a SQLite file complete on its own: the write-ahead log is copied into the
     * database file and emptied, so the file alone can be copied (a backup) while the
     * casebook stays open. Waits for the calls made before it. Nothing to do for the
     * in-memory and PostgreSQL stores. Rejects with `storage` if another connection's
     * reader keeps the log from being emptied within the busy timeout.
     */
    checkpoint(): Promise<void>;
    /**
     * Finishes the calls already made, then closes the store (for SQLite: the file is
     * checkpointed and released). Later calls reject with `storage`. (`close` is the
     * command that closes a case.)
     */
    shutdown(): Promise<void>;
}
/** The camelCase method name of a command type (`complete_intake` → `completeIntake`). */
export declare function methodName(type: CommandType): string;
