//! The top hits of a search and how many there are, in one pass: ranked by score, ties broken
//! by id (the lower first), so that equal scores keep one order across restarts and index
//! rebuilds, and offsets page through the same list.
//!
//! Written rather than tantivy's `TopDocs::tweak_score`, which reads the id of every match:
//! with 88,000 matches that was a fifth of a search. Here a match's id is read only when its
//! score could enter the top.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Collects `(how many matched, the hits from offset to offset + limit, best first)`.
pub(super) struct TopById {
    pub offset: usize,
    /// At least 1.
    pub limit: usize,
}

#[derive(Clone, Copy)]
pub(super) struct Ranked {
    score: Score,
    /// The id as two halves (the `id_hi` and `id_lo` fast fields).
    id: (u64, u64),
    address: DocAddress,
}

impl Ord for Ranked {
    /// Better is greater: a higher score, then a lower id.
    fn cmp(&self, other: &Ranked) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.id.cmp(&self.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

pub(super) struct SegmentTop {
    segment: SegmentOrdinal,
    keep: usize,
    hi: Arc<dyn ColumnValues<u64>>,
    lo: Arc<dyn ColumnValues<u64>>,
    /// The best `keep` so far, the worst on top.
    best: BinaryHeap<Reverse<Ranked>>,
    count: usize,
}

impl Collector for TopById {
    type Fruit = (usize, Vec<(Score, DocAddress)>);
    type Child = SegmentTop;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentTop> {
        let fast = reader.fast_fields();
        let keep = self.offset.saturating_add(self.limit);
        Ok(SegmentTop {
            segment,
            keep,
            hi: fast.u64("id_hi")?.first_or_default_col(0),
            lo: fast.u64("id_lo")?.first_or_default_col(0),
            best: BinaryHeap::with_capacity(keep.min(1024) + 1),
            count: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<(usize, Vec<Ranked>)>) -> tantivy::Result<Self::Fruit> {
        let count = segments.iter().map(|(count, _)| count).sum();
        let mut all: Vec<Ranked> = segments.into_iter().flat_map(|(_, best)| best).collect();
        all.sort_unstable_by(|a, b| b.cmp(a));
        let page = all.into_iter().skip(self.offset).take(self.limit).map(|r| (r.score, r.address));
        Ok((count, page.collect()))
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = (usize, Vec<Ranked>);

    fn collect(&mut self, doc: DocId, score: Score) {
        self.count += 1;
        let full = self.best.len() >= self.keep;
        // A lower score than the worst kept cannot enter, whatever its id: skip reading it.
        if full && self.best.peek().is_some_and(|worst| score < worst.0.score) {
            return;
        }
        let ranked = Ranked {
            score,
            id: (self.hi.get_val(doc), self.lo.get_val(doc)),
            address: DocAddress::new(self.segment, doc),
        };
        if !full {
            self.best.push(Reverse(ranked));
        } else if let Some(mut worst) = self.best.peek_mut() {
            if ranked > worst.0 {
                *worst = Reverse(ranked);
            }
        }
    }

    fn harvest(self) -> (usize, Vec<Ranked>) {
        (self.count, self.best.into_iter().map(|r| r.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Schema, FAST, TEXT};
    use tantivy::{doc, Index, Term};

    use super::*;

    /// Ties broken by id, whichever order the documents were added in and however the pages
    /// are cut: 39 documents of one score with scrambled ids, and 4 that score higher.
    #[test]
    fn ties_rank_by_id_on_every_page() -> tantivy::Result<()> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let (hi, lo) = (schema.add_u64_field("id_hi", FAST), schema.add_u64_field("id_lo", FAST));
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer(15_000_000)?;
        // 7 is coprime with 43: every id once, in a scrambled order.
        for n in (0..43u64).map(|i| (i * 7) % 43) {
            let words = if n % 10 == 5 { "tie tie tie" } else { "tie" };
            writer.add_document(doc!(text => words, hi => n % 3, lo => n))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let query = TermQuery::new(Term::from_field_text(text, "tie"), IndexRecordOption::WithFreqs);
        let id_of = |address: DocAddress| -> tantivy::Result<(u64, u64)> {
            let fast = searcher.segment_reader(address.segment_ord).fast_fields();
            let at = |name| -> tantivy::Result<u64> {
                Ok(fast.u64(name)?.first_or_default_col(0).get_val(address.doc_id))
            };
            Ok((at("id_hi")?, at("id_lo")?))
        };

        let (count, all) = searcher.search(&query, &TopById { offset: 0, limit: 100 })?;
        assert_eq!((count, all.len()), (43, 43));
        let ids = all.iter().map(|&(_, a)| id_of(a)).collect::<tantivy::Result<Vec<_>>>()?;
        // The four higher scores first, lowest id first; then the rest by id.
        let mut expected: Vec<(u64, u64)> = [5, 15, 25, 35].iter().map(|&n| (n % 3, n)).collect();
        expected.sort();
        let mut rest: Vec<(u64, u64)> = (0..43).filter(|n| n % 10 != 5).map(|n| (n % 3, n)).collect();
        rest.sort();
        expected.extend(rest);
        assert_eq!(ids, expected);

        let mut paged = Vec::new();
        for offset in (0..45).step_by(4) {
            let (count, page) = searcher.search(&query, &TopById { offset, limit: 4 })?;
            assert_eq!(count, 43);
            paged.extend(page);
        }
        assert_eq!(paged, all);
        Ok(())
    }
}
