// Actors and helpers shared by the tests.
import { Casebook, ManualClock } from '../../index.mjs';

export const intake = { id: 'iris', roles: ['intake_worker'], programs: ['housing'] };
export const manager = { id: 'maya', roles: ['case_manager'], programs: ['housing'] };
export const supervisor = { id: 'sam', roles: ['supervisor'], programs: ['housing'] };
export const auditor = { id: 'ava', roles: ['auditor'], programs: ['housing'] };
export const admin = { id: 'root', roles: ['admin'], programs: [] };

/** A fresh in-memory casebook with a manual clock and sequential ids. */
export function freshBook(start = '2026-01-05T09:00:00Z') {
  const clock = new ManualClock(start);
  return { book: Casebook.inMemory({ clock, ids: 'sequential' }), clock };
}

/** Opens a case assigned to maya and returns its id. */
export async function openCase(book, name = 'Dolores Ortega') {
  const c = await book.openCase(intake, { program: 'housing', client: { name }, assign_to: 'maya' });
  return c.case_id;
}

/** Drives a case to the active phase; returns { caseId, goalId }. */
export async function activeCase(book, name) {
  const caseId = await openCase(book, name);
  await book.completeIntake(intake, caseId, { eligible: true, immediate_needs: [{ category: 'food' }] });
  await book.recordAssessment(manager, caseId, { instrument: { id: 'ssm', version: '1' }, responses: { housing: 2 } });
  await book.completeAssessment(manager, caseId);
  const goal = await book.addGoal(manager, caseId, { description: 'Stable housing', domain: 'housing' });
  await book.activatePlan(manager, caseId);
  return { caseId, goalId: goal.created_id };
}
