// Relay connections over the catalog's indexes, with scs-series' filters, orders, page rules
// and cursor layout (src/graphql/connection.rs, src/store/{page,filter}.rs there).

import { GraphQLError } from 'graphql';
import { indexKey, isNumbered, KIND_BY_ENUM, KINDS, parseDate, u16be, u32be } from './data.mjs';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
const CURSOR_VERSION = 2;
const LANGUAGES = ['en', 'de', 'fr', 'it', 'zh'];

export const badInput = (argument, message) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
export const notFound = (argument, message) =>
  new GraphQLError(message, { extensions: { code: 'NOT_FOUND', argument } });

export function checkYear(year) {
  if (year == null) return null;
  if (year >= 1000 && year <= 9999) return year;
  throw badInput('year', `\`year\` must be a four-digit year, got ${year}`);
}

export function personArg(cat, slug) {
  if (slug == null) return null;
  const p = cat.personBySlug.get(slug);
  if (!p) throw notFound('person', `no person with slug \`${slug}\``);
  return p.id;
}

export function pageSize(argument, n) {
  if (n == null) return null;
  if (n >= 0 && n <= MAX_PAGE_SIZE) return n;
  throw badInput(argument, `\`${argument}\` must be between 0 and ${MAX_PAGE_SIZE}, got ${n}`);
}

const WALK_TAGS = { INDEX: 0, DATE_DESC: 1, DATE_ASC: 2, TITLE: 3, POSITION: 4 };

/** keys::walk: the index's own order, or a sort in memory. */
function walkOf(scopeTag, orderBy) {
  if (orderBy == null) return 'INDEX';
  const numbered = isNumbered(scopeTag);
  if (orderBy === 'POSITION' && numbered) return 'INDEX';
  if (orderBy === 'DATE_DESC' && !numbered) return 'INDEX';
  return orderBy;
}

function encodeCursor(scopeTag, walk, order) {
  return Buffer.concat([Buffer.from([CURSOR_VERSION, scopeTag, WALK_TAGS[walk]]), order]).toString('base64url');
}

function decodeCursor(argument, cursor, scopeTag, walk) {
  const invalid = () => badInput(argument, `\`${argument}\` is not a cursor of this list and order`);
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw invalid();
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.length < 3) throw invalid();
  const order = bytes.subarray(3);
  const lengthOk = walk === 'TITLE' ? order.length >= 17 : order.length === 4 + 2 + 16;
  if (bytes[0] !== CURSOR_VERSION || bytes[1] !== scopeTag || bytes[2] !== WALK_TAGS[walk] || !lengthOk) throw invalid();
  return order;
}

/**
 * Title order folds to ASCII and lowercases, as scs-series does with the `deunicode` crate: its
 * table for the punctuation and letters that Unicode decomposition leaves alone, then the
 * diacritics dropped. (Non-Latin scripts, which deunicode transliterates, are kept as they are.)
 */
const TITLE_FOLDS = {
  '\u2018': "'", '\u2019': "'", '\u201a': ',', '\u201b': "'", '\u201c': '"', '\u201d': '"', '\u201e': ',,',
  '\u2013': '-', '\u2014': '--', '\u2026': '...', '\u00ab': '<<', '\u00bb': '>>', '\u00df': 'ss', '\u00e6': 'ae',
  '\u00c6': 'AE', '\u00f8': 'o', '\u00d8': 'O', '\u0153': 'oe', '\u0152': 'OE', '\u0142': 'l', '\u0141': 'L',
  '\u0111': 'd', '\u0110': 'D', '\u00fe': 'th', '\u00de': 'Th', '\u00a0': ' ', '\u20ac': 'EUR', '\u00b7': '*',
};
const TITLE_FOLD_RE = new RegExp(`[${Object.keys(TITLE_FOLDS).join('')}]`, 'g');
const foldTitle = (t) =>
  t.replace(TITLE_FOLD_RE, (c) => TITLE_FOLDS[c]).normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();


/** filter::sort_key: the order key of an item for orders the index does not hold. */
function sortKey(order, it) {
  const dateKey = it.dateValue ? it.dateValue.sortKey : null;
  const newestFirst = u32be(0xffffffff - (dateKey ?? 0));
  const oldestFirst = u32be(dateKey ?? 0xffffffff);
  const position = u16be(it.position ?? 0xffff);
  let key;
  switch (order) {
    case 'DATE_DESC':
      key = Buffer.concat([newestFirst, position]);
      break;
    case 'DATE_ASC':
      key = Buffer.concat([oldestFirst, position]);
      break;
    case 'POSITION':
      key = Buffer.concat([position, newestFirst]);
      break;
    case 'TITLE':
      key =
        it.title != null
          ? Buffer.concat([Buffer.from([1]), Buffer.from(foldTitle(it.title)).filter((b) => b !== 0), Buffer.from([0])])
          : Buffer.from([2]);
      break;
  }
  return Buffer.concat([key, it.idBytes]);
}

function itemFilter(args, rolePerson) {
  const date = (argument, v) => {
    if (v == null) return null;
    const d = parseDate(v);
    if (!d) throw badInput(argument, `\`${argument}\`: \`${v}\` is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD)`);
    return d;
  };
  const from = date('from', args.from);
  const to = date('to', args.to);
  if (from && to && from.firstDay > to.lastDay) throw badInput('to', `\`to\` (${to.text}) is before \`from\` (${from.text})`);
  if (args.language != null && !LANGUAGES.includes(args.language)) {
    throw badInput('language', `unknown language \`${args.language}\` (known: en, de, fr, it, zh)`);
  }
  const kinds = (args.kinds ?? []).map((k) => KINDS[KIND_BY_ENUM[k]].tag);
  const days = from || to ? [from ? from.firstDay : 0, to ? to.lastDay : 0xffffffff] : null;
  const language = args.language ?? null;
  const role = args.role ?? null;
  if (!days && !language && !role && !kinds.length) return null;
  return (it) =>
    (!kinds.length || kinds.includes(it.kindTag)) &&
    (!days || (it.dateValue && it.dateValue.lastDay >= days[0] && it.dateValue.firstDay <= days[1])) &&
    (!language || it.language === language) &&
    (!role || it.participations.some((p) => p.role === role && (rolePerson == null || it.personIds.includes(rolePerson))));
}

/**
 * One page of the content list `scopeTag` (restricted to `owner`'s items when given), as a
 * Relay connection: { totalCount, nodes, edges, pageInfo }.
 */
export function list(cat, scopeTag, owner, args) {
  const year = checkYear(args.year);
  const named = personArg(cat, args.person);
  const people = [owner, named].filter((p) => p != null);
  const filter = itemFilter(args, named ?? owner);
  const walk = walkOf(scopeTag, args.orderBy);
  const first = pageSize('first', args.first);
  const last = pageSize('last', args.last);
  const after = args.after != null ? decodeCursor('after', args.after, scopeTag, walk) : null;
  const before = args.before != null ? decodeCursor('before', args.before, scopeTag, walk) : null;
  if (first != null && last != null) throw badInput('last', 'give `first` or `last`, not both');

  let entries = cat.index.get(indexKey(scopeTag, year, people[0])) ?? [];
  if (people.length > 1) entries = entries.filter((e) => e.item.personIds.includes(people[1]));
  if (filter) entries = entries.filter((e) => filter(e.item));
  if (walk !== 'INDEX') {
    entries = entries.map((e) => ({ order: sortKey(walk, e.item), item: e.item }));
    entries.sort((a, b) => Buffer.compare(a.order, b.order));
  }

  // The window strictly between `after` and `before`.
  let lo = 0;
  let hi = entries.length;
  if (after) while (lo < hi && Buffer.compare(entries[lo].order, after) <= 0) lo++;
  if (before) while (hi > lo && Buffer.compare(entries[hi - 1].order, before) >= 0) hi--;
  if (after && before && Buffer.compare(after, before) >= 0) hi = lo;
  let page;
  let hasNext;
  let hasPrevious;
  if (last == null) {
    const n = first ?? DEFAULT_PAGE_SIZE;
    page = entries.slice(lo, Math.min(hi, lo + n));
    hasNext = hi - lo > n;
    hasPrevious = after != null && entries.length > 0 && Buffer.compare(entries[0].order, after) <= 0;
  } else {
    page = entries.slice(Math.max(lo, hi - last), hi);
    hasPrevious = hi - lo > last;
    hasNext = before != null && entries.length > 0 && Buffer.compare(entries[entries.length - 1].order, before) >= 0;
  }
  const edges = page.map((e) => ({ cursor: encodeCursor(scopeTag, walk, e.order), node: e.item }));
  return {
    totalCount: entries.length,
    nodes: page.map((e) => e.item),
    edges,
    pageInfo: {
      hasNextPage: hasNext,
      hasPreviousPage: hasPrevious,
      startCursor: edges.length ? edges[0].cursor : null,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
    },
  };
}
