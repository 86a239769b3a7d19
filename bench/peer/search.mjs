// Full-text search as scs-series does it (src/search/ there, tantivy): every searchable field
// analysed twice, through an English and a German Snowball stemmer; a query's words are ORed,
// each word matching a field through either stem (the better of the two), ranked by BM25 with
// the fields' boosts, ties by id. An in-memory inverted index built once at start-up.

import snowball from 'snowball-stemmers';

const english = snowball.newStemmer('english');
const german = snowball.newStemmer('german');

/** src/search/schema.rs TEXT_FIELDS: name and boost. */
const TEXT_FIELDS = [
  ['title', 3.0],
  ['people', 2.0],
  ['dek', 1.5],
  ['label', 1.5],
  ['outlet', 1.5],
  ['quote', 1.0],
  ['summary', 1.0],
  ['intro', 1.0],
  ['venue', 1.0],
  ['image', 0.5],
];
const MAX_TOKEN_BYTES = 60;
const MAX_WORDS = 32;
const K1 = 1.2;
const B = 0.75;
const f = Math.fround;

/** tantivy's field-length quantisation (fieldnorm/code.rs FIELD_NORMS_TABLE). */
const FIELD_NORMS_TABLE = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
  30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 42, 44, 46, 48, 50, 52, 54, 56, 60, 64, 68, 72, 76, 80, 84, 88, 96,
  104, 112, 120, 128, 136, 144, 152, 168, 184, 200, 216, 232, 248, 264, 280, 312, 344, 376, 408, 440, 472, 504,
  536, 600, 664, 728, 792, 856, 920, 984, 1048, 1176, 1304, 1432, 1560, 1688, 1816, 1944, 2072, 2328, 2584, 2840,
  3096, 3352, 3608, 3864, 4120, 4632, 5144, 5656, 6168, 6680, 7192, 7704, 8216, 9240, 10264, 11288, 12312, 13336,
  14360, 15384, 16408, 18456, 20504, 22552, 24600, 26648, 28696, 30744, 32792, 36888, 40984, 45080, 49176, 53272,
  57368, 61464, 65560, 73752, 81944, 90136, 98328, 106520, 114712, 122904, 131096, 147480, 163864, 180248, 196632,
  213016, 229400, 245784, 262168, 294936, 327704, 360472, 393240, 426008, 458776, 491544, 524312, 589848, 655384,
  720920, 786456, 851992, 917528, 983064, 1048600, 1179672, 1310744, 1441816, 1572888, 1703960, 1835032, 1966104,
  2097176, 2359320, 2621464, 2883608, 3145752, 3407896, 3670040, 3932184, 4194328, 4718616, 5242904, 5767192,
  6291480, 6815768, 7340056, 7864344, 8388632, 9437208, 10485784, 11534360, 12582936, 13631512, 14680088,
  15728664, 16777240, 18874392, 20971544, 23068696, 25165848, 27263000, 29360152, 31457304, 33554456, 37748760,
  41943064, 46137368, 50331672, 54525976, 58720280, 62914584, 67108888, 75497496, 83886104, 92274712, 100663320,
  109051928, 117440536, 125829144, 134217752, 150994968, 167772184, 184549400, 201326616, 218103832, 234881048,
  251658264, 268435480, 301989912, 335544344, 369098776, 402653208, 436207640, 469762072, 503316504, 536870936,
  603979800, 671088664, 738197528, 805306392, 872415256, 939524120, 1006632984, 1073741848, 1207959576,
  1342177304, 1476395032, 1610612760, 1744830488, 1879048216, 2013265944,
];
function quantize(fieldnorm) {
  let lo = 0;
  let hi = FIELD_NORMS_TABLE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (FIELD_NORMS_TABLE[mid] <= fieldnorm) lo = mid;
    else hi = mid - 1;
  }
  return FIELD_NORMS_TABLE[lo];
}

// Letters folded to ASCII beyond what Unicode decomposition gives (Lucene's ASCII folding).
const SPECIAL_FOLDS = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i', ŋ: 'n', ħ: 'h', ŧ: 't', ĸ: 'q',
  ſ: 's', ƒ: 'f', ĳ: 'ij',
};
const foldCache = new Map();
function foldChar(c) {
  let out = foldCache.get(c);
  if (out === undefined) {
    const d = c.normalize('NFKD').replace(/\p{M}/gu, '');
    out = d.length > 0 && /^[\x00-\x7f]+$/.test(d) ? d.toLowerCase() : (SPECIAL_FOLDS[c] ?? c);
    foldCache.set(c, out);
  }
  return out;
}
function fold(token) {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(token)) return token;
  let out = '';
  for (const c of token) out += c.charCodeAt(0) < 128 ? c : foldChar(c);
  return out;
}

/** SimpleTokenizer, RemoveLongFilter, LowerCaser, AsciiFoldingFilter: the unstemmed words. */
export function words(text) {
  const out = [];
  for (const m of text.matchAll(/[\p{Alphabetic}\p{N}]+/gu)) {
    const t = m[0];
    if (Buffer.byteLength(t) >= MAX_TOKEN_BYTES) continue;
    out.push(fold(t.toLowerCase()));
  }
  return out;
}

/** What the index holds of each entity (src/search/schema.rs Source). */
function sources(cat) {
  const out = [];
  const imageText = (image) => {
    if (!image) return null;
    const parts = [image.caption, image.captionCorrected, image.credit, image.creator].filter((p) => p != null);
    return parts.length ? parts.join(' · ') : null;
  };
  const nonBlank = (v) => v != null && v.trim() !== '';
  for (const it of cat.items) {
    const texts = [];
    const push = (field, v) => nonBlank(v) && texts.push([field, v]);
    push('title', it.title);
    push('dek', it.dek);
    push('summary', it.summary);
    if (it.kindName === 'interview') push('quote', it.quote);
    if (it.kindName === 'press-item') {
      push('label', it.label);
      push('outlet', it.outlet);
    }
    if (it.kindName === 'reading' || it.kindName === 'event') push('venue', it.venue);
    const img = imageText(it.image);
    if (img) texts.push(['image', img]);
    const seen = new Set();
    for (const p of it.participations) {
      const person = cat.personBySlug.get(p.personSlug);
      if (person && !seen.has(person.id)) {
        seen.add(person.id);
        texts.push(['people', person.name]);
      }
    }
    out.push({ entity: it, kindTag: it.kindTag, year: it.year, people: [...seen], texts });
  }
  for (const u of cat.updates) {
    const texts = [['title', u.title]];
    if (nonBlank(u.intro)) texts.push(['intro', u.intro]);
    out.push({ entity: u, kindTag: 8, year: u.year, people: [], texts });
  }
  if (cat.series) {
    const s = cat.series;
    const texts = [['title', s.title]];
    if (nonBlank(s.subtitle)) texts.push(['dek', s.subtitle]);
    if (nonBlank(s.intro)) texts.push(['intro', s.intro]);
    const img = imageText(s.heroImage);
    if (img) texts.push(['image', img]);
    out.push({ entity: s, kindTag: 10, year: null, people: [], texts });
  }
  return out;
}

export class SearchIndex {
  constructor(cat) {
    this.docs = sources(cat);
    this.numDocs = this.docs.length;
    // postings[field][lang]: term -> [{doc, tf}], with each doc's field length.
    this.fields = TEXT_FIELDS.map(([name, boost]) => ({
      name,
      boost,
      langs: [english, german].map((stemmer) => ({ stemmer, postings: new Map(), totalTokens: 0 })),
    }));
    this.docs.forEach((doc, d) => {
      for (const field of this.fields) {
        const values = doc.texts.filter(([name]) => name === field.name).map(([, v]) => v);
        if (!values.length) continue;
        const ws = values.flatMap(words);
        for (const lang of field.langs) {
          const tfs = new Map();
          for (const w of ws) {
            const t = lang.stemmer.stem(w);
            tfs.set(t, (tfs.get(t) ?? 0) + 1);
          }
          lang.totalTokens += ws.length;
          const norm = quantize(ws.length);
          for (const [t, tf] of tfs) {
            let list = lang.postings.get(t);
            if (!list) lang.postings.set(t, (list = []));
            list.push({ doc: d, tf, norm });
          }
        }
      }
    });
    for (const field of this.fields) {
      for (const lang of field.langs) {
        lang.avg = f(lang.totalTokens / this.numDocs);
      }
    }
  }

  /**
   * All matches of `text`, best first: [{ entity, score }]. `filter` narrows by kinds (tags),
   * year and person id. Throws `EmptyQuery` when the text has no word.
   */
  search(text, { kinds = [], year = null, person = null } = {}) {
    const ws = words(text);
    const pairs = [];
    for (const w of ws) {
      const pair = [english.stem(w), german.stem(w)];
      if (pairs.length < MAX_WORDS && !pairs.some((p) => p[0] === pair[0] && p[1] === pair[1])) pairs.push(pair);
    }
    if (!pairs.length) {
      const e = new Error('the search text has no words to search for');
      e.emptyQuery = true;
      throw e;
    }
    const scores = new Map();
    for (const pair of pairs) {
      for (const field of this.fields) {
        // The better of the English and the German stem, per document (DisjunctionMax).
        const best = new Map();
        field.langs.forEach((lang, i) => {
          const list = lang.postings.get(pair[i]);
          if (!list) return;
          const n = list.length;
          const idf = f(Math.log(f(1 + f(f(this.numDocs - n + 0.5) / f(n + 0.5)))));
          const weight = f(f(idf * f(1 + K1)) * field.boost);
          for (const { doc, tf, norm } of list) {
            const cache = f(K1 * f(f(1 - B) + f(f(B * norm) / lang.avg)));
            const s = f(weight * f(tf / f(tf + cache)));
            const prev = best.get(doc);
            if (prev === undefined || s > prev) best.set(doc, s);
          }
        });
        for (const [doc, s] of best) scores.set(doc, f((scores.get(doc) ?? 0) + s));
      }
    }
    const hits = [];
    for (const [d, score] of scores) {
      const doc = this.docs[d];
      if (kinds.length && !kinds.includes(doc.kindTag)) continue;
      if (year !== null && doc.year !== year) continue;
      if (person !== null && !doc.people.includes(person)) continue;
      hits.push({ entity: doc.entity, score });
    }
    hits.sort((a, b) => b.score - a.score || (a.entity.id < b.entity.id ? -1 : a.entity.id > b.entity.id ? 1 : 0));
    return hits;
  }
}
