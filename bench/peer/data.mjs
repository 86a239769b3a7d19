// Reads the scs-series seed folder (TOML) into the same entities, ids and list orders as
// scs-series: see src/seed/, src/domain/ and src/store/{keys,records,filter}.rs there.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { v5 as uuidv5, parse as uuidParse } from 'uuid';

/** src/domain/kind.rs NAMESPACE (0x6f0e_6d4c_2b1e_5b7a_9c55_3f4e_1d2a_8b01). */
export const NAMESPACE = '6f0e6d4c-2b1e-5b7a-9c55-3f4e1d2a8b01';

/** Every kind: its name (part of each id), index tag, GraphQL type and enum value. */
export const KINDS = {
  event: { tag: 1, typename: 'Event', enumValue: 'EVENT' },
  interview: { tag: 2, typename: 'Interview', enumValue: 'INTERVIEW' },
  'press-item': { tag: 3, typename: 'PressItem', enumValue: 'PRESS_ITEM' },
  'podcast-episode': { tag: 4, typename: 'PodcastEpisode', enumValue: 'PODCAST_EPISODE' },
  article: { tag: 5, typename: 'Article', enumValue: 'ARTICLE' },
  'fact-sheet': { tag: 6, typename: 'FactSheet', enumValue: 'FACT_SHEET' },
  reading: { tag: 7, typename: 'Reading', enumValue: 'READING' },
  update: { tag: 8, typename: 'Update', enumValue: 'UPDATE' },
  person: { tag: 9, typename: 'Person', enumValue: 'PERSON' },
  series: { tag: 10, typename: 'Series', enumValue: 'SERIES' },
};
export const KIND_BY_ENUM = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [v.enumValue, k]));

/** List scopes (src/store/keys.rs Scope::tag). */
export const SCOPE_ALL_CONTENT = 0;
export const SCOPE_INTERVIEWS = { series: 0x21, update: 0x22, 'behind-the-scenes': 0x23 };
const NUMBERED = new Set([KINDS.reading.tag, SCOPE_INTERVIEWS.series]);
export const isNumbered = (scopeTag) => NUMBERED.has(scopeTag);

export function entityId(kind, slug) {
  return uuidv5(`${kind}/${slug}`, NAMESPACE);
}

// ---------------------------------------------------------------------------------------------
// Validation helpers (the seed's own rules, enough to refuse what scs-series refuses).

class SeedError extends Error {}
const fail = (file, slug, field, msg) => {
  throw new SeedError(`${file}${slug ? ` [${slug}]` : ''}${field ? ` ${field}` : ''}: ${msg}`);
};

function checkSlug(s, file, field) {
  const ok =
    typeof s === 'string' && s.length > 0 && s.length <= 100 && s.split('-').every((w) => /^[a-z0-9]+$/.test(w));
  if (!ok) fail(file, s, field, `\`${s}\` is not a slug`);
  return s;
}

const daysInMonth = (y, m) =>
  m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/** A PartialDate: { year, month, day, text, sortKey, firstDay, lastDay } (src/domain/date.rs). */
export function parseDate(s) {
  if (typeof s !== 'string') return null;
  const parts = s.split('-');
  const num = (p, len) => (p.length === len && /^[0-9]+$/.test(p) ? Number(p) : NaN);
  if (parts.length > 3) return null;
  const year = num(parts[0], 4);
  if (!(year > 0)) return null;
  let month = null;
  let day = null;
  if (parts.length > 1) {
    month = num(parts[1], 2);
    if (!(month >= 1 && month <= 12)) return null;
  }
  if (parts.length > 2) {
    day = num(parts[2], 2);
    if (!(day >= 1 && day <= daysInMonth(year, month))) return null;
  }
  const lastMonth = month ?? 12;
  return {
    year,
    month,
    day,
    text: s,
    precision: day !== null ? 'DAY' : month !== null ? 'MONTH' : 'YEAR',
    sortKey: year * 10000 + (month ?? 0) * 100 + (day ?? 0),
    firstDay: year * 10000 + (month ?? 1) * 100 + (day ?? 1),
    lastDay: year * 10000 + lastMonth * 100 + (day ?? daysInMonth(year, lastMonth)),
  };
}

function date(v, file, slug, field) {
  if (v === undefined) return null;
  const d = parseDate(typeof v === 'string' ? v : undefined);
  if (!d) fail(file, slug, field, `\`${v}\` is not an ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD), as a string`);
  return d;
}

const LANGUAGES = ['en', 'de', 'fr', 'it', 'zh'];
const ROLES = ['speaker', 'host', 'guest', 'interviewee', 'interviewer', 'author'];
const enumOf = (s) => s.toUpperCase().replace(/-/g, '_');

function image(raw) {
  if (!raw) return null;
  return {
    caption: raw.caption ?? null,
    captionCorrected: raw.caption_corrected ?? null,
    alt: raw.alt ?? null,
    credit: raw.credit ?? null,
    creator: raw.creator ?? null,
    source: raw.source ?? null,
    licence: raw.licence ?? null,
    url: raw.url ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Loading.

const ITEM_FILES = [
  ['events.toml', 'event', 'event'],
  ['interviews.toml', 'interview', 'interview'],
  ['press.toml', 'press_item', 'press-item'],
  ['podcast.toml', 'podcast_episode', 'podcast-episode'],
  ['articles.toml', 'article', 'article'],
  ['fact_sheets.toml', 'fact_sheet', 'fact-sheet'],
  ['readings.toml', 'reading', 'reading'],
];
const SEED_FILES = ['series.toml', 'people.toml', 'updates.toml', ...ITEM_FILES.map((f) => f[0])];

function item(kind, r, file, people) {
  const slug = checkSlug(r.slug, file, 'slug');
  const d = date(r.date, file, slug, 'date');
  if (r.language !== undefined && !LANGUAGES.includes(r.language)) fail(file, slug, 'language', `unknown language \`${r.language}\``);
  const participations = (r.people ?? []).map((p) => {
    checkSlug(p.person, file, 'people.person');
    if (!people.has(p.person)) fail(file, slug, 'people.person', `unknown person \`${p.person}\``);
    if (!ROLES.includes(p.role)) fail(file, slug, 'people.role', `unknown role \`${p.role}\``);
    const affiliations = p.affiliations ?? [];
    return { personSlug: p.person, role: enumOf(p.role), affiliations, affiliation: affiliations[0] ?? null };
  });
  const it = {
    __typename: KINDS[kind].typename,
    kindName: kind,
    kindTag: KINDS[kind].tag,
    kind: KINDS[kind].enumValue,
    id: entityId(kind, slug),
    slug,
    title: r.title ?? null,
    dek: r.dek ?? null,
    summary: r.summary ?? null,
    dateValue: d,
    date: d ? d.text : null,
    year: d ? d.year : null,
    datePrecision: d ? d.precision : null,
    url: r.url ?? null,
    language: r.language ?? null,
    image: image(r.image),
    participations,
    note: r.note ?? null,
    version: 1,
    position: null, // the place in a numbered list (interview series, reading list)
  };
  it.idBytes = Buffer.from(uuidParse(it.id));
  switch (kind) {
    case 'event':
      if (!['webcast', 'talk', 'live-taping'].includes(r.format)) fail(file, slug, 'format', `unknown event format \`${r.format}\``);
      Object.assign(it, {
        format: enumOf(r.format),
        eventSeries: r.event_series ?? null,
        startTime: r.start_time ?? null,
        endTime: r.end_time ?? null,
        venue: r.venue ?? null,
        address: r.address ?? null,
        city: r.city ?? null,
      });
      break;
    case 'interview': {
      if (!['series', 'update', 'behind-the-scenes'].includes(r.category)) fail(file, slug, 'category', `unknown interview category \`${r.category}\``);
      const s = r.series;
      Object.assign(it, {
        categoryName: r.category,
        category: enumOf(r.category),
        quote: r.quote ?? null,
        series: s ? { name: s.name, position: Number(s.position), period: s.period ?? null, url: s.url ?? null } : null,
      });
      if (s) it.position = Number(s.position);
      break;
    }
    case 'press-item':
      Object.assign(it, { label: r.label ?? null, outlet: r.outlet });
      break;
    case 'podcast-episode':
      Object.assign(it, {
        show: r.show,
        recordedOn: date(r.recorded_on, file, slug, 'recorded_on')?.text ?? null,
        releasedOn: date(r.released_on, file, slug, 'released_on')?.text ?? null,
        recordedAtSlug: r.recorded_at ?? null,
        feedUrl: r.feed_url ?? null,
      });
      break;
    case 'article':
      Object.assign(it, { rubric: r.rubric ?? null, aboutSlug: r.about ?? null });
      break;
    case 'fact-sheet': {
      const a = r.attachment;
      Object.assign(it, {
        linkText: r.link_text ?? null,
        attachment: a
          ? {
              fileName: a.file_name,
              mediaType: a.media_type,
              sizeLabel: a.size_label ?? null,
              byteSize: a.byte_size === undefined ? null : Number(a.byte_size),
              url: a.url ?? null,
            }
          : null,
      });
      break;
    }
    case 'reading':
      Object.assign(it, {
        position: Number(r.position),
        venue: r.venue ?? null,
        doi: r.doi ?? null,
        writtenOn: date(r.written_on, file, slug, 'written_on')?.text ?? null,
        otherVersions: (r.other_versions ?? []).map((p) => ({
          venue: p.venue ?? null,
          date: date(p.date, file, slug, 'other_versions.date')?.text ?? null,
          citation: p.citation ?? null,
          url: p.url ?? null,
          doi: p.doi ?? null,
        })),
      });
      break;
  }
  return it;
}

/** Reads and checks the seed folder `dir`; returns the catalog the resolvers serve. */
export function loadSeed(dir) {
  const names = readdirSync(dir).filter((n) => n.endsWith('.toml'));
  for (const n of names) if (!SEED_FILES.includes(n)) fail(n, null, null, 'unknown seed file');
  for (const n of SEED_FILES) if (!names.includes(n)) fail(n, null, null, 'missing seed file');
  const read = (n) => parseToml(readFileSync(join(dir, n), 'utf8'));

  const peopleRaw = read('people.toml').person ?? [];
  const people = peopleRaw.map((r) => {
    const slug = checkSlug(r.slug, 'people.toml', 'slug');
    return {
      __typename: 'Person',
      kindName: 'person',
      id: entityId('person', slug),
      slug,
      name: r.name,
      affiliations: r.affiliations ?? [],
      note: r.note ?? null,
      version: 1,
    };
  });
  const personSlugs = new Set(people.map((p) => p.slug));

  const s = read('series.toml');
  const series = {
    __typename: 'Series',
    kindName: 'series',
    id: entityId('series', checkSlug(s.slug, 'series.toml', 'slug')),
    slug: s.slug,
    title: s.title,
    subtitle: s.subtitle ?? null,
    publisher: s.publisher ?? null,
    url: s.url ?? null,
    intro: s.intro ?? null,
    heroImage: image(s.hero_image),
    version: 1,
  };

  const updates = (read('updates.toml').update ?? []).map((r) => {
    const slug = checkSlug(r.slug, 'updates.toml', 'slug');
    const year = Number(r.year);
    if (!(year >= 1000 && year <= 9999)) fail('updates.toml', slug, 'year', 'must be a four-digit year');
    return {
      __typename: 'Update',
      kindName: 'update',
      id: entityId('update', slug),
      slug,
      year,
      title: r.title,
      intro: r.intro ?? null,
      itemSlugs: (r.items ?? []).map((i) => checkSlug(i, 'updates.toml', 'items')),
      version: 1,
    };
  });

  const items = [];
  for (const [file, table, kind] of ITEM_FILES) {
    for (const r of read(file)[table] ?? []) items.push(item(kind, r, file, personSlugs));
  }

  // Content::normalize: people by slug, updates newest year first then slug, items by kind and slug.
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  people.sort((a, b) => cmp(a.slug, b.slug));
  updates.sort((a, b) => b.year - a.year || cmp(a.slug, b.slug));
  items.sort((a, b) => a.kindTag - b.kindTag || cmp(a.slug, b.slug));

  const seen = new Set();
  for (const e of [...items, ...updates]) {
    if (seen.has(e.slug)) fail('seed', e.slug, 'slug', 'duplicate slug');
    seen.add(e.slug);
  }
  if (new Set(people.map((p) => p.slug)).size !== people.length) fail('people.toml', null, 'slug', 'duplicate slug');

  const itemBySlug = new Map(items.map((i) => [i.slug, i]));
  for (const u of updates) for (const i of u.itemSlugs) if (!itemBySlug.has(i)) fail('updates.toml', u.slug, 'items', `unknown item \`${i}\``);
  for (const i of items) {
    if (i.recordedAtSlug && itemBySlug.get(i.recordedAtSlug)?.kindName !== 'event') fail('podcast.toml', i.slug, 'recorded_at', 'not an event');
    if (i.aboutSlug && !itemBySlug.has(i.aboutSlug)) fail('articles.toml', i.slug, 'about', 'unknown item');
  }

  return buildCatalog({ series, people, updates, items });
}

// ---------------------------------------------------------------------------------------------
// The indexes (src/store/records.rs, keys.rs): for each scope, year and person, the list of items
// in the list's own order, each with the order key scs-series uses (and so the same cursor).

export const u32be = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const u16be = (n) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

/** keys::item_order: newest first then tie-break, or (numbered lists) position then newest first. */
function itemOrder(scopeTag, it, pageIndex) {
  const dateKey = it.dateValue ? it.dateValue.sortKey : 0;
  const tie = isNumbered(scopeTag) ? it.position : (pageIndex ?? it.position);
  const newestFirst = u32be(U32_MAX - dateKey);
  const position = u16be(tie ?? U16_MAX);
  return isNumbered(scopeTag)
    ? Buffer.concat([position, newestFirst, it.idBytes])
    : Buffer.concat([newestFirst, position, it.idBytes]);
}

function scopesOf(it) {
  const scopes = [SCOPE_ALL_CONTENT, it.kindTag];
  if (it.kindName === 'interview') scopes.push(SCOPE_INTERVIEWS[it.categoryName]);
  return scopes;
}

export const indexKey = (scopeTag, year, personId) => `${scopeTag}|${year ?? ''}|${personId ?? ''}`;

function buildCatalog(content) {
  const { items, people, updates, series } = content;
  const personBySlug = new Map(people.map((p) => [p.slug, p]));
  const itemBySlug = new Map(items.map((i) => [i.slug, i]));
  const byId = new Map();
  for (const e of [series, ...people, ...updates, ...items]) byId.set(e.id, e);

  // Items of the same date keep their order on the page; a slug listed twice keeps its last place.
  const pageIndex = new Map();
  let n = 0;
  for (const u of updates) for (const s of u.itemSlugs) pageIndex.set(s, n++);

  const index = new Map();
  const push = (key, entry) => {
    let list = index.get(key);
    if (!list) index.set(key, (list = []));
    list.push(entry);
  };
  for (const it of items) {
    it.personIds = [...new Set(it.participations.map((p) => personBySlug.get(p.personSlug).id))].sort();
    for (const scope of scopesOf(it)) {
      const entry = { order: itemOrder(scope, it, pageIndex.get(it.slug)), item: it };
      push(indexKey(scope, null, null), entry);
      if (it.year !== null) push(indexKey(scope, it.year, null), entry);
      for (const p of it.personIds) {
        push(indexKey(scope, null, p), entry);
        if (it.year !== null) push(indexKey(scope, it.year, p), entry);
      }
    }
  }
  for (const list of index.values()) list.sort((a, b) => Buffer.compare(a.order, b.order));

  return { series, people, updates, items, byId, personBySlug, itemBySlug, index };
}
