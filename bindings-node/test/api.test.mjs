// The public surface: both entry points, a method per command, the typings in step with
// the addon, and a realistic lifecycle through the typed methods.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esm from '../index.mjs';
import { Casebook, COMMAND_TYPES, ERROR_CODES, ManualClock, methodName } from '../index.mjs';
import { activeCase, admin, auditor, freshBook, intake, manager, openCase, supervisor } from './support/fixtures.mjs';
import { jsonDiff, subsetMismatch } from './support/scenario.mjs';

const require = createRequire(import.meta.url);
const cjs = require('../index.js');
const native = require('../native.cjs');

test('CommonJS and ES module entry points expose the same objects', () => {
  for (const name of ['Casebook', 'ManualClock', 'CaseKitError', 'ERROR_CODES', 'COMMAND_TYPES', 'methodName']) {
    assert.ok(cjs[name] !== undefined, `CommonJS exports ${name}`);
    assert.equal(esm[name], cjs[name], `${name} is the same object in both`);
  }
  assert.equal(esm.default, cjs);
});

test('every core command has its camelCase method, and nothing else is missing', () => {
  assert.deepEqual([...COMMAND_TYPES], native.commandKinds());
  assert.equal(COMMAND_TYPES.length, 33);
  for (const type of COMMAND_TYPES) {
    const method = methodName(type);
    assert.match(method, /^[a-z][A-Za-z]*$/);
    assert.equal(typeof Casebook.prototype[method], 'function', `Casebook.prototype.${method}`);
  }
  for (const m of ['execute', 'executeBatch', 'executeBatchSummary', 'get', 'list', 'history', 'verify', 'readLog', 'subscribe', 'unsubscribe', 'registerProgram', 'attachDocument', 'documentContent', 'shutdown']) {
    assert.equal(typeof Casebook.prototype[m], 'function', m);
  }
});

test('the committed TypeScript definitions declare every command and error code', () => {
  const dts = readFileSync(new URL('../lib/index.d.ts', import.meta.url), 'utf8');
  const types = readFileSync(new URL('../lib/types.d.ts', import.meta.url), 'utf8');
  const errors = readFileSync(new URL('../lib/errors.d.ts', import.meta.url), 'utf8');
  for (const type of COMMAND_TYPES) {
    assert.match(dts, new RegExp(`\\b${methodName(type)}\\(actor: Actor`), `index.d.ts declares ${methodName(type)}`);
    assert.match(types, new RegExp(`\\b${type}: [A-Z][A-Za-z]*Input;`), `types.d.ts has the input of ${type}`);
  }
  assert.deepEqual([...ERROR_CODES], native.errorCodes());
  for (const code of ERROR_CODES) assert.ok(errors.includes(`"${code}"`), `errors.d.ts lists ${code}`);
});

test('the scenario matchers are not vacuous', () => {
  assert.equal(subsetMismatch({ a: 1 }, { a: 1, b: 2 }), null);
  assert.notEqual(subsetMismatch({ a: 1 }, { a: 2 }), null);
  assert.notEqual(subsetMismatch([{}], []), null);
  assert.equal(subsetMismatch({ hold: null }, {}), null);
  assert.equal(jsonDiff({ a: [1, { b: null }] }, { a: [1, {}] }), null);
  assert.notEqual(jsonDiff({ a: [1, 2] }, { a: [1, 3] }), null);
  assert.notEqual(jsonDiff({ a: 1 }, { a: 1, b: 1 }), null);
});

test('a case goes from intake to closure through the typed methods', async () => {
  const { book, clock } = freshBook();
  const opened = await book.openCase(intake, {
    program: 'housing',
    client: { name: 'Dolores Ortega', date_of_birth: '1978-04-12', household_size: 3 },
    priority: 'high',
    tags: ['family'],
    assign_to: 'maya',
  });
  assert.equal(opened.phase, 'intake');
  assert.equal(opened.version, 1);
  assert.equal(opened.created_id, opened.case_id);
  assert.equal(opened.events[0].event.type, 'case_opened');
  assert.equal(opened.events[0].recorded_at, '2026-01-05T09:00:00Z');
  const id = opened.case_id;
  clock.advance(60);
  const intakeDone = await book.completeIntake(intake, id, { eligible: true, immediate_needs: [{ category: 'food', description: 'Pantry referral' }] }, { expectedVersion: 1 });
  assert.equal(intakeDone.phase, 'assessment');
  await book.recordAssessment(manager, id, { instrument: { id: 'ssm', version: '2.0' }, responses: { housing: 1, income: 2 }, scores: { total: 3 } });
  assert.equal((await book.completeAssessment(manager, id, { summary: 'Housing first' })).phase, 'planning');
  const goal = await book.addGoal(manager, id, { description: 'Keep the apartment', domain: 'housing', measure: { name: 'months housed', target: 6, direction: 'increase' }, due: '2026-07-01' });
  const service = await book.addService(manager, id, { name: 'Rental assistance', provider: 'City', goal_id: goal.created_id, start: '2026-01-10' });
  const task = await book.addTask(manager, id, { title: 'Call landlord', due: new Date('2026-01-09T12:00:00Z') });
  assert.equal((await book.activatePlan(manager, id)).phase, 'active');
  clock.set('2026-03-02T10:00:00Z');
  await book.recordServiceDelivery(manager, id, { service_id: service.created_id, delivered_on: '2026-01-15', units: 1 });
  await book.recordOutcome(manager, id, { goal_id: goal.created_id, value: 2, measured_on: '2026-03-01' });
  await book.completeTask(manager, id, { task_id: task.created_id });
  await book.evaluateGoals(manager, id, { evaluations: [{ goal_id: goal.created_id, status: 'achieved' }] });
  const closed = await book.close(manager, id, { reason: 'goals_achieved', summary: 'Housed and stable' });
  assert.equal(closed.phase, 'closed');

  const view = await book.get(supervisor, id);
  assert.equal(view.phase, 'closed');
  assert.equal(view.client.name, 'Dolores Ortega');
  assert.equal(view.tasks[0].due, '2026-01-09T12:00:00Z', 'a Date input is stored as its UTC time');
  assert.equal(view.goals[0].status, 'achieved');
  assert.equal(view.closure.reason, 'goals_achieved');
  const history = await book.history(supervisor, id);
  assert.equal(history.length, view.version);
  assert.deepEqual(history.map((e) => e.sequence), history.map((_, i) => i + 1));
  const report = await book.verify(auditor, id);
  assert.equal(report.valid, true);
  assert.equal(report.events_checked, view.version);
  assert.equal(report.head_hash, view.head_hash);
  await book.shutdown();
});

test('every command runs through its typed method', async () => {
  const { book, clock } = freshBook();
  const { caseId, goalId } = await activeCase(book);
  const run = (m, actor, input) => book[m](actor, caseId, input);
  await run('updateClient', manager, { changes: { phone: '+1-555-0100', consents: [{ scope: 'sms', granted: true }] } });
  await run('assignWorker', supervisor, { worker: 'mo', role: 'secondary' });
  await run('unassignWorker', supervisor, { worker: 'mo' });
  const note = await run('addNote', manager, { text: 'Home visit done', kind: 'contact', confidential: true });
  assert.equal(note.events[0].event.type, 'note_added');
  await run('attachDocument', manager, { name: 'lease.pdf', media_type: 'application/pdf', sha256: 'a'.repeat(64), size_bytes: 10 });
  const referral = await run('referOut', manager, { organization: 'Food bank', reason: 'Groceries' });
  await run('updateReferral', manager, { referral_id: referral.created_id, status: 'accepted' });
  const task = await run('addTask', manager, { title: 'Follow up' });
  await run('reassignTask', manager, { task_id: task.created_id, assignee: 'maya' });
  await run('setTaskDue', manager, { task_id: task.created_id, due: '2026-02-01T10:00:00Z' });
  await run('setTaskDue', manager, { task_id: task.created_id, due: null });
  await run('cancelTask', manager, { task_id: task.created_id, reason: 'Not needed' });
  const task2 = await run('addTask', manager, { title: 'Second' });
  await run('completeTask', manager, { task_id: task2.created_id });
  await run('setPriority', manager, { priority: 'urgent' });
  await run('addTag', manager, { tag: 'vip' });
  await run('removeTag', manager, { tag: 'vip' });
  await run('placeOnHold', manager, { reason: 'Hospital stay', until: new Date('2026-02-01T00:00:00Z') });
  await run('resume', manager);
  await run('setCustomFields', manager, { values: { caseworker_code: 'A7' } });
  const service = await run('addService', manager, { name: 'Counseling', provider: 'Clinic' });
  await run('setServiceStatus', manager, { service_id: service.created_id, status: 'discontinued', reason: 'Moved' });
  clock.set('2026-02-02T09:00:00Z');
  await run('recordOutcome', manager, { goal_id: goalId, value: 1, measured_on: '2026-02-01' });
  await run('evaluateGoals', manager, { evaluations: [{ goal_id: goalId, status: 'in_progress' }] });
  await run('startReassessment', manager, { reason: 'New job' });
  await run('recordAssessment', manager, { instrument: { id: 'ssm', version: '1' }, responses: { housing: 3 } });
  await run('completeAssessment', manager, {});
  await run('transfer', supervisor, { to_worker: 'maya', reason: 'Load balancing' });
  await run('close', supervisor, { reason: 'client_withdrew', summary: 'Moved away' });
  await run('reopen', supervisor, { reason: 'Came back' });
  const view = await book.get(supervisor, caseId);
  assert.equal(view.phase, 'assessment');
  assert.equal(view.reopened_count, 1);
  const types = new Set((await book.history(supervisor, caseId)).map((e) => e.event.type));
  assert.ok(types.size >= 30, `saw ${types.size} event types`);
  await book.shutdown();
});

test('execute takes any command as data', async () => {
  const { book } = freshBook();
  const opened = await book.execute(intake, null, { type: 'open_case', program: 'housing', client: { name: 'A' } });
  const done = await book.execute(intake, opened.case_id, { type: 'complete_intake', eligible: true }, { expectedVersion: 1 });
  assert.equal(done.phase, 'assessment');
  await book.shutdown();
});

test('list filters and pages with a keyset cursor', async () => {
  const { book } = freshBook();
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await openCase(book, `Client ${i}`));
  await book.addTag(intake, ids[1], { tag: 'urgent-review' });
  const first = await book.list(supervisor, { limit: 2 });
  assert.deepEqual(first.items.map((s) => s.case_id), ids.slice(0, 2));
  assert.equal(first.next_cursor, ids[1]);
  const second = await book.list(supervisor, { limit: 2, after: first.next_cursor });
  assert.deepEqual(second.items.map((s) => s.case_id), ids.slice(2, 4));
  const last = await book.list(supervisor, { limit: 2, after: second.next_cursor });
  assert.deepEqual(last.items.map((s) => s.case_id), ids.slice(4));
  assert.equal(last.next_cursor, null);
  const tagged = await book.list(supervisor, { tag: 'urgent-review' });
  assert.deepEqual(tagged.items.map((s) => s.case_id), [ids[1]]);
  const none = await book.list({ id: 'x', roles: ['case_manager'], programs: ['other'] }, {});
  assert.deepEqual(none, { items: [], next_cursor: null });
  const opened = await book.list(admin, { opened_from: new Date('2026-01-01T00:00:00Z'), phase: 'intake' });
  assert.equal(opened.items.length, 5);
  await book.shutdown();
});

test('documents: bytes in, the same bytes out, metadata on the case', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const bytes = Buffer.from('%PDF-1.7 lease agreement');
  const attached = await book.attachDocument(intake, id, { name: 'lease.pdf', media_type: 'application/pdf', content: bytes, category: 'housing' });
  const ev = attached.events[0].event;
  assert.equal(ev.type, 'document_attached');
  assert.equal(ev.size_bytes, bytes.length);
  assert.match(ev.sha256, /^[0-9a-f]{64}$/);
  const back = await book.documentContent(intake, id, attached.created_id);
  assert.ok(Buffer.isBuffer(back));
  assert.deepEqual(back, bytes);
  const fromText = await book.attachDocument(intake, id, { name: 'note.txt', media_type: 'text/plain', content: 'héllo' });
  assert.equal((await book.documentContent(intake, id, fromText.created_id)).toString('utf8'), 'héllo');
  const u8 = new Uint8Array([0, 1, 2, 255]);
  const fromU8 = await book.attachDocument(intake, id, { name: 'b.bin', media_type: 'application/octet-stream', content: u8 });
  assert.deepEqual([...(await book.documentContent(intake, id, fromU8.created_id))], [0, 1, 2, 255]);
  await assert.rejects(book.documentContent(intake, id, '00000000-0000-7000-8000-00000000ffff'), { code: 'not_found' });
  await book.shutdown();
});

test('readLog returns the global log in order, after a position', async () => {
  const { book } = freshBook();
  await openCase(book, 'A');
  await openCase(book, 'B');
  const all = await book.readLog(0, 100);
  assert.deepEqual(all.map((e) => e.position), [1, 2]);
  const after = await book.readLog(1, 100);
  assert.deepEqual(after.map((e) => e.position), [2]);
  assert.deepEqual(await book.readLog(2), []);
  await book.shutdown();
});

test('registerProgram applies the program rules to later calls', async () => {
  const { book } = freshBook();
  await book.registerProgram({ id: 'housing', name: 'Housing', required_instruments: ['ssm'], custom_fields: [{ key: 'ward', kind: { type: 'choice', options: ['north', 'south'] }, required: true }] });
  await assert.rejects(book.openCase(intake, { program: 'housing', client: { name: 'A' } }), { code: 'validation', field: 'custom_fields.ward' });
  const c = await book.openCase(intake, { program: 'housing', client: { name: 'A' }, custom_fields: { ward: 'north' }, assign_to: 'maya' });
  await book.completeIntake(intake, c.case_id, { eligible: true });
  await assert.rejects(book.completeAssessment(manager, c.case_id), { code: 'invalid_transition' });
  await assert.rejects(book.registerProgram({ id: '' }), { code: 'validation', field: 'id' });
  await book.shutdown();
});

test('ManualClock moves only when told, and accepts Dates', () => {
  const clock = new ManualClock(new Date('2026-01-05T09:00:00Z'));
  assert.equal(clock.now(), '2026-01-05T09:00:00.000000Z');
  clock.advance(90.5);
  assert.equal(clock.now(), '2026-01-05T09:01:30.500000Z');
  clock.set('2025-12-31T23:59:59Z');
  assert.equal(clock.now(), '2025-12-31T23:59:59.000000Z');
  assert.throws(() => new ManualClock('yesterday'), { code: 'validation', field: 'start' });
  assert.throws(() => clock.advance(Number.NaN), { code: 'validation', field: 'seconds' });
  assert.throws(() => clock.advance(Infinity), { code: 'validation', field: 'seconds' });
  assert.throws(() => clock.set(new Date('nope')), { code: 'validation', field: 'at' });
});

test('random ids are UUIDv7 and the wall clock is used by default', async () => {
  const book = Casebook.inMemory();
  const before = Date.now();
  const c = await book.openCase(intake, { program: 'housing', client: { name: 'A' } });
  assert.match(c.case_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const at = Date.parse(c.events[0].recorded_at);
  assert.ok(at >= before - 1000 && at <= Date.now() + 1000);
  await book.shutdown();
});
