// A small HTTP JSON service over casekit, on node:http only.
//
//   node server.mjs [--port 3000] [--host 127.0.0.1] [--db path/to/cases.db]
//
//   POST /cases                      open a case       (body: open_case fields)
//   POST /cases/:id/commands         run a command     (body: {"type": "complete_intake", ...})
//   GET  /cases?phase=&program=&...  list cases        (query: CaseQuery fields)
//   GET  /cases/:id                  the case view
//   GET  /cases/:id/history          the case's events
//
// casekit does not authenticate: this demo trusts an `X-Actor` header naming one of
// the users below (a real service takes the actor from its own authentication).
// `If-Match: <version>` on a command gives optimistic concurrency (412 when stale).

import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Casebook } from 'casekit';

const USERS = {
  iris: { id: 'iris', roles: ['intake_worker'], programs: ['housing'] },
  maya: { id: 'maya', roles: ['case_manager'], programs: ['housing'] },
  sam: { id: 'sam', roles: ['supervisor'], programs: ['housing'] },
  ava: { id: 'ava', roles: ['auditor'], programs: ['housing'] },
};

/** HTTP status for each stable casekit error code. */
const STATUS = {
  not_found: 404,
  invalid_transition: 409,
  validation: 422,
  permission_denied: 403,
  conflict: 412,
  storage: 503,
  integrity: 500,
};

const MAX_BODY = 1 << 20;

class HttpError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'validation', 'the body is too large');
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'validation', 'the body is not JSON');
  }
}

function actorOf(req) {
  const name = req.headers['x-actor'];
  const actor = typeof name === 'string' ? USERS[name] : undefined;
  if (actor === undefined) throw new HttpError(401, 'permission_denied', 'name a known user in the X-Actor header');
  return actor;
}

function expectedVersion(req) {
  const tag = req.headers['if-match'];
  if (tag === undefined) return {};
  const version = Number(String(tag).replace(/"/g, ''));
  if (!Number.isSafeInteger(version) || version < 0) throw new HttpError(400, 'validation', 'If-Match must be a case version');
  return { expectedVersion: version };
}

const QUERY_NUMBERS = new Set(['limit']);
const QUERY_BOOLEANS = new Set(['on_hold']);

function queryOf(url) {
  const query = {};
  for (const [key, value] of url.searchParams) {
    if (QUERY_NUMBERS.has(key)) query[key] = Number(value);
    else if (QUERY_BOOLEANS.has(key)) query[key] = value === 'true';
    else query[key] = value;
  }
  return query;
}

/** The request handler for a casebook (exported for in-process use). */
export function handler(book) {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean);
      if (parts[0] !== 'cases' || parts.length > 3) throw new HttpError(404, 'not_found', 'no such route');
      const actor = actorOf(req);
      const [, caseId, sub] = parts;

      if (req.method === 'POST' && parts.length === 1) {
        const input = await readJson(req);
        const committed = await book.openCase(actor, input);
        res.setHeader('location', `/cases/${committed.case_id}`);
        res.setHeader('etag', `"${committed.version}"`);
        return send(res, 201, committed);
      }
      if (req.method === 'POST' && sub === 'commands') {
        const command = await readJson(req);
        if (command === null || typeof command !== 'object' || Array.isArray(command)) {
          throw new HttpError(422, 'validation', 'the body must be a command object');
        }
        if (command.type === 'open_case') throw new HttpError(422, 'validation', 'open cases with POST /cases');
        const committed = await book.execute(actor, caseId, command, expectedVersion(req));
        res.setHeader('etag', `"${committed.version}"`);
        return send(res, 200, committed);
      }
      if (req.method === 'GET' && parts.length === 1) return send(res, 200, await book.list(actor, queryOf(url)));
      if (req.method === 'GET' && parts.length === 2) {
        const view = await book.get(actor, caseId);
        res.setHeader('etag', `"${view.version}"`);
        return send(res, 200, view);
      }
      if (req.method === 'GET' && sub === 'history') return send(res, 200, await book.history(actor, caseId));
      throw new HttpError(405, 'validation', `${req.method} is not supported here`);
    } catch (err) {
      if (err instanceof HttpError) return send(res, err.status, { error: { code: err.code, message: err.message } });
      const code = typeof err?.code === 'string' && err.code in STATUS ? err.code : 'storage';
      const body = { code, message: err?.message ?? String(err) };
      if (err?.field !== undefined) body.field = err.field;
      return send(res, STATUS[code], { error: body });
    }
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string', default: process.env.CASEKIT_DB ?? join(tmpdir(), 'casekit-server.db') },
    },
  });
  // Several copies of this service may share one file (a process manager's workers):
  // each write waits up to 10 s for another process's write lock instead of the
  // default 5 s, and each worker keeps 8 reader connections for concurrent requests.
  const book = await Casebook.open(values.db, { busyTimeoutMs: 10_000, readers: 8 });
  const server = createServer(handler(book));
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address();
    console.log(`casekit service listening on http://${address}:${port} (data in ${values.db})`);
  });
  const stop = () => {
    server.close(async () => {
      await book.shutdown();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
