// Storage work runs off the JavaScript thread: the event loop keeps turning during a long
// batch, and many in-flight promises on one casebook all settle, in call order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Casebook } from '../index.mjs';
import { admin, freshBook, intake, manager, openCase } from './support/fixtures.mjs';

const native = createRequire(import.meta.url)('../native.cjs');

function caseId(n) {
  return `00000000-0000-7000-8000-${(0xa00000000000 + n).toString(16).padStart(12, '0')}`;
}

/** A CM-22-like batch for `cases` cases with caller-chosen case ids. */
function batch(cases, offset = 0) {
  const items = [];
  for (let c = 0; c < cases; c++) {
    const id = caseId(offset + c);
    items.push({ command: { type: 'open_case', case_id: id, program: 'housing', client: { name: `Client ${c}` }, assign_to: 'maya' } });
    items.push({ case_id: id, command: { type: 'complete_intake', eligible: true, immediate_needs: [{ category: 'food' }] } });
    items.push({ case_id: id, command: { type: 'record_assessment', instrument: { id: 'phq-9', version: '1' }, responses: { q1: 1, q2: 2, q3: 0 }, scores: { total: 3 } } });
    items.push({ case_id: id, command: { type: 'complete_assessment' } });
    for (let n = 0; n < 8; n++) items.push({ case_id: id, command: { type: 'add_note', text: `Note ${n} for case ${c}: a contact with the client about housing and income.` } });
  }
  return items;
}

test('the event loop keeps turning while a long executeBatch runs', async () => {
  const { book } = freshBook();
  let ticks = 0;
  let cases = 500;
  let elapsed = 0;
  let offset = 0;
  // Grow the batch until it takes long enough for the timer to matter.
  for (let attempt = 0; attempt < 6; attempt++) {
    const items = batch(cases, offset);
    offset += cases;
    ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    const pending = book.executeBatch(manager, items);
    let settled = false;
    pending.finally(() => (settled = true)).catch(() => {});
    // The call itself returned at once: the batch runs elsewhere.
    assert.equal(settled, false);
    const results = await pending;
    elapsed = performance.now() - t0;
    clearInterval(timer);
    assert.equal(results.length, items.length);
    if (elapsed >= 150) break;
    cases *= 2;
  }
  assert.ok(elapsed >= 150, `the batch took ${elapsed.toFixed(0)} ms; too short to judge`);
  // A blocked loop would see 0 or 1 tick; a free one sees about one per ms (timers are coarse on a busy machine).
  assert.ok(ticks >= Math.min(20, elapsed / 20), `only ${ticks} timer ticks during a ${elapsed.toFixed(0)} ms batch`);
  await book.shutdown();
});

test('back-to-back awaited calls on a file still let the event loop turn', async () => {
  // Answers are polled for from one microtask to the next while calls follow each other,
  // but only for a while (about a millisecond): timers and I/O get their turn in between.
  const dir = mkdtempSync(join(tmpdir(), 'casekit-node-turns-'));
  try {
    const book = await Casebook.open(join(dir, 'turns.db'));
    const caseId = await openCase(book);
    let calls = 0;
    let immediateAt = -1;
    let timeoutAt = -1;
    for (; calls < 2000; calls++) {
      if (calls === 100) {
        // Well into a run of calls that each follow the last one's answer at once.
        setImmediate(() => (immediateAt = calls - 100));
        setTimeout(() => (timeoutAt = calls - 100), 0);
      }
      await book.addNote(manager, caseId, { text: `Note ${calls}` });
    }
    // A commit takes tens of microseconds, so a millisecond is a few dozen calls; 200
    // leaves room for a slow machine (and with polling off every answer turns the loop).
    assert.ok(immediateAt >= 0 && immediateAt < 200, `setImmediate ran after call ${immediateAt}`);
    assert.ok(timeoutAt >= 0 && timeoutAt < 200, `setTimeout(0) ran after call ${timeoutAt}`);
    await book.shutdown();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing batch stores nothing', async () => {
  const { book } = freshBook();
  const items = batch(3);
  items.push({ case_id: caseId(1), command: { type: 'activate_plan' } });
  await assert.rejects(book.executeBatch(manager, items), { code: 'invalid_transition' });
  assert.deepEqual((await book.list(admin, {})).items, []);
  assert.deepEqual(await book.readLog(0, 10), []);
  const ok = await book.executeBatch(manager, batch(2));
  assert.equal(ok.length, 24);
  assert.equal((await book.list(admin, {})).items.length, 2);
  await book.shutdown();
});

test('a large batch crosses in parts and still answers, fails and rolls back as one', async () => {
  const { book } = freshBook();
  // 60 cases x 12 items: more than one part (512 items) of the way to the worker.
  const items = batch(60);
  assert.ok(items.length > 700, 'item 700 lies in the second part');
  // A malformed item in the last part is named by its place in the whole batch.
  const bad = structuredClone(items);
  bad[700] = { case_id: caseId(58), command: { type: 'add_note', text: 5 } };
  await assert.rejects(book.executeBatch(manager, bad), { code: 'validation', field: 'items[700].command.text' });
  // Refused by the core rather than by decoding (an empty note): named the same way.
  bad[700] = { case_id: caseId(58), command: { type: 'add_note', text: ' ' } };
  await assert.rejects(book.executeBatch(manager, bad), { code: 'validation', field: 'items[700].command.text' });
  // ... and one in the first part by its own.
  bad[700] = items[700];
  bad[3] = { case_id: caseId(0), command: { type: 'add_note', text: 5 } };
  await assert.rejects(book.executeBatch(manager, bad), { code: 'validation', field: 'items[3].command.text' });
  // A part that cannot be encoded fails the call after earlier parts went: nothing stays.
  bad[3] = items[3];
  bad[650] = { case_id: caseId(54), command: { type: 'add_note', text: 1n } };
  await assert.rejects(book.executeBatch(manager, bad), { code: 'validation', field: 'items' });
  // The whole batch, right after (its parts follow the abandoned ones on the worker), in
  // order: every item answered for its own case and version.
  const done = await book.executeBatch(manager, items);
  assert.equal(done.length, items.length);
  done.forEach((c, i) => {
    assert.equal(c.case_id, caseId(Math.floor(i / 12)), `item ${i}`);
    assert.equal(c.version, (i % 12) + 1, `item ${i}`);
  });
  assert.equal((await book.readLog(0, 2000)).length, items.length);
  assert.equal((await book.list(admin, { limit: 100 })).items.length, 60);
  await book.shutdown();
});

test('executeBatchSummary answers an import with what it wrote and where, and is all or nothing', async () => {
  const { book } = freshBook();
  const first = await book.executeBatch(manager, batch(1, 500));
  const items = batch(60);
  const bad = [...items, { case_id: caseId(59), command: { type: 'activate_plan' } }];
  await assert.rejects(book.executeBatchSummary(manager, bad), { code: 'invalid_transition' });
  assert.equal((await book.readLog(0, 2000)).length, first.length, 'nothing of the refused import stayed');
  await assert.rejects(book.executeBatchSummary(manager, 'items'), { code: 'validation', field: 'items' });
  // 720 items: the import crosses in parts, as executeBatch does.
  const summary = await book.executeBatchSummary(manager, items);
  const log = (await book.readLog(0, 2000)).slice(first.length);
  assert.deepEqual(summary, {
    commands: items.length,
    events: log.length,
    cases: 60,
    first_position: log[0].position,
    last_position: log.at(-1).position,
  });
  assert.ok(log.length >= items.length);
  assert.equal((await book.get(manager, caseId(59))).version, 12);
  await book.shutdown();
});

test('an answer handed to the dispatcher is not overtaken by a later one when polling starts again', async () => {
  // Below the JavaScript layer: call 1 is answered while nobody polls (its answer waits
  // for the loop, in the dispatcher's queue); then polling starts and call 2 is answered.
  // Draining must not hand over call 2 before call 1.
  const order = [];
  let settled;
  const both = new Promise((resolve) => (settled = resolve));
  const book = new native.NativeCasebook('{"store":"memory"}', null, (tag, id, text) => {
    if (tag === 0 || tag === 1) order.push(id);
    if (order.length === 2) settled();
  });
  const actor = JSON.stringify({ id: 'a', roles: ['admin'] });
  const open = (n) => JSON.stringify([{ command: { type: 'open_case', case_id: caseId(950 + n), program: 'p', client: { name: `O${n}` } } }]);
  const busy = (ms) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  assert.equal(book.executeBatch(1, actor, open(1), false, false), null);
  busy(50); // the worker answers call 1 meanwhile; the loop cannot deliver it yet
  book.startPolling();
  assert.equal(book.executeBatch(2, actor, open(2), false, false), null);
  busy(50);
  const drained = book.drain(1000) ?? [];
  for (const [tag, id] of drained) if (tag === 0 || tag === 1) order.push(id);
  book.stopPolling();
  if (order.length < 2) await both;
  assert.deepEqual(order, [1, 2]);
  book.close(3);
});

test('polling switched on and off around worker calls loses no answer and keeps their order', async () => {
  // Below the JavaScript layer: each call is answered into the mailbox (taken by the
  // drain that stops polling), through the dispatcher, or into the mailbox as polling
  // stops (the dispatcher then brings a Wake); the random waits reach all three, though
  // a message landing just after that last drain, which only the Wake delivers, comes
  // rarely. Each answer is awaited before the next call: nothing else would drain it.
  const seen = [];
  const waiters = new Map();
  let book;
  const got = (id) => {
    seen.push(id);
    waiters.get(id)?.();
  };
  const take = (messages) => {
    for (const [tag, id] of messages ?? []) if (tag === 0 || tag === 1) got(id);
  };
  book = new native.NativeCasebook('{"store":"memory"}', null, (tag, id) => {
    if (tag === 3) take(book.drain());
    else if (tag === 0 || tag === 1) got(id);
  });
  const actor = JSON.stringify({ id: 'a', roles: ['admin'] });
  const calls = 2000;
  try {
    for (let id = 1; id <= calls; id++) {
      const item = { command: { type: 'open_case', case_id: caseId(20000 + id), program: 'p', client: { name: `S${id}` } } };
      book.startPolling();
      assert.equal(book.executeBatch(id, actor, JSON.stringify([item]), false, false), null);
      const until = performance.now() + Math.random() * 0.1;
      while (performance.now() < until);
      take(book.stopPolling());
      if (!seen.includes(id)) {
        // A lost answer would never come: wait a second at most.
        let timer;
        await Promise.race([
          new Promise((resolve) => waiters.set(id, resolve)),
          new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
        ]);
        clearTimeout(timer);
        assert.ok(seen.includes(id), `call ${id} was never answered`);
      }
    }
    assert.deepEqual(seen, Array.from({ length: calls }, (_, k) => k + 1), 'every call answered once, in order');
  } finally {
    // Also on failure: an answer left waiting would keep the process alive.
    book.close(calls + 1);
    book.drain();
  }
});

test('the native parts protocol: parts then the last piece make one batch, named by place in the whole', async () => {
  // Below the JavaScript layer, which decides where a batch is cut: this pins what the
  // worker does with parts whatever the part size.
  const answers = new Map();
  const waiters = new Map();
  const book = new native.NativeCasebook('{"store":"memory"}', null, (tag, id, text) => {
    answers.set(id, { tag, text });
    waiters.get(id)?.();
  });
  const answer = (id) => (answers.has(id) ? Promise.resolve(answers.get(id)) : new Promise((r) => waiters.set(id, () => r(answers.get(id)))));
  const actor = JSON.stringify({ id: 'a', roles: ['admin'] });
  const open = (n) => ({ command: { type: 'open_case', case_id: caseId(900 + n), program: 'p', client: { name: `P${n}` } } });
  const items = Array.from({ length: 6 }, (_, n) => open(n));
  const json = (from, to) => JSON.stringify(items.slice(from, to));
  // Two parts and a last piece: six cases, in item order.
  book.executeBatchPart(7, json(0, 2));
  book.executeBatchPart(7, json(2, 4));
  assert.equal(book.executeBatch(7, actor, json(4, 6), true, false), null);
  const done = await answer(7);
  assert.equal(done.tag, 0, done.text);
  assert.deepEqual(JSON.parse(done.text).map((h) => h[0]), items.map((i) => i.command.case_id));
  // A malformed item in the second part: named by its place in the whole batch.
  const bad = items.map((i, n) => ({ command: { ...i.command, case_id: caseId(910 + n) } }));
  bad[3] = { command: { type: 'open_case', program: 'p', client: { name: 5 } } };
  book.executeBatchPart(8, JSON.stringify(bad.slice(0, 2)));
  book.executeBatchPart(8, JSON.stringify(bad.slice(2, 4)));
  book.executeBatch(8, actor, JSON.stringify(bad.slice(4, 6)), true, false);
  const refused = await answer(8);
  assert.equal(refused.tag, 1);
  assert.equal(JSON.parse(refused.text).field, 'items[3].command.client.name');
  // A last piece announcing parts that never came: refused, nothing stored.
  book.executeBatch(9, actor, JSON.stringify([open(20)]), true, false);
  const lost = await answer(9);
  assert.equal(lost.tag, 1);
  assert.equal(JSON.parse(lost.text).code, 'storage');
  book.close(10);
  await answer(10);
});

test('many in-flight promises on one casebook all settle, in call order', async () => {
  const { book } = freshBook();
  const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => openCase(book, `Client ${i}`)));
  assert.equal(new Set(ids).size, 40);
  const order = [];
  const calls = [];
  for (let round = 0; round < 25; round++) {
    for (const [i, id] of ids.entries()) {
      const n = calls.length;
      let p;
      if ((round + i) % 7 === 0) p = book.get(manager, id);
      else if ((round + i) % 11 === 0) p = book.addNote(manager, id, { text: 'stale' }, { expectedVersion: 1 });
      else if ((round + i) % 13 === 0) p = book.activatePlan(manager, id);
      else p = book.addNote(manager, id, { text: `round ${round}` });
      calls.push(p.then((v) => (order.push(n), { ok: true, v }), (e) => (order.push(n), { ok: false, e })));
    }
  }
  const results = await Promise.all(calls);
  assert.equal(results.length, 1000);
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'promises settle in the order the calls were made');
  const failures = results.filter((r) => !r.ok);
  for (const f of failures) assert.ok(['conflict', 'invalid_transition'].includes(f.e.code), f.e.code);
  const notes = results.filter((r) => r.ok && r.v.events);
  for (const id of ids) {
    const view = await book.get(manager, id);
    const mine = notes.filter((r) => r.v.case_id === id);
    assert.equal(view.version, 1 + mine.length, 'every successful command and nothing else reached the case');
    assert.equal(view.notes.length, mine.length);
    assert.deepEqual(mine.map((r) => r.v.version), mine.map((_, k) => k + 2), 'versions follow call order');
  }
  await book.shutdown();
});

test('several casebooks work side by side', async () => {
  const books = Array.from({ length: 4 }, () => Casebook.inMemory({ ids: 'sequential' }));
  const results = await Promise.all(books.map(async (b, i) => {
    const ids = [];
    for (let k = 0; k < 20; k++) ids.push((await b.openCase(intake, { program: 'housing', client: { name: `B${i}-${k}` } })).case_id);
    return ids;
  }));
  for (const ids of results) assert.equal(ids[0], '00000000-0000-7000-8000-000000000001', 'each book has its own id sequence');
  await Promise.all(books.map((b) => b.shutdown()));
});
