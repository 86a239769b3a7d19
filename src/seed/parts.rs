//! Cutting a seed file into parts of whole top-level tables, each read on its own.
//!
//! Why: toml builds a whole file's document before it hands out a single table, and that
//! document is about ten times the text. A 27 MB `interviews.toml` (35,000 interviews) took
//! 260 MiB to read at once; parts of [`TABLES_PER_PART`] tables take a few MiB each.
//!
//! A part boundary is always the start of a top-level array-of-tables header (`[[interview]]`,
//! never `[[interview.people]]`), found with toml's own lexer, so strings, comments and
//! multi-line arrays never fool it. Tables of an array append, so the parts read one after the
//! other give the same tables as the whole file.

use toml_parser::lexer::{Token, TokenKind};
use toml_parser::Source;

/// Top-level tables per part.
pub const TABLES_PER_PART: usize = 1_000;

/// Byte ranges covering `src` in order, each starting at a top-level `[[…]]` header (the first
/// at 0) and holding at most `per_part` such tables.
pub fn ranges(src: &str, per_part: usize) -> Vec<std::ops::Range<usize>> {
    let starts: Vec<usize> = top_level_array_tables(src)
        .into_iter()
        .enumerate()
        .filter(|(n, _)| *n > 0 && n % per_part.max(1) == 0)
        .map(|(_, start)| start)
        .collect();
    let mut out = Vec::with_capacity(starts.len() + 1);
    let mut from = 0;
    for start in starts {
        out.push(from..start);
        from = start;
    }
    out.push(from..src.len());
    out
}

/// Where each top-level array-of-tables header starts: `[[` at the start of a line, outside any
/// value, with an undotted key.
fn top_level_array_tables(src: &str) -> Vec<usize> {
    let mut tokens = Source::new(src).lex().filter(|t| t.kind() != TokenKind::Whitespace);
    let mut out = Vec::new();
    // Open `[` and `{` of values: a line inside a multi-line array is not a header.
    let mut depth = 0usize;
    let mut line_start = true;
    while let Some(token) = tokens.next() {
        let kind = token.kind();
        if line_start && depth == 0 && kind == TokenKind::LeftSquareBracket {
            let header: Vec<Token> = tokens
                .by_ref()
                .take_while(|t| !matches!(t.kind(), TokenKind::Newline | TokenKind::Eof))
                .collect();
            let array = header.first().is_some_and(|t| t.kind() == TokenKind::LeftSquareBracket);
            if array && !header.iter().any(|t| t.kind() == TokenKind::Dot) {
                out.push(token.span().start());
            }
            // `take_while` ate the newline that ends the header.
            line_start = true;
            continue;
        }
        match kind {
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        line_start = kind == TokenKind::Newline;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(src: &str, per_part: usize) -> Vec<&str> {
        ranges(src, per_part).into_iter().map(|r| &src[r]).collect()
    }

    #[test]
    fn cuts_only_before_top_level_array_table_headers() {
        let src = r#"# a comment with [[interview]] in it
[[interview]]
slug = "a"
quote = """
[[interview]]
not a header"""
[[interview.people]]
person = "p"

[[interview]]
slug = "b"
list = [
  [1, 2],
[[3]],
]
[interview.image]
src = "x"
  [[ interview ]]
slug = "c"
"#;
        assert_eq!(top_level_array_tables(src).len(), 3);
        let cut = parts(src, 1);
        assert_eq!(cut.len(), 3);
        assert!(cut[0].starts_with("# a comment") && cut[0].ends_with("person = \"p\"\n\n"));
        assert!(cut[1].starts_with("[[interview]]\nslug = \"b\"") && cut[1].contains("[interview.image]"));
        assert!(cut[2].starts_with("[[ interview ]]"));
        assert_eq!(cut.concat(), src);
        for part in cut {
            assert!(part.parse::<toml::Table>().is_ok(), "{part}");
        }
    }

    #[test]
    fn groups_tables_and_covers_the_whole_text() {
        let src: String = (0..7).map(|n| format!("[[person]]\nslug = \"p{n}\"\n")).collect();
        let cut = parts(&src, 3);
        assert_eq!(cut.len(), 3);
        assert_eq!(cut.iter().map(|p| p.matches("[[person]]").count()).collect::<Vec<_>>(), [3, 3, 1]);
        assert_eq!(cut.concat(), src);
        assert_eq!(parts("", 3), [""]);
        assert_eq!(parts("title = \"no tables\"\n", 3), ["title = \"no tables\"\n"]);
    }
}
