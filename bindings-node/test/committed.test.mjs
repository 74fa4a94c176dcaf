// A `Committed` decodes its events only when they are first read; until then and after,
// it must look and behave like the plain object it stands for, on every store and for
// single commands and batches alike.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Casebook, ManualClock } from '../index.mjs';
import { freshBook, intake, manager, openCase } from './support/fixtures.mjs';

const require = createRequire(import.meta.url);
const native = require('../native.cjs');
const dir = mkdtempSync(join(tmpdir(), 'casekit-node-committed-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The plain object a `Committed` stands for, built from the global log. */
async function expected(book, committed) {
  const log = await book.readLog(0, 1000);
  const events = log.filter((e) => e.case_id === committed.case_id && e.sequence > committed.version - committed.events.length && e.sequence <= committed.version);
  return { case_id: committed.case_id, version: committed.version, phase: committed.phase, created_id: committed.created_id, events };
}

test('a committed answer is a plain object with the five keys, events included', async () => {
  const { book } = freshBook();
  const c = await book.openCase(intake, { program: 'housing', client: { name: 'Ada' } });
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.deepEqual(Object.keys(c), ['case_id', 'version', 'phase', 'created_id', 'events']);
  assert.equal('events' in c, true);
  // Unread, the events still show everywhere a plain object's would.
  const printed = inspect(c, { depth: 4 });
  assert.doesNotMatch(printed, /Getter|Setter|Symbol/);
  assert.match(printed, /case_opened/);
  await book.shutdown();
});

test('events read, serialized, compared, copied and cloned like a data property', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const fresh = () => book.addNote(manager, id, { text: 'called the landlord' });

  const read = await fresh();
  assert.equal(read.events.length, 1);
  assert.equal(read.events[0].event.type, 'note_added');
  assert.equal(read.events, read.events, 'the same array every time');
  assert.deepEqual(Object.getOwnPropertyDescriptor(read, 'events'), { value: read.events, writable: true, enumerable: true, configurable: true });

  const viaJson = await fresh();
  const json = JSON.parse(JSON.stringify(viaJson));
  assert.deepEqual(Object.keys(json), ['case_id', 'version', 'phase', 'created_id', 'events']);
  assert.deepEqual(json, await expected(book, viaJson));

  assert.deepEqual(await fresh().then((c) => ({ ...c })).then((c) => c.events.length), 1, 'spread copies the events');
  assert.deepEqual(structuredClone(await fresh()).events.length, 1, 'structuredClone copies the events');
  const compared = await fresh();
  assert.deepEqual(compared, await expected(book, compared), 'deepEqual against a plain object');
  await book.shutdown();
});

test('events can be replaced, deleted, and read from a frozen answer', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const replaced = await book.addNote(manager, id, { text: 'a' });
  replaced.events = [];
  assert.deepEqual(replaced.events, []);
  const deleted = await book.addNote(manager, id, { text: 'b' });
  delete deleted.events;
  assert.equal('events' in deleted, false);
  const frozen = Object.freeze(await book.addNote(manager, id, { text: 'c' }));
  assert.equal(frozen.events[0].event.text, 'c');
  assert.equal(frozen.events, frozen.events);
  assert.throws(() => {
    frozen.events = [];
  }, TypeError);
  await book.shutdown();
});

test('every command of a batch has its own events, on the worker thread too', async () => {
  const stores = {
    memory: () => Casebook.inMemory({ clock: new ManualClock('2026-01-05T09:00:00Z'), ids: 'sequential' }),
    sqlite: () => Casebook.open(join(dir, 'batch.db'), { clock: new ManualClock('2026-01-05T09:00:00Z'), ids: 'sequential' }),
  };
  for (const [name, open] of Object.entries(stores)) {
    const book = await open();
    const caseId = '00000000-0000-7000-8000-00000000abcd';
    const items = [{ command: { type: 'open_case', case_id: caseId, program: 'housing', client: { name: 'Ada' } } }];
    for (let n = 0; n < 300; n++) items.push({ case_id: caseId, command: { type: 'add_note', text: `note ${n}` } });
    const done = await book.executeBatch(intake, items);
    assert.equal(done.length, 301, name);
    // Read out of order: each decodes its own slice.
    for (const k of [300, 0, 150, 1]) {
      assert.deepEqual(done[k], await expected(book, done[k]), `${name} #${k}`);
      assert.equal(done[k].events[0].sequence, k + 1);
    }
    const single = await book.addNote(intake, caseId, { text: 'after' });
    assert.deepEqual(single, await expected(book, single), name);
    await book.shutdown();
  }
});

test('the events handle refuses anything but a handle, and indexes out of range', async () => {
  assert.throws(() => native.committedEvents({}, 0), Error);
  assert.throws(() => native.committedEvents(null, 0), Error);
  assert.throws(() => new native.CommittedEvents(), Error);
  const answered = new Promise((resolve) => {
    const book = new native.NativeCasebook('{"store":"memory"}', null, (tag, id, text, extra) => resolve({ tag, text, extra, book }));
    const items = JSON.stringify([{ command: { type: 'open_case', program: 'p', client: { name: 'x' } } }]);
    assert.equal(book.executeBatch(1, JSON.stringify({ id: 'a', roles: ['admin'] }), items, false, false), null, 'a batch answers later');
  });
  const { tag, extra } = await answered;
  assert.equal(tag, 0);
  assert.equal(JSON.parse(native.committedEvents(extra, 0))[0].event.type, 'case_opened');
  assert.throws(() => native.committedEvents(extra, 1), { code: 'validation' });
  assert.throws(() => native.committedEvents(extra, -1), Error);
});
