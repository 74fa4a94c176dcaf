// `Committed` answers, built without decoding what nobody reads.
//
// A command's answer crosses from Rust as one string: its head (`[case_id, version,
// phase, created_id]`) immediately followed by its events, both JSON. A batch's answer
// is the heads, and one handle to all the events, which stay in Rust. The object the
// caller gets is a plain object with the usual five keys; `events` is decoded the first
// time it is read (by code, `JSON.stringify`, `assert.deepEqual`, `console.log`, ...)
// and is an ordinary data property from then on.

import { inspect } from 'node:util';
import type * as NativeTypes from '../native';
import type { Committed, Id, Phase, RecordedEvent } from './types';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const native: typeof NativeTypes = require('../native.cjs');

type Handle = NativeTypes.ExternalObject<NativeTypes.CommittedEvents>;
type Head = [Id, number, Phase, Id | null];

/** Returns the object it is given, so that a subclass can add private slots to any object. */
class Stamp {
  constructor(target: object) {
    return target;
  }
}

/** Where a `Committed`'s events come from until they are read: invisible to everything but this module. */
class Pending extends Stamp {
  /** The events as JSON, or the handle of a batch's events; `null` once read. */
  #source: string | Handle | null;
  #index: number;
  #events: RecordedEvent[] | undefined = undefined;

  constructor(target: object, source: string | Handle, index: number) {
    super(target);
    this.#source = source;
    this.#index = index;
  }

  /** The events of `target` (decoded now if not yet), or `undefined` if it is not a `Committed` of ours. */
  static read(target: object): RecordedEvent[] | undefined {
    if (!(#source in target)) return undefined;
    const self = target as Pending;
    const source = self.#source;
    if (source === null) return self.#events;
    const json = typeof source === 'string' ? source : native.committedEvents(source, self.#index);
    const events = JSON.parse(json) as RecordedEvent[];
    self.#source = null;
    // From now on a plain data property; a frozen object keeps the accessor and this copy.
    if (!Reflect.defineProperty(target, 'events', data(events))) self.#events = events;
    return events;
  }

  static write(target: object, events: RecordedEvent[]): void {
    if (#source in target) {
      const self = target as Pending;
      self.#source = null;
      self.#events = undefined;
    }
    if (!Reflect.defineProperty(target, 'events', data(events))) {
      throw new TypeError("Cannot assign to read only property 'events' of object");
    }
  }
}

function data(value: RecordedEvent[]): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

// Shared by every `Committed`, so that they all share one shape.
const LAZY_EVENTS: PropertyDescriptor = {
  get(this: object): RecordedEvent[] | undefined {
    return Pending.read(this);
  },
  set(this: object, events: RecordedEvent[]): void {
    Pending.write(this, events);
  },
  enumerable: true,
  configurable: true,
};

// `console.log` shows the events, not `[Getter/Setter]`: read them, then print as usual.
// Not enumerable, so invisible to `Object.keys`, `JSON.stringify` and `assert.deepEqual`.
const INSPECT: PropertyDescriptor = {
  value(this: Committed): Committed {
    void this.events;
    return this;
  },
  enumerable: false,
  writable: true,
  configurable: true,
};

function build(head: Head, source: string | Handle, index: number): Committed {
  const committed = { case_id: head[0], version: head[1], phase: head[2], created_id: head[3] };
  Object.defineProperty(committed, 'events', LAZY_EVENTS);
  Object.defineProperty(committed, inspect.custom, INSPECT);
  new Pending(committed, source, index);
  return committed as Committed;
}

/** The `Committed` of one command: `text` is its head, then its events. */
export function committed(text: string | null | undefined): Committed {
  if (typeof text !== 'string') throw new TypeError('the answer is missing');
  // The head holds ids, numbers and a phase: its first `]` is its end.
  const end = text.indexOf(']') + 1;
  return build(JSON.parse(text.slice(0, end)) as Head, text.slice(end), 0);
}

/** The `Committed`s of a batch: `text` their heads, `extra` one handle for all their events. */
export function committedList(text: string | null | undefined, extra: unknown): Committed[] {
  const heads = JSON.parse(text ?? 'null') as Head[];
  const handle = extra as Handle;
  const all = new Array<Committed>(heads.length);
  for (let i = 0; i < heads.length; i++) all[i] = build(heads[i] as Head, handle, i);
  return all;
}
