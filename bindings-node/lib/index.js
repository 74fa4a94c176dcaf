"use strict";
// casekit for Node.js: the typed API over the native addon.
//
// Every method that touches storage returns a Promise and runs on the casebook's own
// worker thread, never on the JavaScript thread; calls on one casebook run in the
// order they were made. Data objects have the core's snake_case JSON shape (see
// types.ts); options objects are camelCase. Errors are `CaseKitError`s with a stable
// `code`.
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.Casebook = exports.ManualClock = exports.LogFollower = exports.COMMAND_TYPES = exports.ERROR_CODES = exports.CaseKitError = void 0;
exports.methodName = methodName;
const committed_1 = require("./committed");
const errors_1 = require("./errors");
__exportStar(require("./types"), exports);
var errors_2 = require("./errors");
Object.defineProperty(exports, "CaseKitError", { enumerable: true, get: function () { return errors_2.CaseKitError; } });
Object.defineProperty(exports, "ERROR_CODES", { enumerable: true, get: function () { return errors_2.ERROR_CODES; } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('../native.cjs');
/** How long the event loop is kept from sleeping after a call goes to the worker (`#poll`). */
const POLL_MS = pollWindow(process.env.CASEKIT_NODE_POLL_US, 250);
/**
 * How long (µs) one turn of that polling waits in the addon for an answer before it lets
 * the loop turn again: an answer is noticed within a microsecond rather than a loop turn
 * later, and timers and I/O wait no longer than this.
 */
const POLL_SLICE_US = Math.min(50, Math.round(POLL_MS * 1000));
/**
 * How long (ms) polling may go on from one microtask to the next before it lets the event
 * loop turn: a caller awaiting one call after another is answered, and makes its next
 * call, without a loop turn (and its system calls) in between each time, while timers and
 * I/O wait no longer than this.
 */
const TURN_MS = 1;
/** How many calls at most go without that after windows that ran out. */
const POLL_BACKOFF_MAX = 64;
/**
 * Items per part of a large `executeBatch`: JSON-encoding a part on this thread and
 * decoding the last one on the worker overlap (a few hundred items take a few tenths of
 * a millisecond either way).
 */
const BATCH_PART = 512;
function pollWindow(setting, defaultMicros) {
    const micros = setting === undefined || setting === '' ? defaultMicros : Number(setting);
    return Number.isFinite(micros) && micros > 0 ? Math.min(micros, 10_000) / 1000 : 0;
}
/** The snake_case names of every command, in the core's order. */
exports.COMMAND_TYPES = Object.freeze(native.commandKinds());
/** Numeric `OpenOptions` passed on to the addon as they are, under their snake_case names. */
const STORE_TUNING = [
    ['busyTimeoutMs', 'busy_timeout_ms'],
    ['readers', 'readers'],
    ['cacheSizeKib', 'cache_size_kib'],
    ['checkpointPages', 'checkpoint_pages'],
    ['rangeWalkBudget', 'range_walk_budget'],
    ['poolSize', 'pool_size'],
    ['connectTimeoutMs', 'connect_timeout_ms'],
    ['checkoutTimeoutMs', 'checkout_timeout_ms'],
];
/** PEM certificates as text (a Buffer or Uint8Array is read as UTF-8). */
function pemList(value) {
    if (!Array.isArray(value))
        throw (0, errors_1.invalid)('tls_root_certificates', 'expected an array of PEM certificates');
    return value.map((pem, i) => {
        if (typeof pem === 'string')
            return pem;
        if (pem instanceof Uint8Array)
            return Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('utf8');
        throw (0, errors_1.invalid)(`tls_root_certificates[${i}]`, 'expected a PEM certificate (a string or a Buffer)');
    });
}
/**
 * Follows a PostgreSQL store's global log (`Casebook.followLog`). Like a subscription,
 * it does not keep the process alive by itself; stop it with `stop()`.
 */
class LogFollower {
    #native;
    #key;
    #stop;
    #last;
    /** @internal */
    constructor(native, key, afterPosition, stop) {
        this.#native = native;
        this.#key = key;
        this.#stop = stop;
        this.#last = { position: afterPosition, delivered: 0, reconnects: 0, last_error: null, running: true };
    }
    /** Its counters now (after `stop()`, as they were when it stopped). */
    get status() {
        const text = this.#native.followerStatus(this.#key);
        if (text != null)
            this.#last = JSON.parse(text);
        else
            this.#last = { ...this.#last, running: false };
        return { ...this.#last };
    }
    /**
     * The position of the last event delivered: persist it and pass it as
     * `afterPosition` to resume where this follower stopped.
     */
    get position() {
        return this.status.position;
    }
    /**
     * Stops following; resolves with the position of the last event delivered. Rejects
     * with what stopped it early, if anything did (`integrity` for an event that does not
     * decode).
     */
    async stop() {
        const before = this.status;
        const position = (await this.#stop());
        this.#last = { ...before, position: position ?? before.position, running: false };
        return this.#last.position;
    }
}
exports.LogFollower = LogFollower;
function toIso(field, t) {
    if (t instanceof Date) {
        if (Number.isNaN(t.getTime()))
            throw (0, errors_1.invalid)(field, 'the Date is invalid');
        return t.toISOString();
    }
    if (typeof t === 'string')
        return t;
    throw (0, errors_1.invalid)(field, 'expected an ISO-8601 string or a Date');
}
/** JSON text of a value handed to the addon; anything JSON cannot say is a validation error. */
function encode(field, value) {
    let text;
    try {
        text = JSON.stringify(value);
    }
    catch (err) {
        throw (0, errors_1.invalid)(field, `cannot be encoded as JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (text === undefined)
        throw (0, errors_1.invalid)(field, 'is missing');
    return text;
}
function encodeObject(field, value) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw (0, errors_1.invalid)(field, 'expected an object');
    }
    return encode(field, value);
}
function checkId(field, id) {
    if (typeof id !== 'string')
        throw (0, errors_1.invalid)(field, 'expected an id string (a UUID)');
    return id;
}
/** The command's JSON: `{"type":"...", ...input}`, with `type` always the method's. */
function commandJson(type, input) {
    if (input === undefined)
        return `{"type":"${type}"}`;
    const body = encodeObject('input', input);
    return body === '{}' ? `{"type":"${type}"}` : `{"type":"${type}",${body.slice(1)}`;
}
function camel(snake) {
    return snake.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}
/** Private access to a clock's native half, for `Casebook`. */
const clockHandles = new WeakMap();
/**
 * A clock that moves only when told to: hand it to a casebook for reproducible times
 * (with `ids: 'sequential'`, byte-identical events in every language).
 */
class ManualClock {
    #native;
    /** A clock standing at `start` (default: now). */
    constructor(start = new Date()) {
        try {
            this.#native = new native.NativeManualClock(toIso('start', start));
        }
        catch (err) {
            throw (0, errors_1.fromThrown)(err, 'start');
        }
        clockHandles.set(this, this.#native);
    }
    /** Moves the clock to `at` (it may go backwards). */
    set(at) {
        try {
            this.#native.set(toIso('at', at));
        }
        catch (err) {
            throw (0, errors_1.fromThrown)(err, 'at');
        }
    }
    /** Moves the clock forward by `seconds` (fractions down to microseconds). */
    advance(seconds) {
        if (typeof seconds !== 'number')
            throw (0, errors_1.invalid)('seconds', 'expected a number');
        try {
            this.#native.advance(seconds);
        }
        catch (err) {
            throw (0, errors_1.fromThrown)(err, 'seconds');
        }
    }
    /** The clock's time, RFC 3339 with microseconds. */
    now() {
        return this.#native.now();
    }
}
exports.ManualClock = ManualClock;
const parseJson = (text) => JSON.parse(text ?? 'null');
const nothing = () => undefined;
const bytesOf = (_, extra) => (Buffer.isBuffer(extra) ? extra : Buffer.alloc(0));
function dispatcher(ch) {
    return (tag, id, text, extra) => {
        if (tag === 2) {
            deliver(ch, id, text);
            return;
        }
        if (tag === 3) {
            ch.wake?.();
            return;
        }
        const pending = ch.pending.get(id);
        if (pending === undefined)
            return;
        ch.pending.delete(id);
        ch.answered++;
        if (tag === 0) {
            let value;
            try {
                value = pending.decode(text, extra);
            }
            catch (err) {
                pending.reject(decodeError(err));
                return;
            }
            pending.resolve(value);
        }
        else {
            pending.reject((0, errors_1.fromFailure)(text));
        }
    };
}
function decodeError(err) {
    return new errors_1.CaseKitError('storage', `cannot decode the answer: ${String(err)}`);
}
function deliver(ch, key, text) {
    const subscriber = ch.subscribers.get(key);
    if (subscriber === undefined || text == null)
        return;
    try {
        const result = subscriber(JSON.parse(text));
        if (result instanceof Promise)
            result.catch((err) => reportSubscriberError(err));
    }
    catch (err) {
        reportSubscriberError(err);
    }
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
class Casebook {
    #native;
    #ch = { pending: new Map(), subscribers: new Map(), answered: 0, wake: null };
    #dispatch = dispatcher(this.#ch);
    #nextRequest = 1;
    #nextSubscription = 1;
    #closed = false;
    #polling = false;
    #pollUntil = 0;
    #pollBackoff = 0;
    #pollSkip = 0;
    #pollAnswered = 0;
    /** When the event loop last turned under the polling (`#loopTick`). */
    #turnSince = 0;
    constructor(spec, options) {
        let clock = null;
        if (options.clock !== undefined) {
            const handle = options.clock instanceof ManualClock ? clockHandles.get(options.clock) : undefined;
            if (handle === undefined)
                throw (0, errors_1.invalid)('clock', 'expected a ManualClock');
            clock = handle;
        }
        const fullSpec = { ...spec, ids: options.ids ?? 'random' };
        try {
            this.#native = new native.NativeCasebook(encode('options', fullSpec), clock, this.#dispatch);
        }
        catch (err) {
            throw (0, errors_1.fromThrown)(err, 'options');
        }
        // Weakly: the dispatcher (and so the channel) lives as long as the native casebook.
        const self = new WeakRef(this);
        this.#ch.wake = () => {
            const book = self.deref();
            if (book !== undefined)
                book.#deliver(book.#native.drain());
        };
    }
    /** A casebook over an in-memory store: fast, and gone when dropped (tests, notebooks, caches). */
    static inMemory(options = {}) {
        return new Casebook({ store: 'memory' }, checkOptions(options));
    }
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
    static async open(pathOrUrl, options = {}) {
        if (typeof pathOrUrl !== 'string')
            throw (0, errors_1.invalid)('path', 'expected a file path or a URL');
        const opts = checkOptions(options);
        const spec = { store: 'sqlite', path: pathOrUrl };
        if (opts.synchronous !== undefined)
            spec.synchronous = opts.synchronous;
        if (opts.schema !== undefined)
            spec.schema = opts.schema;
        for (const [option, field] of STORE_TUNING) {
            const value = opts[option];
            if (value === undefined || value === null)
                continue;
            // NaN and the infinities would cross JSON as null: refuse them here.
            if (typeof value !== 'number' || !Number.isFinite(value))
                throw (0, errors_1.invalid)(field, 'expected a whole number');
            spec[field] = value;
        }
        if (opts.tlsRootCertificates !== undefined && opts.tlsRootCertificates !== null) {
            spec.tls_root_certificates = pemList(opts.tlsRootCertificates);
        }
        const book = new Casebook(spec, opts);
        await book.#call(nothing, (id) => book.#native.ready(id));
        return book;
    }
    #call(decode, send) {
        if (this.#closed)
            return Promise.reject(new errors_1.CaseKitError('storage', 'the casebook is closed'));
        const id = this.#nextRequest;
        this.#nextRequest = id >= 0xfffffffe ? 1 : id + 1;
        let answer;
        try {
            answer = send(id);
        }
        catch (err) {
            return Promise.reject((0, errors_1.fromThrown)(err));
        }
        // Answered at once (in-memory store): publish its events first, then settle.
        if (answer !== null)
            return this.#settleInline(answer, decode);
        if (POLL_MS > 0)
            this.#poll();
        return new Promise((resolve, reject) => {
            this.#ch.pending.set(id, { resolve: resolve, reject, decode });
        });
    }
    /**
     * Keeps the event loop from sleeping while a worker call is in flight, for a short
     * while: waking a sleeping thread costs more than a quick SQLite commit on many
     * machines (virtual ones above all), and back-to-back calls would pay it twice each.
     * The loop keeps turning (timers and I/O run as usual); it only stops blocking.
     * Meanwhile the worker leaves answers (and events) in the native mailbox, which each
     * turn drains, instead of calling the dispatcher. Calls that keep outlasting the
     * window stop being waited for this way, for a while.
     */
    #poll() {
        if (this.#pollSkip > 0) {
            this.#pollSkip--;
            return;
        }
        this.#pollUntil = performance.now() + POLL_MS;
        if (this.#polling)
            return;
        this.#polling = true;
        this.#pollAnswered = this.#ch.answered;
        // Answers wait in the native mailbox for this loop to take them (see `#tick`).
        this.#native.startPolling();
        this.#nextTick();
    }
    /** The next turn of the polling: in a microtask, unless the loop has waited long enough. */
    #nextTick() {
        if (performance.now() - this.#turnSince < TURN_MS)
            queueMicrotask(this.#tick);
        else
            setImmediate(this.#loopTick);
    }
    #loopTick = () => {
        this.#turnSince = performance.now();
        this.#tick();
    };
    /** Hands messages taken from the native mailbox to the dispatcher, in order. */
    #deliver(messages) {
        if (!messages)
            return;
        for (const [tag, id, text, extra] of messages) {
            try {
                this.#dispatch(tag, id, text, extra);
            }
            catch (err) {
                // As from the dispatcher's own calls: uncaught, but the rest are still delivered.
                queueMicrotask(() => {
                    throw err;
                });
            }
        }
    }
    #stopPolling() {
        this.#polling = false;
        this.#deliver(this.#native.stopPolling());
    }
    #tick = () => {
        if (!this.#polling)
            return;
        const answered = this.#ch.answered;
        this.#deliver(this.#native.drain(this.#ch.pending.size > 0 ? POLL_SLICE_US : 0));
        if (this.#ch.pending.size === 0) {
            if (this.#ch.answered !== answered && performance.now() - this.#turnSince < TURN_MS) {
                // Whoever awaited the answer may call again as soon as it resumes: look once
                // more after that (its continuation is queued before this microtask).
                queueMicrotask(this.#tick);
                return;
            }
            this.#stopPolling();
            this.#pollBackoff = 0;
            return;
        }
        const now = performance.now();
        if (this.#ch.answered !== this.#pollAnswered) {
            // Answers keep coming in time: keep waiting for the rest.
            this.#pollAnswered = this.#ch.answered;
            this.#pollBackoff = 0;
            this.#pollUntil = Math.max(this.#pollUntil, now + POLL_MS);
        }
        else if (now > this.#pollUntil) {
            this.#stopPolling();
            this.#pollBackoff = Math.min(POLL_BACKOFF_MAX, this.#pollBackoff * 2 || 1);
            this.#pollSkip = this.#pollBackoff;
            return;
        }
        this.#nextTick();
    };
    #settleInline(answer, decode) {
        let tag = 0;
        let text;
        let extra;
        if (typeof answer === 'string')
            text = answer;
        else if (Buffer.isBuffer(answer))
            extra = answer;
        else {
            let events;
            [tag, text, extra, events] = answer;
            if (events) {
                // Subscribers run in a microtask queued before the caller's continuation.
                queueMicrotask(() => {
                    for (const [key, event] of events)
                        deliver(this.#ch, key, event);
                });
            }
        }
        if (tag !== 0)
            return Promise.reject((0, errors_1.fromFailure)(text));
        try {
            return Promise.resolve(decode(text, extra));
        }
        catch (err) {
            return Promise.reject(decodeError(err));
        }
    }
    // --- commands ---
    /**
     * Runs any command given as data (`{ type: 'add_note', text: '...' }`). `caseId` is
     * ignored for `open_case` (pass `null`).
     */
    execute(actor, caseId, command, options = {}) {
        return this.#call(committed_1.committed, (id) => {
            const expected = expectedVersion(options);
            const target = caseId === null || caseId === undefined ? null : checkId('case_id', caseId);
            return this.#native.execute(id, encodeObject('actor', actor), target, encodeObject('command', command), expected);
        });
    }
    #command(type, actor, caseId, input, options) {
        return this.#call(committed_1.committed, (id) => {
            const expected = expectedVersion(options ?? {});
            const target = caseId === null ? null : checkId('case_id', caseId);
            return this.#native.execute(id, encodeObject('actor', actor), target, commandJson(type, input), expected);
        });
    }
    /** Opens a case for a client in a program (phase `intake`). */
    openCase(actor, input) {
        return this.#command('open_case', actor, null, input, undefined);
    }
    /** Finishes intake: the client is eligible (`intake` → `assessment`). */
    completeIntake(actor, caseId, input, options) {
        return this.#command('complete_intake', actor, caseId, input, options);
    }
    /** Records an assessment with an instrument (phase `assessment`). */
    recordAssessment(actor, caseId, input, options) {
        return this.#command('record_assessment', actor, caseId, input, options);
    }
    /** Finishes the assessment (`assessment` → `planning`). */
    completeAssessment(actor, caseId, input, options) {
        return this.#command('complete_assessment', actor, caseId, input, options);
    }
    /** Activates the service plan (`planning` → `active`; needs a goal). */
    activatePlan(actor, caseId, input, options) {
        return this.#command('activate_plan', actor, caseId, input, options);
    }
    /** Goes back to assessment from planning or active work. */
    startReassessment(actor, caseId, input, options) {
        return this.#command('start_reassessment', actor, caseId, input, options);
    }
    /** Closes the case (open tasks are cancelled by the close). */
    close(actor, caseId, input, options) {
        return this.#command('close', actor, caseId, input, options);
    }
    /** Reopens a closed case (it goes back to assessment). */
    reopen(actor, caseId, input, options) {
        return this.#command('reopen', actor, caseId, input, options);
    }
    /** Changes client details. */
    updateClient(actor, caseId, input, options) {
        return this.#command('update_client', actor, caseId, input, options);
    }
    /** Assigns a worker (supervisors and admins). */
    assignWorker(actor, caseId, input, options) {
        return this.#command('assign_worker', actor, caseId, input, options);
    }
    /** Removes a worker's assignment (supervisors and admins). */
    unassignWorker(actor, caseId, input, options) {
        return this.#command('unassign_worker', actor, caseId, input, options);
    }
    /** Adds a note (`confidential` notes are for assigned workers and supervisors). */
    addNote(actor, caseId, input, options) {
        return this.#command('add_note', actor, caseId, input, options);
    }
    /** Refers the client to another organisation. */
    referOut(actor, caseId, input, options) {
        return this.#command('refer_out', actor, caseId, input, options);
    }
    /** Records the answer to a referral. */
    updateReferral(actor, caseId, input, options) {
        return this.#command('update_referral', actor, caseId, input, options);
    }
    /** Transfers the case to another program and/or worker (supervisors and admins). */
    transfer(actor, caseId, input, options) {
        return this.#command('transfer', actor, caseId, input, options);
    }
    /** Adds a task. */
    addTask(actor, caseId, input, options) {
        return this.#command('add_task', actor, caseId, input, options);
    }
    /** Marks a task done. */
    completeTask(actor, caseId, input, options) {
        return this.#command('complete_task', actor, caseId, input, options);
    }
    /** Cancels a task. */
    cancelTask(actor, caseId, input, options) {
        return this.#command('cancel_task', actor, caseId, input, options);
    }
    /** Gives a task to someone else. */
    reassignTask(actor, caseId, input, options) {
        return this.#command('reassign_task', actor, caseId, input, options);
    }
    /** Changes or clears a task's due time. */
    setTaskDue(actor, caseId, input, options) {
        return this.#command('set_task_due', actor, caseId, input, options);
    }
    /** Changes the case's priority. */
    setPriority(actor, caseId, input, options) {
        return this.#command('set_priority', actor, caseId, input, options);
    }
    /** Adds a tag. */
    addTag(actor, caseId, input, options) {
        return this.#command('add_tag', actor, caseId, input, options);
    }
    /** Removes a tag. */
    removeTag(actor, caseId, input, options) {
        return this.#command('remove_tag', actor, caseId, input, options);
    }
    /** Puts the case on hold (deadlines pause). */
    placeOnHold(actor, caseId, input, options) {
        return this.#command('place_on_hold', actor, caseId, input, options);
    }
    /** Resumes a case on hold. */
    resume(actor, caseId, input, options) {
        return this.#command('resume', actor, caseId, input, options);
    }
    /** Sets program-defined custom fields (`null` removes one). */
    setCustomFields(actor, caseId, input, options) {
        return this.#command('set_custom_fields', actor, caseId, input, options);
    }
    /** Adds a goal to the plan. */
    addGoal(actor, caseId, input, options) {
        return this.#command('add_goal', actor, caseId, input, options);
    }
    /** Evaluates goals: sets their status. */
    evaluateGoals(actor, caseId, input, options) {
        return this.#command('evaluate_goals', actor, caseId, input, options);
    }
    /** Adds a service to the plan. */
    addService(actor, caseId, input, options) {
        return this.#command('add_service', actor, caseId, input, options);
    }
    /** Changes a service's status. */
    setServiceStatus(actor, caseId, input, options) {
        return this.#command('set_service_status', actor, caseId, input, options);
    }
    /** Records a delivery of a service. */
    recordServiceDelivery(actor, caseId, input, options) {
        return this.#command('record_service_delivery', actor, caseId, input, options);
    }
    /** Records a measurement of a goal's outcome. */
    recordOutcome(actor, caseId, input, options) {
        return this.#command('record_outcome', actor, caseId, input, options);
    }
    /**
     * Runs many commands as one transaction: all are committed, or none (the first
     * failure rejects and nothing is stored). The path for imports and bulk work.
     */
    executeBatch(actor, items) {
        return this.#call(committed_1.committedList, (id) => this.#sendBatch(id, actor, items, false));
    }
    /**
     * `executeBatch`, answered with a summary (how many commands, events and cases, and
     * where in the log the events went) instead of a `Committed` per command: for imports,
     * which need no answer per command. The same transaction, all or nothing.
     */
    executeBatchSummary(actor, items) {
        return this.#call(parseJson, (id) => this.#sendBatch(id, actor, items, true));
    }
    #sendBatch(id, actor, items, summary) {
        if (!Array.isArray(items))
            throw (0, errors_1.invalid)('items', 'expected an array of { case_id?, command, expected_version? }');
        const who = encodeObject('actor', actor);
        // A large batch crosses in parts: the worker decodes each while the next is encoded.
        let from = 0;
        for (; items.length - from > BATCH_PART; from += BATCH_PART) {
            this.#native.executeBatchPart(id, encode('items', items.slice(from, from + BATCH_PART)));
        }
        const last = encode('items', from === 0 ? items : items.slice(from));
        return this.#native.executeBatch(id, who, last, from > 0, summary);
    }
    /**
     * Attaches a document. With `content` (a Buffer, Uint8Array or string), stores the
     * bytes in the blob store and records their SHA-256 and size; without it, records the
     * metadata of bytes kept elsewhere (`{ name, media_type, sha256, size_bytes }`, the
     * `attach_document` command as is).
     */
    attachDocument(actor, caseId, input, options) {
        if (input === null || typeof input !== 'object' || !('content' in input)) {
            return this.#command('attach_document', actor, caseId, input, options);
        }
        return this.#call(committed_1.committed, (id) => {
            const { content, name, media_type, category } = input;
            let bytes;
            if (Buffer.isBuffer(content))
                bytes = content;
            else if (content instanceof Uint8Array)
                bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
            else if (typeof content === 'string')
                bytes = Buffer.from(content, 'utf8');
            else
                throw (0, errors_1.invalid)('content', 'expected a Buffer, Uint8Array or string');
            const meta = encode('input', { name, media_type, category });
            return this.#native.attachDocument(id, encodeObject('actor', actor), checkId('case_id', caseId), meta, bytes);
        });
    }
    /** A document's bytes, verified against their hash. */
    documentContent(actor, caseId, documentId) {
        return this.#call(bytesOf, (id) => {
            return this.#native.documentContent(id, encodeObject('actor', actor), checkId('case_id', caseId), checkId('document_id', documentId));
        });
    }
    // --- queries ---
    /** A case as `actor` may see it (confidential notes only for those who may read them). */
    get(actor, caseId) {
        return this.#call(parseJson, (id) => this.#native.get(id, encodeObject('actor', actor), checkId('case_id', caseId)));
    }
    /** Cases `actor` may see, filtered and paged: pass `next_cursor` as `after` for the next page. */
    list(actor, query = {}) {
        return this.#call(parseJson, (id) => this.#native.list(id, encodeObject('actor', actor), encodeObject('query', query)));
    }
    /** A case's events as `actor` may see them (withheld note text is marked `redacted`). */
    history(actor, caseId) {
        return this.#call(parseJson, (id) => this.#native.history(id, encodeObject('actor', actor), checkId('case_id', caseId)));
    }
    /** Recomputes a case's hash chain and reports the first broken link. */
    verify(actor, caseId) {
        return this.#call(parseJson, (id) => this.#native.verify(id, encodeObject('actor', actor), checkId('case_id', caseId)));
    }
    /** The global event log after position `after`, at most `limit` events (for projections, exports, sync). */
    readLog(after = 0, limit = 1000) {
        return this.#call(parseJson, (id) => {
            if (typeof after !== 'number')
                throw (0, errors_1.invalid)('after', 'expected a number');
            if (typeof limit !== 'number')
                throw (0, errors_1.invalid)('limit', 'expected a number');
            return this.#native.readLog(id, after, limit);
        });
    }
    // --- configuration and lifecycle ---
    /** Registers (or replaces) a program's rules. Applies to every call made after it. */
    registerProgram(program) {
        return this.#call(nothing, (id) => this.#native.registerProgram(id, encodeObject('program', program)));
    }
    /**
     * Calls `subscriber` on the JavaScript thread with every event committed through this
     * casebook, in order, before the committing call's promise settles. A subscriber that
     * throws is reported as a process warning (`CASEKIT_SUBSCRIBER_ERROR`) and changes
     * nothing. Returns the id for `unsubscribe`.
     */
    subscribe(subscriber) {
        if (typeof subscriber !== 'function')
            throw (0, errors_1.invalid)('subscriber', 'expected a function');
        if (this.#closed)
            throw new errors_1.CaseKitError('storage', 'the casebook is closed');
        const key = this.#nextSubscription++;
        this.#ch.subscribers.set(key, subscriber);
        try {
            this.#native.subscribe(key);
        }
        catch (err) {
            this.#ch.subscribers.delete(key);
            throw (0, errors_1.fromThrown)(err);
        }
        return key;
    }
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
    async followLog(callback, options = {}) {
        if (typeof callback !== 'function')
            throw (0, errors_1.invalid)('callback', 'expected a function');
        if (options === null || typeof options !== 'object')
            throw (0, errors_1.invalid)('options', 'expected an object');
        const given = {};
        for (const [option, field] of [
            ['afterPosition', 'after_position'],
            ['batchSize', 'batch_size'],
            ['pollIntervalMs', 'poll_interval_ms'],
        ]) {
            const value = options[option];
            if (value === undefined || value === null)
                continue;
            if (typeof value !== 'number' || !Number.isFinite(value))
                throw (0, errors_1.invalid)(field, 'expected a whole number');
            given[field] = value;
        }
        const key = this.#nextSubscription++;
        this.#ch.subscribers.set(key, callback);
        try {
            await this.#call(nothing, (id) => this.#native.followLog(id, key, encode('options', given)));
        }
        catch (err) {
            this.#ch.subscribers.delete(key);
            throw err;
        }
        const stop = async () => {
            try {
                return await this.#call(parseJson, (id) => this.#native.unfollow(id, key));
            }
            finally {
                this.#ch.subscribers.delete(key);
            }
        };
        return new LogFollower(this.#native, key, options.afterPosition ?? 0, stop);
    }
    /** Stops a subscription. Returns whether it existed. */
    unsubscribe(subscription) {
        const existed = this.#ch.subscribers.delete(subscription);
        if (typeof subscription !== 'number')
            return false;
        try {
            return this.#native.unsubscribe(subscription) || existed;
        }
        catch {
            return existed;
        }
    }
    /**
     * Makes a SQLite file complete on its own: the write-ahead log is copied into the
     * database file and emptied, so the file alone can be copied (a backup) while the
     * casebook stays open. Waits for the calls made before it. Nothing to do for the
     * in-memory and PostgreSQL stores. Rejects with `storage` if another connection's
     * reader keeps the log from being emptied within the busy timeout.
     */
    checkpoint() {
        return this.#call(nothing, (id) => this.#native.checkpoint(id));
    }
    /**
     * Finishes the calls already made, then closes the store (for SQLite: the file is
     * checkpointed and released). Later calls reject with `storage`. (`close` is the
     * command that closes a case.)
     */
    async shutdown() {
        if (this.#closed)
            return;
        const done = this.#call(nothing, (id) => (this.#native.close(id), null));
        this.#closed = true;
        await done;
    }
}
exports.Casebook = Casebook;
function checkOptions(options) {
    if (options === null || typeof options !== 'object')
        throw (0, errors_1.invalid)('options', 'expected an object');
    return options;
}
function expectedVersion(options) {
    if (options === null || typeof options !== 'object')
        throw (0, errors_1.invalid)('options', 'expected { expectedVersion? }');
    const v = options.expectedVersion;
    if (v === undefined || v === null)
        return null;
    if (typeof v !== 'number')
        throw (0, errors_1.invalid)('expected_version', 'expected a number');
    return v;
}
function reportSubscriberError(err) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.emitWarning(`a casekit subscriber threw; the commit stands: ${detail}`, {
        code: 'CASEKIT_SUBSCRIBER_ERROR',
    });
}
// Every command has its camelCase method: checked at load, so a command added to core
// without a method here fails loudly instead of silently missing.
for (const type of exports.COMMAND_TYPES) {
    const method = camel(type);
    if (typeof Casebook.prototype[method] !== 'function') {
        throw new Error(`casekit: the native addon knows command ${type} but this layer has no ${method}()`);
    }
}
/** The camelCase method name of a command type (`complete_intake` → `completeIntake`). */
function methodName(type) {
    return camel(type);
}
