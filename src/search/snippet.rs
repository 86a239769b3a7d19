//! Snippets: the fragment of a hit's best-matching field, with the matched words marked.

use std::ops::Range;

use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, TantivyDocument};

use super::schema::TextField;
use super::SearchError;

/// Longest fragment, in characters. A text no longer than this is shown whole.
const MAX_CHARS: usize = 200;

/// A fragment of the best-matching field with the matched words marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Which field the fragment is from: "title", "people", "dek", "label", "outlet", "quote",
    /// "summary", "intro" or "venue".
    pub field: &'static str,
    pub text: String,
    /// The matched words, as CHAR offsets into `text` (not bytes: clients index strings by
    /// character), sorted and disjoint.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text HTML-escaped, with each highlight wrapped in `<mark>…</mark>`.
    pub fn html(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 13 * self.highlights.len());
        let mut marks = self.highlights.iter().peekable();
        let mut open: Option<usize> = None;
        for (i, c) in self.text.chars().enumerate() {
            if open == Some(i) {
                out.push_str("</mark>");
                open = None;
            }
            // Ranges are disjoint and sorted; skip any empty or overlapping one defensively.
            while let Some(r) = marks.peek() {
                if r.end <= i || r.start < i {
                    marks.next();
                } else {
                    break;
                }
            }
            if open.is_none() {
                if let Some(r) = marks.peek().filter(|r| r.start == i) {
                    out.push_str("<mark>");
                    open = Some(r.end);
                    marks.next();
                }
            }
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        if open.is_some() {
            out.push_str("</mark>");
        }
        out
    }
}

/// Snippet generators for one query, one per analyzed copy of each text field.
pub(super) struct Generators {
    fields: Vec<(TextField, SnippetGenerator, SnippetGenerator)>,
}

impl Generators {
    pub fn new(
        searcher: &Searcher,
        query: &dyn tantivy::query::Query,
        fields: &[TextField],
    ) -> Result<Generators, SearchError> {
        let mut out = Vec::with_capacity(fields.len());
        for f in fields {
            let mut en = SnippetGenerator::create(searcher, query, f.en)?;
            let mut de = SnippetGenerator::create(searcher, query, f.de)?;
            en.set_max_num_chars(MAX_CHARS);
            de.set_max_num_chars(MAX_CHARS);
            out.push((*f, en, de));
        }
        Ok(Generators { fields: out })
    }

    /// The snippet of the field that matched best: most highlighted words times the field's
    /// boost, earlier fields winning ties. Without any match (a hit found through a word the
    /// snippet analyzer cannot place), the title, or else the first field that has text.
    pub fn best(&self, doc: &TantivyDocument) -> Snippet {
        let mut best: Option<(f32, Snippet)> = None;
        let mut fallback: Option<Snippet> = None;
        for (f, en, de) in &self.fields {
            let text = stored_text(doc, f);
            if text.is_empty() {
                continue;
            }
            // The German copy only when the English one places no word: most matches are found
            // by the first, and each try re-analyzes the whole text.
            let english = en.snippet(&text);
            let s = if english.highlighted().is_empty() { de.snippet(&text) } else { english };
            if !s.highlighted().is_empty() {
                let weight = s.highlighted().len() as f32 * f.boost;
                if best.as_ref().is_none_or(|(w, _)| weight > *w) {
                    best = Some((weight, convert(f.name, &text, s.fragment(), s.highlighted())));
                }
            }
            if fallback.is_none() || f.name == "title" {
                let text: String = text.chars().take(MAX_CHARS).collect();
                fallback = Some(Snippet { field: f.name, text, highlights: Vec::new() });
            }
        }
        match (best, fallback) {
            (Some((_, s)), _) => s,
            (None, Some(s)) => s,
            (None, None) => Snippet { field: "title", text: String::new(), highlights: Vec::new() },
        }
    }
}

/// A field's stored values, joined (a hit has several people).
fn stored_text(doc: &TantivyDocument, f: &TextField) -> String {
    let values: Vec<&str> = doc.get_all(f.en).filter_map(|v| v.as_str()).collect();
    values.join(", ")
}

/// Turns tantivy's fragment (byte ranges) into a [`Snippet`] (char ranges). A fragment of a
/// text short enough to show whole starts at the text's start, so the whole text is kept,
/// with the trailing punctuation tantivy cuts off.
fn convert(field: &'static str, text: &str, fragment: &str, bytes: &[Range<usize>]) -> Snippet {
    let text = if text.chars().count() <= MAX_CHARS && text.starts_with(fragment) { text } else { fragment };
    let char_at = |byte: usize| text.char_indices().take_while(|(b, _)| *b < byte).count();
    let mut highlights: Vec<Range<usize>> = bytes
        .iter()
        .filter(|r| r.start < r.end && r.end <= text.len())
        .map(|r| char_at(r.start)..char_at(r.end))
        .collect();
    highlights.sort_by_key(|r| (r.start, r.end));
    highlights.dedup();
    Snippet { field, text: text.to_string(), highlights }
}

#[cfg(test)]
// Highlights are a Vec of ranges; one range in it is meant.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_and_marks() {
        let s =
            Snippet { field: "title", text: "Länder <&> \"x\" 'y'".into(), highlights: vec![0..6, 12..13] };
        assert_eq!(s.html(), "<mark>Länder</mark> &lt;&amp;&gt; &quot;<mark>x</mark>&quot; &#39;y&#39;");
    }

    #[test]
    fn html_closes_a_mark_at_the_end() {
        let s = Snippet { field: "title", text: "arrogante Länder".into(), highlights: vec![10..16] };
        assert_eq!(s.html(), "arrogante <mark>Länder</mark>");
    }

    #[test]
    fn byte_ranges_become_char_ranges() {
        let text = "Die USA und China sind beide extrem arrogante Länder";
        let start = text.find("Länder").unwrap_or(0);
        let s = convert("title", text, text, &[start..start + "Länder".len()]);
        let chars: String = text.chars().skip(s.highlights[0].start).take(s.highlights[0].len()).collect();
        assert_eq!(chars, "Länder");
        assert_eq!(s.highlights[0].end, text.chars().count());
    }
}
