// End to end: start examples/node/server.mjs on a loopback port and drive a case through
// its whole lifecycle over HTTP.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../../examples/node/server.mjs', import.meta.url));

async function startServer(db) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', '--host', '127.0.0.1', '--db', db], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 20_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}): ${stderr}`));
    });
  });
  return { child, base };
}

function client(base) {
  return async function call(method, path, { actor, body, headers = {} } = {}) {
    const res = await fetch(base + path, {
      method,
      headers: { ...(actor ? { 'x-actor': actor } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const json = await res.json();
    return { status: res.status, json, etag: res.headers.get('etag') };
  };
}

test('a case goes through its lifecycle over HTTP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'casekit-node-server-'));
  const { child, base } = await startServer(join(dir, 'server.db'));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const call = client(base);
    const opened = await call('POST', '/cases', {
      actor: 'iris',
      body: { program: 'housing', client: { name: 'Dolores Ortega', household_size: 3 }, assign_to: 'maya' },
    });
    assert.equal(opened.status, 201);
    assert.equal(opened.json.phase, 'intake');
    assert.equal(opened.etag, '"1"');
    const id = opened.json.case_id;
    const cmd = (actor, body, headers) => call('POST', `/cases/${id}/commands`, { actor, body, headers });

    let r = await cmd('iris', { type: 'complete_intake', eligible: true, immediate_needs: [{ category: 'food' }] }, { 'if-match': '"1"' });
    assert.equal(r.status, 200);
    assert.equal(r.json.phase, 'assessment');

    r = await cmd('iris', { type: 'add_note', text: 'stale write' }, { 'if-match': '"1"' });
    assert.equal(r.status, 412);
    assert.equal(r.json.error.code, 'conflict');

    r = await cmd('maya', { type: 'activate_plan' });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'invalid_transition');

    r = await cmd('maya', { type: 'record_assessment', instrument: { id: 'ssm', version: '2.0' }, responses: { housing: 'x'.length } });
    assert.equal(r.status, 200);
    r = await cmd('maya', { type: 'complete_assessment', summary: 'Housing first' });
    assert.equal(r.json.phase, 'planning');
    r = await cmd('maya', { type: 'add_goal', description: 'Keep the apartment', domain: 'housing' });
    const goalId = r.json.created_id;
    assert.match(goalId, /^[0-9a-f-]{36}$/);
    r = await cmd('maya', { type: 'add_goal', description: '', domain: 'housing' });
    assert.equal(r.status, 422);
    assert.equal(r.json.error.code, 'validation');
    assert.equal(r.json.error.field, 'description');
    r = await cmd('maya', { type: 'activate_plan' });
    assert.equal(r.json.phase, 'active');
    r = await cmd('maya', { type: 'add_note', text: 'Landlord agreed to a payment plan.', kind: 'contact' });
    assert.equal(r.status, 200);
    r = await cmd('ava', { type: 'add_note', text: 'auditors cannot write' });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'permission_denied');
    r = await cmd('maya', { type: 'evaluate_goals', evaluations: [{ goal_id: goalId, status: 'achieved' }] });
    assert.equal(r.status, 200);
    r = await cmd('sam', { type: 'close', reason: 'goals_achieved', summary: 'Housed and stable' });
    assert.equal(r.status, 200);
    assert.equal(r.json.phase, 'closed');

    const view = await call('GET', `/cases/${id}`, { actor: 'sam' });
    assert.equal(view.status, 200);
    assert.equal(view.json.phase, 'closed');
    assert.equal(view.json.closure.reason, 'goals_achieved');
    assert.equal(view.etag, `"${view.json.version}"`);

    const history = await call('GET', `/cases/${id}/history`, { actor: 'ava' });
    assert.equal(history.json.length, view.json.version);
    assert.equal(history.json.at(-1).event.type, 'case_closed');

    const second = await call('POST', '/cases', { actor: 'iris', body: { program: 'housing', client: { name: 'Second client' } } });
    assert.equal(second.status, 201);
    const closed = await call('GET', '/cases?phase=closed', { actor: 'sam' });
    assert.deepEqual(closed.json.items.map((s) => s.case_id), [id]);
    const page = await call('GET', '/cases?limit=1', { actor: 'sam' });
    assert.equal(page.json.items.length, 1);
    assert.equal(page.json.next_cursor, page.json.items[0].case_id);
    const rest = await call('GET', `/cases?limit=1&after=${page.json.next_cursor}`, { actor: 'sam' });
    assert.equal(rest.json.items.length, 1);
    assert.equal(rest.json.next_cursor, null);

    assert.equal((await call('GET', '/cases', {})).status, 401);
    assert.equal((await call('GET', '/cases/00000000-0000-7000-8000-00000000beef', { actor: 'sam' })).status, 404);
    assert.equal((await call('GET', '/cases/not-a-uuid', { actor: 'sam' })).status, 422);
    assert.equal((await call('POST', '/cases', { actor: 'iris', body: '{not json' })).status, 400);
    assert.equal((await call('GET', '/cases?limit=0', { actor: 'sam' })).json.error.field, 'limit');
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
