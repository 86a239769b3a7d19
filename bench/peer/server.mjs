// A comparison peer for the scs-series benchmark: Apollo Server 5 serving the same schema and
// the same seed data (read from the seed folder's TOML at start-up).
//
//   node server.mjs [--port 4000] [--host 127.0.0.1] [--seed ../../seed]
//
// Implements the read side the benchmark queries touch: the content lists (with their filters,
// orders and paging), person, content, node, series and search. Mutations, subscriptions, sync,
// facets, the audit log and the people/updates lists are not served.

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';

import { KINDS, KIND_BY_ENUM, SCOPE_ALL_CONTENT, SCOPE_INTERVIEWS, loadSeed } from './data.mjs';
import { DEFAULT_PAGE_SIZE, badInput, checkYear, list, notFound, pageSize, personArg } from './lists.mjs';
import { SearchIndex } from './search.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '4000' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: join(here, '..', '..', 'seed') },
    schema: { type: 'string', default: join(here, '..', '..', 'schema.graphql') },
  },
});

const cat = loadSeed(resolve(opts.seed));
const searchIndex = new SearchIndex(cat);
const typeDefs = readFileSync(resolve(opts.schema), 'utf8');

// ---------------------------------------------------------------------------------------------
// Resolvers.

const contentLists = (owner) => ({
  contents: (o, args) => list(cat, SCOPE_ALL_CONTENT, owner(o), args),
  events: (o, args) => list(cat, KINDS.event.tag, owner(o), args),
  interviews: (o, args) => {
    const scope = args.category ? SCOPE_INTERVIEWS[args.category.toLowerCase().replace(/_/g, '-')] : KINDS.interview.tag;
    return list(cat, scope, owner(o), args);
  },
  pressItems: (o, args) => list(cat, KINDS['press-item'].tag, owner(o), args),
  podcastEpisodes: (o, args) => list(cat, KINDS['podcast-episode'].tag, owner(o), args),
  articles: (o, args) => list(cat, KINDS.article.tag, owner(o), args),
  factSheets: (o, args) => list(cat, KINDS['fact-sheet'].tag, owner(o), args),
  readings: (o, args) => list(cat, KINDS.reading.tag, owner(o), args),
});

const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

const personOf = (slug) => (slug == null ? null : (cat.personBySlug.get(slug) ?? null));
const firstWithRole = (it, role) => it.participations.find((p) => p.role === role) ?? null;
const SEARCH_CURSOR_PREFIX = Buffer.from([1, 's'.charCodeAt(0)]);

function search(_, { query, kinds, year, person, first, after }) {
  const y = checkYear(year);
  const personId = personArg(cat, person);
  const limit = pageSize('first', first) ?? DEFAULT_PAGE_SIZE;
  let offset = 0;
  if (after != null) {
    const bytes = Buffer.from(after, 'base64url');
    if (bytes.length !== 6 || !bytes.subarray(0, 2).equals(SEARCH_CURSOR_PREFIX)) {
      throw badInput('after', '`after` is not a cursor of a search');
    }
    offset = bytes.readUInt32BE(2) + 1;
  }
  const kindTags = (kinds ?? []).map((k) => KINDS[KIND_BY_ENUM[k]].tag);
  if (kindTags.includes(KINDS.person.tag)) {
    throw badInput('kinds', 'people are found through their items: search without `PERSON`');
  }
  let hits;
  try {
    hits = searchIndex.search(query, { kinds: kindTags, year: y, person: personId });
  } catch (e) {
    if (e.emptyQuery) throw badInput('query', '`query` needs at least one word');
    throw e;
  }
  const edges = hits.slice(offset, offset + limit).map((h, n) => {
    const pos = Buffer.alloc(4);
    pos.writeUInt32BE(offset + n);
    return { cursor: Buffer.concat([SEARCH_CURSOR_PREFIX, pos]).toString('base64url'), score: h.score, node: h.entity };
  });
  return {
    totalCount: hits.length,
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: {
      hasNextPage: offset + limit < hits.length,
      hasPreviousPage: offset > 0,
      startCursor: edges.length ? edges[0].cursor : null,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
    },
  };
}

const content = {
  people: (it, { role }) => (role ? it.participations.filter((p) => p.role === role) : it.participations),
};

const resolvers = {
  Root: {
    ...contentLists(() => null),
    series: () => cat.series ?? null,
    person: (_, { slug }) => {
      const p = cat.personBySlug.get(slug);
      if (!p) throw notFound('slug', `no person with slug \`${slug}\``);
      return p;
    },
    content: (_, { slug }) => {
      const it = cat.itemBySlug.get(slug);
      if (!it) throw notFound('slug', `no content item with slug \`${slug}\``);
      return it;
    },
    node: (_, { id }) => {
      const m = UUID.exec(id);
      if (!m) throw badInput('id', `\`${id}\` is not an id of this API`);
      const e = cat.byId.get(m.slice(1).join('-').toLowerCase());
      if (!e) throw notFound('id', `nothing has the id \`${id}\``);
      return e;
    },
    search,
  },
  Person: (({ factSheets, ...own }) => own)(contentLists((p) => p.id)),
  Participation: {
    person: (p) => personOf(p.personSlug),
  },
  Event: content,
  Interview: {
    ...content,
    person: (it) => personOf(firstWithRole(it, 'INTERVIEWEE')?.personSlug),
    affiliations: (it) => firstWithRole(it, 'INTERVIEWEE')?.affiliations ?? [],
    affiliation: (it) => firstWithRole(it, 'INTERVIEWEE')?.affiliations[0] ?? null,
  },
  PressItem: content,
  PodcastEpisode: {
    ...content,
    recordedAt: (it) => (it.recordedAtSlug ? (cat.itemBySlug.get(it.recordedAtSlug) ?? null) : null),
    host: (it) => personOf(firstWithRole(it, 'HOST')?.personSlug),
  },
  Article: {
    ...content,
    about: (it) => (it.aboutSlug ? (cat.itemBySlug.get(it.aboutSlug) ?? null) : null),
  },
  FactSheet: content,
  Reading: {
    ...content,
    authors: (it) => it.participations.filter((p) => p.role === 'AUTHOR').map((p) => personOf(p.personSlug)).filter(Boolean),
  },
  Update: {
    items: (u) => u.itemSlugs.map((s) => cat.itemBySlug.get(s)).filter(Boolean),
  },
  Series: {
    updates: () => cat.updates.slice().sort((a, b) => b.year - a.year || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  },
};

// ---------------------------------------------------------------------------------------------

const server = new ApolloServer({
  typeDefs,
  resolvers,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});

const { url } = await startStandaloneServer(server, {
  listen: { port: Number(opts.port), host: opts.host },
});
console.log(
  `scs-series peer (Apollo Server): ${cat.items.length} items, ${cat.people.length} people, ` +
    `${cat.updates.length} updates from ${resolve(opts.seed)}; ready: ${url}graphql`,
);
