// Errors are Error objects with a stable code (DESIGN.md) and, for validation, the field.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Casebook, CaseKitError, ERROR_CODES } from '../index.mjs';
import { auditor, freshBook, intake, manager, openCase } from './support/fixtures.mjs';

async function codeOf(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error, 'an Error');
    assert.ok(err instanceof CaseKitError, 'a CaseKitError');
    assert.ok(ERROR_CODES.includes(err.code), `stable code, got ${err.code}`);
    assert.equal(typeof err.message, 'string');
    return err;
  }
  assert.fail('expected a rejection');
}

test('the codes are exactly those of DESIGN.md', () => {
  assert.deepEqual([...ERROR_CODES], ['not_found', 'invalid_transition', 'validation', 'permission_denied', 'conflict', 'storage', 'integrity']);
});

test('not_found: unknown case, unknown record', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const missing = '00000000-0000-7000-8000-0000000fffff';
  assert.equal((await codeOf(book.get(manager, missing))).code, 'not_found');
  assert.equal((await codeOf(book.addNote(manager, missing, { text: 'x' }))).code, 'not_found');
  assert.equal((await codeOf(book.history(manager, missing))).code, 'not_found');
  assert.equal((await codeOf(book.verify(manager, missing))).code, 'not_found');
  const err = await codeOf(book.completeTask(intake, id, { task_id: missing }));
  assert.ok(['not_found', 'validation'].includes(err.code));
  await book.shutdown();
});

test('invalid_transition: a command the phase does not allow', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const err = await codeOf(book.activatePlan(intake, id));
  assert.equal(err.code, 'invalid_transition');
  assert.equal(err.field, undefined);
  await book.shutdown();
});

test('validation: names the field, for core rules and for malformed input alike', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  let err = await codeOf(book.openCase(intake, { program: 'housing', client: { name: '' } }));
  assert.equal(err.code, 'validation');
  assert.equal(err.field, 'client.name');
  err = await codeOf(book.openCase(intake, { program: 'housing', client: { name: 'A', household_size: -2 } }));
  assert.deepEqual([err.code, err.field], ['validation', 'client.household_size']);
  err = await codeOf(book.completeIntake(intake, id, {}));
  assert.deepEqual([err.code, err.field], ['validation', 'eligible']);
  err = await codeOf(book.completeIntake(intake, id, { eligible: true, colour: 'red' }));
  assert.deepEqual([err.code, err.field], ['validation', 'colour']);
  err = await codeOf(book.completeIntake(intake, id, { eligible: true, immediate_needs: [{ category: 'food' }, { description: 'x' }] }));
  assert.deepEqual([err.code, err.field], ['validation', 'immediate_needs[1].category']);
  err = await codeOf(book.setPriority(intake, id, { priority: 'asap' }));
  assert.deepEqual([err.code, err.field], ['validation', 'priority']);
  err = await codeOf(book.execute(intake, id, { type: 'teleport' }));
  assert.deepEqual([err.code, err.field], ['validation', 'type']);
  err = await codeOf(book.list(manager, { limit: 0 }));
  assert.deepEqual([err.code, err.field], ['validation', 'limit']);
  err = await codeOf(book.list(manager, { colour: 'red' }));
  assert.deepEqual([err.code, err.field], ['validation', 'colour']);
  err = await codeOf(book.addNote(intake, 'not-a-uuid', { text: 'x' }));
  assert.deepEqual([err.code, err.field], ['validation', 'case_id']);
  err = await codeOf(book.addNote(intake, null, { text: 'x' }));
  assert.deepEqual([err.code, err.field], ['validation', 'case_id']);
  err = await codeOf(book.addNote({ id: 'x', roles: ['wizard'] }, id, { text: 'x' }));
  assert.deepEqual([err.code, err.field], ['validation', 'actor.roles[0]']);
  assert.ok(!err.message.includes('wizard'), 'messages do not echo input values');
  err = await codeOf(book.addNote(intake, id, { text: 'x' }, { expectedVersion: -1 }));
  assert.deepEqual([err.code, err.field], ['validation', 'expected_version']);
  await book.shutdown();
});

test('validation messages do not echo what the caller sent', async () => {
  const { book } = freshBook();
  const err = await codeOf(book.openCase(intake, { program: 'housing', client: { name: 'Ada', household_size: 'Ada Lovelace, 12 Secret Lane' } }));
  assert.equal(err.field, 'client.household_size');
  assert.ok(!err.message.includes('Secret Lane'), err.message);
  await book.shutdown();
});

test('permission_denied: auditors never write; other programs are out of reach', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  assert.equal((await codeOf(book.addNote(auditor, id, { text: 'x' }))).code, 'permission_denied');
  const stranger = { id: 'zoe', roles: ['case_manager'], programs: ['legal'] };
  assert.equal((await codeOf(book.get(stranger, id))).code, 'permission_denied');
  assert.equal((await codeOf(book.openCase(stranger, { program: 'housing', client: { name: 'A' } }))).code, 'permission_denied');
  await book.shutdown();
});

test('conflict: a stale expectedVersion, with both versions on the error', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  await book.addNote(intake, id, { text: 'first' }, { expectedVersion: 1 });
  const err = await codeOf(book.addNote(intake, id, { text: 'second' }, { expectedVersion: 1 }));
  assert.equal(err.code, 'conflict');
  assert.equal(err.caseId, id);
  assert.equal(err.expectedVersion, 1);
  assert.equal(err.actualVersion, 2);
  await book.shutdown();
});

test('storage: calls after shutdown reject, and nothing throws synchronously', async () => {
  const book = Casebook.inMemory();
  await book.shutdown();
  const p = book.get(manager, '00000000-0000-7000-8000-000000000001');
  assert.ok(p instanceof Promise);
  assert.equal((await codeOf(p)).code, 'storage');
  assert.equal((await codeOf(book.openCase(intake, { program: 'housing', client: { name: 'A' } }))).code, 'storage');
  assert.throws(() => book.subscribe(() => {}), { code: 'storage' });
  await book.shutdown();
});

test('a refused command changes nothing', async () => {
  const { book } = freshBook();
  const id = await openCase(book);
  const before = await book.get(manager, id);
  await codeOf(book.activatePlan(intake, id));
  await codeOf(book.addNote(auditor, id, { text: 'x' }));
  await codeOf(book.completeIntake(intake, id, { eligible: 'yes' }));
  assert.deepEqual(await book.get(manager, id), before);
  await book.shutdown();
});
