// Sends the five benchmark queries (bench/queries/) to scs-series and to the peer and compares
// the answers' `data`:
//   list, person, node: exactly equal
//   feed:   equal apart from cursors (edges[].cursor, pageInfo.endCursor), which are opaque
//   search: equal totalCount (the ranking may differ)
// Prints one line per query; exits 1 when any differs (2 on a usage or network error).
//
//   node compare.mjs URL_SCS URL_PEER     e.g. http://127.0.0.1:8650/graphql http://127.0.0.1:4000/graphql

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const [urlScs, urlPeer] = process.argv.slice(2);
if (!urlScs || !urlPeer) {
  console.error('usage: node compare.mjs URL_SCS URL_PEER');
  process.exit(2);
}
const queries = join(dirname(fileURLToPath(import.meta.url)), '..', 'queries');
const read = (name) => readFileSync(join(queries, name), 'utf8');

async function post(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    return { status: res.status, json: { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] } };
  }
}

/** The first place `a` and `b` differ, as `path: a ≠ b`, or null. */
function firstDifference(a, b, path = 'data') {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && a.length !== b.length) return `${path}: length ${a.length} ≠ ${b.length}`;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference(a[k], b[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
      if (d) return d;
    }
  }
  const show = (v) => {
    const s = JSON.stringify(v);
    return s === undefined ? 'missing' : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  };
  return `${path}: ${show(a)} ≠ ${show(b)}`;
}

const withoutCursors = (data) =>
  JSON.parse(JSON.stringify(data), (k, v) => (k === 'cursor' || k === 'endCursor' || k === 'startCursor' ? undefined : v));

const checks = [
  { name: 'list', body: { query: read('list.graphql') }, project: (d) => d },
  { name: 'person', body: { query: read('person.graphql') }, project: (d) => d },
  {
    name: 'feed',
    body: { query: read('feed.graphql') },
    project: withoutCursors,
    note: (a, b) => (isDeepStrictEqual(a, b) ? 'cursors identical too' : 'cursors differ (allowed)'),
  },
  {
    name: 'search',
    body: { query: read('search.graphql') },
    project: (d) => ({ search: { totalCount: d?.search?.totalCount } }),
    note: (a, b) =>
      isDeepStrictEqual(a, b)
        ? 'hits and order identical too'
        : `ranking differs (allowed): ${firstDifference(a, b)}`,
  },
  {
    name: 'node',
    body: { query: read('node.graphql'), variables: JSON.parse(read('node.variables.json')) },
    project: (d) => d,
  },
];

let failed = false;
for (const c of checks) {
  let a;
  let b;
  try {
    [a, b] = await Promise.all([post(urlScs, c.body), post(urlPeer, c.body)]);
  } catch (e) {
    console.error(`${c.name.padEnd(7)} error: ${e.cause?.message ?? e.message}`);
    process.exit(2);
  }
  const problems = [];
  for (const [who, r] of [['scs', a], ['peer', b]]) {
    if (r.status !== 200) problems.push(`${who} HTTP ${r.status}`);
    if (r.json.errors) problems.push(`${who} errors: ${r.json.errors.map((e) => e.message).join('; ')}`);
    if (r.json.data == null) problems.push(`${who} has no data`);
  }
  const diff = problems.length ? null : firstDifference(c.project(a.json.data), c.project(b.json.data));
  if (problems.length || diff) {
    failed = true;
    console.log(`${c.name.padEnd(7)} differs: ${[...problems, diff].filter(Boolean).join(' | ')}`);
  } else {
    const note = c.note ? ` (${c.note(a.json.data, b.json.data)})` : '';
    console.log(`${c.name.padEnd(7)} same${note}`);
  }
}
process.exit(failed ? 1 : 0);
