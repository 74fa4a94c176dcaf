"use strict";
// `Committed` answers, built without decoding what nobody reads.
//
// A command's answer crosses from Rust as one string: its head (`[case_id, version,
// phase, created_id]`) immediately followed by its events, both JSON. A batch's answer
// is the heads, and one handle to all the events, which stay in Rust. The object the
// caller gets is a plain object with the usual five keys; `events` is decoded the first
// time it is read (by code, `JSON.stringify`, `assert.deepEqual`, `console.log`, ...)
// and is an ordinary data property from then on.
Object.defineProperty(exports, "__esModule", { value: true });
exports.committed = committed;
exports.committedList = committedList;
const node_util_1 = require("node:util");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const native = require('../native.cjs');
/** Returns the object it is given, so that a subclass can add private slots to any object. */
class Stamp {
    constructor(target) {
        return target;
    }
}
/** Where a `Committed`'s events come from until they are read: invisible to everything but this module. */
class Pending extends Stamp {
    /** The events as JSON, or the handle of a batch's events; `null` once read. */
    #source;
    #index;
    #events = undefined;
    constructor(target, source, index) {
        super(target);
        this.#source = source;
        this.#index = index;
    }
    /** The events of `target` (decoded now if not yet), or `undefined` if it is not a `Committed` of ours. */
    static read(target) {
        if (!(#source in target))
            return undefined;
        const self = target;
        const source = self.#source;
        if (source === null)
            return self.#events;
        const json = typeof source === 'string' ? source : native.committedEvents(source, self.#index);
        const events = JSON.parse(json);
        self.#source = null;
        // From now on a plain data property; a frozen object keeps the accessor and this copy.
        if (!Reflect.defineProperty(target, 'events', data(events)))
            self.#events = events;
        return events;
    }
    static write(target, events) {
        if (#source in target) {
            const self = target;
            self.#source = null;
            self.#events = undefined;
        }
        if (!Reflect.defineProperty(target, 'events', data(events))) {
            throw new TypeError("Cannot assign to read only property 'events' of object");
        }
    }
}
function data(value) {
    return { value, writable: true, enumerable: true, configurable: true };
}
// Shared by every `Committed`, so that they all share one shape.
const LAZY_EVENTS = {
    get() {
        return Pending.read(this);
    },
    set(events) {
        Pending.write(this, events);
    },
    enumerable: true,
    configurable: true,
};
// `console.log` shows the events, not `[Getter/Setter]`: read them, then print as usual.
// Not enumerable, so invisible to `Object.keys`, `JSON.stringify` and `assert.deepEqual`.
const INSPECT = {
    value() {
        void this.events;
        return this;
    },
    enumerable: false,
    writable: true,
    configurable: true,
};
function build(head, source, index) {
    const committed = { case_id: head[0], version: head[1], phase: head[2], created_id: head[3] };
    Object.defineProperty(committed, 'events', LAZY_EVENTS);
    Object.defineProperty(committed, node_util_1.inspect.custom, INSPECT);
    new Pending(committed, source, index);
    return committed;
}
/** The `Committed` of one command: `text` is its head, then its events. */
function committed(text) {
    if (typeof text !== 'string')
        throw new TypeError('the answer is missing');
    // The head holds ids, numbers and a phase: its first `]` is its end.
    const end = text.indexOf(']') + 1;
    return build(JSON.parse(text.slice(0, end)), text.slice(end), 0);
}
/** The `Committed`s of a batch: `text` their heads, `extra` one handle for all their events. */
function committedList(text, extra) {
    const heads = JSON.parse(text ?? 'null');
    const handle = extra;
    const all = new Array(heads.length);
    for (let i = 0; i < heads.length; i++)
        all[i] = build(heads[i], handle, i);
    return all;
}
