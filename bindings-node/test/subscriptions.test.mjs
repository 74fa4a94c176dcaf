// Subscriptions: JS callbacks on the JavaScript thread, in order, before the committing
// call's promise settles; a throwing callback is reported and changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Casebook } from '../index.mjs';
import { admin, freshBook, intake, manager, openCase } from './support/fixtures.mjs';

const INDEX = fileURLToPath(new URL('../index.mjs', import.meta.url));

test('subscribers see every committed event, in order, before the promise settles', async () => {
  const { book } = freshBook();
  const seen = [];
  const sub = book.subscribe((e) => seen.push(e));
  const id = await openCase(book);
  assert.equal(seen.length, 1, 'delivered before the openCase promise settled');
  await book.completeIntake(intake, id, { eligible: true });
  await book.addNote(manager, id, { text: 'hello' });
  await book.executeBatch(manager, [
    { case_id: id, command: { type: 'add_tag', tag: 'a' } },
    { case_id: id, command: { type: 'add_tag', tag: 'b' } },
  ]);
  assert.deepEqual(seen.map((e) => e.event.type), ['case_opened', 'intake_completed', 'note_added', 'tag_added', 'tag_added']);
  assert.deepEqual(seen.map((e) => e.sequence), [1, 2, 3, 4, 5]);
  assert.deepEqual(seen, await book.readLog(0, 100), 'the same events as the global log');
  await assert.rejects(book.activatePlan(manager, id));
  assert.equal(seen.length, 5, 'a refused command publishes nothing');
  assert.equal(book.unsubscribe(sub), true);
  assert.equal(book.unsubscribe(sub), false);
  await book.addNote(manager, id, { text: 'unseen' });
  assert.equal(seen.length, 5);
  await book.shutdown();
});

test('through the worker (a SQLite file), with many calls in flight, each call still sees its events first', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'casekit-node-subs-'));
  const book = await Casebook.open(join(dir, 'cases.db'));
  const seen = new Set();
  book.subscribe((e) => seen.add(`${e.case_id}/${e.sequence}`));
  const settledAfterItsEvent = (c) => {
    assert.ok(seen.has(`${c.case_id}/${c.version}`), `case ${c.case_id} v${c.version} settled before its event came`);
    return c;
  };
  // Answers and events come through the worker's mailbox (or its dispatcher), interleaved.
  const opened = await Promise.all(
    Array.from({ length: 12 }, (_, i) => book.openCase(intake, { program: 'housing', client: { name: `C${i}` }, assign_to: 'maya' }).then(settledAfterItsEvent)),
  );
  const notes = [];
  for (let round = 0; round < 5; round++) {
    for (const c of opened) notes.push(book.addNote(manager, c.case_id, { text: `round ${round}` }).then(settledAfterItsEvent));
  }
  await Promise.all(notes);
  const log = await book.readLog(0, 1000);
  assert.equal(log.length, 12 * 6);
  assert.deepEqual([...seen].sort(), log.map((e) => `${e.case_id}/${e.sequence}`).sort());
  await book.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

test('a throwing subscriber is reported as a warning and affects nothing', async () => {
  const { book } = freshBook();
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  const good = [];
  book.subscribe(() => {
    throw new Error('subscriber bug');
  });
  book.subscribe(async () => {
    throw new Error('async subscriber bug');
  });
  book.subscribe((e) => good.push(e.event.type));
  const id = await openCase(book);
  const note = await book.addNote(manager, id, { text: 'still stored' });
  assert.equal(note.version, 2);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.deepEqual(good, ['case_opened', 'note_added'], 'other subscribers still get every event');
  const mine = warnings.filter((w) => w.code === 'CASEKIT_SUBSCRIBER_ERROR');
  assert.equal(mine.length, 4, 'each throw reported once');
  assert.ok(mine.some((w) => w.message.includes('async subscriber bug')));
  const view = await book.get(manager, id);
  assert.equal(view.version, 2);
  assert.equal((await book.verify(admin, id)).valid, true);
  await book.shutdown();
});

test('subscriptions do not keep the process alive, pending calls do', () => {
  const script = `
    import { Casebook } from ${JSON.stringify(INDEX)};
    const book = Casebook.inMemory();
    book.subscribe(() => {});
    const actor = { id: 'a', roles: ['admin'] };
    const items = [];
    for (let i = 0; i < 2000; i++) items.push({ command: { type: 'open_case', program: 'p', client: { name: 'x' + i } } });
    book.executeBatch(actor, items).then((r) => console.log('committed', r.length));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /committed 2000/, 'the process waited for the pending batch');
});
