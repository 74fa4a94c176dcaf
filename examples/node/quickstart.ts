// The quickstart's core, typed: `tsc --strict` checks it against the package's
// definitions (bindings-node/tsconfig.json), so the typings stay honest.

import { Casebook, CaseKitError, ManualClock } from 'casekit';
import type { Actor, BatchItem, BatchSummary, CaseSummary, CaseView, Committed, Page, RecordedEvent } from 'casekit';

const iris: Actor = { id: 'iris', roles: ['intake_worker'], programs: ['housing'] };
const maya: Actor = { id: 'maya', roles: ['case_manager'], programs: ['housing'] };

export async function main(): Promise<void> {
  const clock = new ManualClock('2026-01-05T09:00:00Z');
  const book: Casebook = Casebook.inMemory({ clock, ids: 'sequential' });

  const events: RecordedEvent[] = [];
  const subscription: number = book.subscribe((e) => events.push(e));

  const opened: Committed = await book.openCase(iris, {
    program: 'housing',
    client: { name: 'Dolores Ortega', household_size: 3 },
    assign_to: 'maya',
  });
  const id: string = opened.case_id;
  clock.advance(3600);
  await book.completeIntake(iris, id, { eligible: true }, { expectedVersion: opened.version });
  await book.recordAssessment(maya, id, { instrument: { id: 'ssm', version: '2.0' }, responses: { housing: 1 } });
  await book.completeAssessment(maya, id);
  const goal = await book.addGoal(maya, id, { description: 'Stable housing', domain: 'housing' });
  await book.addTask(maya, id, { title: 'Call landlord', due: new Date('2026-01-09T12:00:00Z') });
  await book.activatePlan(maya, id);
  if (goal.created_id !== null) {
    await book.evaluateGoals(maya, id, { evaluations: [{ goal_id: goal.created_id, status: 'achieved' }] });
  }

  try {
    await book.reopen(maya, id, { reason: 'not closed yet' });
  } catch (err) {
    if (err instanceof CaseKitError) {
      const code: 'not_found' | 'invalid_transition' | 'validation' | 'permission_denied' | 'conflict' | 'storage' | 'integrity' = err.code;
      console.log(`refused: ${code}${err.field !== undefined ? ` (${err.field})` : ''}`);
    }
  }

  // An import: a legacy case under an id chosen up front, in one transaction.
  const legacy = '0190f1c2-0000-7000-8000-000000000001';
  const items: BatchItem[] = [
    { command: { type: 'open_case', case_id: legacy, program: 'housing', client: { name: 'Imported client' } } },
    { case_id: legacy, command: { type: 'complete_intake', eligible: true }, expected_version: 1 },
  ];
  const imported: Committed[] = await book.executeBatch(iris, items);
  // A larger import needs no answer per command: a summary of what it wrote.
  const more: BatchItem[] = [2, 3, 4].map((n) => ({
    command: { type: 'open_case', case_id: `0190f1c2-0000-7000-8000-00000000000${n}`, program: 'housing', client: { name: `Client ${n}` } },
  }));
  const summary: BatchSummary = await book.executeBatchSummary(iris, more);
  const lastPosition: number | null = summary.last_position;

  const view: CaseView = await book.get(maya, id);
  const page: Page<CaseSummary> = await book.list(maya, { phase: 'active', limit: 10 });
  for (const e of await book.history(maya, id)) {
    // The event union narrows on `type`.
    if (e.event.type === 'task_added') console.log(`task: ${e.event.title}, due ${e.event.due ?? 'never'}`);
  }
  console.log(`${view.client.name}: ${view.phase}, ${page.items.length} active case(s), ${events.length} events, ${imported.length + summary.commands} imported (log up to ${lastPosition})`);
  book.unsubscribe(subscription);
  await book.shutdown();
}
