// casekit quickstart: one family's case from intake to closure, on an embedded SQLite
// file, then the case's timeline from its audit trail.
//
//   node quickstart.mjs [path/to/cases.db]
//
// Run `npm run build` in bindings-node first (or bindings-node/scripts/test.sh).

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileSync, rmSync } from 'node:fs';
import { Casebook } from 'casekit';

const path = process.argv[2] ?? join(tmpdir(), 'casekit-quickstart.db');
for (const suffix of ['', '-wal', '-shm', '.backup']) rmSync(path + suffix, { force: true });

// casekit does not authenticate: the application does, and hands each call its actor.
const iris = { id: 'iris', roles: ['intake_worker'], programs: ['housing'] };
const maya = { id: 'maya', roles: ['case_manager'], programs: ['housing'] };
const sam = { id: 'sam', roles: ['supervisor'], programs: ['housing'] };

const book = await Casebook.open(path);
await book.registerProgram({ id: 'housing', name: 'Housing stability', required_instruments: ['ssm'] });

// Every event, as it is committed (an application would update a search index or send mail here).
let published = 0;
book.subscribe(() => published++);

// Intake: the intake worker opens the case and hands it to a case manager.
const opened = await book.openCase(iris, {
  program: 'housing',
  client: { name: 'Dolores Ortega', date_of_birth: '1978-04-12', household_size: 3, language: 'es' },
  priority: 'high',
  tags: ['eviction-risk'],
  assign_to: 'maya',
});
const id = opened.case_id;
await book.completeIntake(iris, id, {
  eligible: true,
  immediate_needs: [{ category: 'food', description: 'Pantry referral this week' }],
}, { expectedVersion: opened.version });

// Assessment: the program requires the self-sufficiency matrix before planning.
await book.recordAssessment(maya, id, {
  instrument: { id: 'ssm', version: '2.0' },
  responses: { housing: 1, income: 2, employment: 2 },
  scores: { total: 5 },
  bands: { total: 'in_crisis' },
  identified_needs: [{ domain: 'housing', description: 'Eviction notice, rent arrears', severity: 'high' }],
});
await book.completeAssessment(maya, id, { summary: 'Housing first, then income' });

// Planning: a measured goal, a service and a task, then the plan goes live.
const goal = await book.addGoal(maya, id, {
  description: 'Keep the apartment for six months',
  domain: 'housing',
  measure: { name: 'months housed', unit: 'months', baseline: 0, target: 6, direction: 'increase' },
});
await book.addService(maya, id, { name: 'Emergency rental assistance', provider: 'City housing fund', goal_id: goal.created_id });
await book.addTask(maya, id, { title: 'Call the landlord about a payment plan', assignee: 'maya' });
await book.activatePlan(maya, id);

// Monitoring: notes, an outcome, a confidential note only the team may read.
await book.addNote(maya, id, { text: 'Landlord agreed to a payment plan.', kind: 'contact' });
await book.addNote(maya, id, { text: 'Client disclosed a health issue.', kind: 'general', confidential: true });
const today = new Date().toISOString().slice(0, 10);
await book.recordOutcome(maya, id, { goal_id: goal.created_id, value: 6, measured_on: today });
await book.evaluateGoals(maya, id, { evaluations: [{ goal_id: goal.created_id, status: 'achieved' }] });

// Closure: open tasks are cancelled by the close, in the same transaction.
const closed = await book.close(sam, id, { reason: 'goals_achieved', summary: 'Housed, arrears cleared, stable income.' });

// A refused command is an Error with a stable code, and changes nothing.
try {
  await book.addNote(maya, id, { text: 'too late' });
} catch (err) {
  console.log(`refused as expected: ${err.code} — ${err.message}\n`);
}

// The timeline, from the audit trail.
const view = await book.get(sam, id);
console.log(`${view.client.name} — case ${id}`);
console.log(`phase ${view.phase}, version ${view.version}, ${view.goals.length} goal(s), ${view.notes.length} note(s)\n`);
for (const e of await book.history(sam, id)) {
  const at = e.recorded_at.replace('T', ' ').replace(/\.\d+/, '').replace('Z', '');
  console.log(`${String(e.sequence).padStart(3)}  ${at}  ${e.actor.padEnd(5)} ${e.event.type}`);
}
const report = await book.verify(sam, id);
console.log(`\naudit chain: ${report.valid ? 'intact' : 'BROKEN'} (${report.events_checked} events, head ${report.head_hash.slice(0, 12)}…)`);
console.log(`${published} events published to subscribers; closed as ${closed.phase}; data in ${path}`);

// Migrating records from an existing system: each old case's history becomes commands of
// one executeBatchSummary call (one transaction, all or nothing, answered with a summary:
// an import needs no answer per command). The cases keep ids chosen up
// front (here derived from the old system's references), so later commands of the batch
// refer to them. Large batches are written while later cases are still being checked;
// about a hundred cases a call suits the SQLite store. It runs as an account that may act
// in every phase: the supervisor.
const legacyId = (n) => `0190f1c2-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
const items = [];
for (let n = 1; n <= 30; n++) {
  const case_id = legacyId(n);
  items.push({ command: { type: 'open_case', case_id, program: 'housing', client: { name: `Client ${n}`, household_size: 1 + (n % 4) }, tags: ['migrated'] } });
  items.push({ case_id, command: { type: 'complete_intake', eligible: true } });
  items.push({ case_id, command: { type: 'add_note', text: `Imported from record L-${String(n).padStart(4, '0')}` } });
}
const imported = await book.executeBatchSummary(sam, items);
const migrated = await book.list(sam, { tag: 'migrated', limit: 100 });
const inAssessment = migrated.items.filter((c) => c.phase === 'assessment').length;
console.log(
  `imported ${imported.cases} legacy cases (${imported.commands} commands in one transaction, log positions ` +
    `${imported.first_position}-${imported.last_position}); ${inAssessment} now in assessment`,
);

// A backup while the casebook stays open: once the write-ahead log is emptied into it,
// the .db file alone holds every commit and can be copied like any file.
await book.checkpoint();
copyFileSync(path, `${path}.backup`);
const backup = await Casebook.open(`${path}.backup`);
console.log(`backup copied: ${(await backup.list(sam, { limit: 100 })).items.length} cases`);
await backup.shutdown();
await book.shutdown();
