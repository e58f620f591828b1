//! The tokens of many sentences as flat columns: what the Python binding turns into lists
//! of strs, an Arrow ListArray or numpy arrays, with no per-token allocation here.

use rayon::prelude::*;

use crate::segment::viterbi::{Scratch, Tokenizer};
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;
use crate::util::text::AsText;
#[cfg(test)]
use crate::util::text::Text;

/// A token that is no lexicon word (an unknown character, a glued ASCII run, a separator).
pub const NO_WORD: u32 = u32::MAX;

/// What [`Tokenizer::tokenize_table`] fills besides the token ends.
#[derive(Clone, Copy, Debug, Default)]
pub struct Want {
    /// each token's lexicon id ([`TokenTable::id`])
    pub ids: bool,
    /// the lines' UTF-8 and each token's end in it ([`TokenTable::utf8`])
    pub utf8: bool,
    /// leave [`TokenTable::end`] empty (the Arrow output reads only the UTF-8 ends: no
    /// character count per token)
    pub skip_ends: bool,
}

/// The tokens of lines `0..n`, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TokenTable {
    /// the tokens of line i are `line_at[i]..line_at[i + 1]` (n + 1 entries)
    pub line_at: Vec<u64>,
    /// each token's end in chars from the start of its line; its start is the previous
    /// token's end, or 0 for a line's first token (empty with [`Want::skip_ends`])
    pub end: Vec<u32>,
    /// each token's lexicon id, or [`NO_WORD`] (empty unless asked for)
    pub id: Vec<u32>,
    /// the lines' UTF-8 concatenated (empty unless asked for): the tokens' text, since a
    /// sentence's tokens are the sentence
    pub utf8: Vec<u8>,
    /// each token's end in bytes in `utf8` (empty unless asked for)
    pub utf8_end: Vec<u64>,
}

impl TokenTable {
    fn append(&mut self, mut part: TokenTable) {
        let base = self.line_at.last().copied().unwrap_or(0); // the tokens so far
        let bytes = self.utf8.len() as u64;
        self.line_at.extend(part.line_at.iter().skip(1).map(|&k| k + base));
        self.end.append(&mut part.end);
        self.id.append(&mut part.id);
        self.utf8_end.extend(part.utf8_end.iter().map(|&b| b + bytes));
        self.utf8.append(&mut part.utf8);
    }
}

impl Tokenizer {
    /// The tokens of every line (as [`tokenize_spans`](Self::tokenize_spans) cuts it), in
    /// parallel over blocks of lines, checking `ctl` between blocks. A line longer than
    /// 2³² − 1 chars is an error when the char ends are made (they are 32-bit).
    pub fn tokenize_table<T: AsText + Sync>(
        &self,
        lines: &[T],
        want: Want,
        num_threads: Option<usize>,
        ctl: &Control,
    ) -> Result<TokenTable> {
        const BLOCK: usize = 512;
        let parts: Vec<Result<TokenTable>> = in_pool(num_threads, || {
            Ok(lines
                .par_chunks(BLOCK)
                .map_init(
                    || (Scratch::default(), String::new(), Vec::new()),
                    |(scratch, buf, spans), block| {
                        ctl.check()?;
                        self.table_of_block(block, want, scratch, buf, spans)
                    },
                )
                .collect())
        })?;
        let parts: Vec<TokenTable> = parts.into_iter().collect::<Result<_>>()?;
        // each column sized once: growing them part by part copied and faulted them in again
        let total = |f: fn(&TokenTable) -> usize| parts.iter().map(f).sum::<usize>();
        let mut table = TokenTable {
            line_at: Vec::with_capacity(lines.len() + 1),
            end: Vec::with_capacity(total(|t| t.end.len())),
            id: Vec::with_capacity(total(|t| t.id.len())),
            utf8: Vec::with_capacity(total(|t| t.utf8.len())),
            utf8_end: Vec::with_capacity(total(|t| t.utf8_end.len())),
        };
        table.line_at.push(0);
        for part in parts {
            table.append(part);
        }
        Ok(table)
    }

    fn table_of_block<T: AsText>(
        &self,
        block: &[T],
        want: Want,
        scratch: &mut Scratch,
        buf: &mut String,
        spans: &mut Vec<std::ops::Range<usize>>,
    ) -> Result<TokenTable> {
        let mut t = TokenTable { line_at: Vec::with_capacity(block.len() + 1), ..Default::default() };
        t.line_at.push(0);
        let mut tokens = 0u64;
        for line in block {
            let s = line.as_text().as_str_in(buf);
            self.tokenize_spans_into(s, scratch, spans);
            let mut chars = 0usize;
            let count_chars = want.ids || !want.skip_ends;
            for r in spans.iter() {
                if count_chars {
                    let piece = &s[r.clone()];
                    let from = chars;
                    chars += if piece.len() == 1 { 1 } else { piece.chars().count() };
                    if !want.skip_ends {
                        let end = u32::try_from(chars).map_err(|_| Error::arg("a line of more than 4,294,967,295 characters"))?;
                        t.end.push(end);
                    }
                    if want.ids {
                        t.id.push(self.id_of_token(scratch, from, chars, piece).map_or(NO_WORD, |i| i as u32));
                    }
                }
                if want.utf8 {
                    t.utf8_end.push((t.utf8.len() + r.end) as u64);
                }
            }
            if want.utf8 {
                t.utf8.extend_from_slice(s.as_bytes());
            }
            tokens += spans.len() as u64;
            t.line_at.push(tokens);
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::segment::Lexicon;

    fn tok() -> Tokenizer {
        let lex = Lexicon::from_pairs([("中国", 5u64), ("人民", 3), ("天安门", 2)]).unwrap();
        Tokenizer::new(Arc::new(lex), -100.0, true)
    }

    #[test]
    fn table_matches_tokenize_on_every_representation() {
        let t = tok();
        let lines = ["中国人民，天安门abc 12", "", "人", "\u{1F600}中国x"];
        let want = Want { ids: true, utf8: true, skip_ends: false };
        // more lines than a block, so parts are joined
        let many: Vec<&str> = lines.iter().cycle().take(2000).copied().collect();
        let table = t.tokenize_table(&many, want, Some(2), &Control::new()).unwrap();
        let mut s = Scratch::default();
        let mut k = 0;
        for (i, line) in many.iter().enumerate() {
            let toks = t.tokenize(line, &mut s);
            assert_eq!((table.line_at[i + 1] - table.line_at[i]) as usize, toks.len());
            let mut start = 0usize;
            let chars: Vec<char> = line.chars().collect();
            for tk in toks {
                let end = table.end[k] as usize;
                assert_eq!(chars[start..end].iter().collect::<String>(), tk);
                let b0 = if k == 0 { 0 } else { table.utf8_end[k - 1] as usize };
                assert_eq!(std::str::from_utf8(&table.utf8[b0..table.utf8_end[k] as usize]).unwrap(), tk);
                assert_eq!(table.id[k], t.lexicon().id(tk).map_or(NO_WORD, |i| i as u32));
                start = end;
                k += 1;
            }
        }
        assert_eq!(table.utf8, many.concat().into_bytes());
        // code units read in place give the same table
        let ucs4: Vec<Vec<u32>> = many.iter().map(|l| l.chars().map(|c| c as u32).collect()).collect();
        let texts: Vec<Text> = ucs4.iter().map(|u| Text::Ucs4(u)).collect();
        assert_eq!(t.tokenize_table(&texts, want, Some(1), &Control::new()).unwrap(), table);
        // without the char ends: the same lines and UTF-8 ends, no `end`
        let arrow = Want { ids: false, utf8: true, skip_ends: true };
        let lean = t.tokenize_table(&many, arrow, Some(2), &Control::new()).unwrap();
        assert_eq!((&lean.line_at, &lean.utf8, &lean.utf8_end), (&table.line_at, &table.utf8, &table.utf8_end));
        assert!(lean.end.is_empty() && lean.id.is_empty());
    }

    #[test]
    fn cancelled_table_stops() {
        let ctl = Control::new();
        ctl.cancel();
        let lines = vec!["中国"; 10];
        assert!(matches!(tok().tokenize_table(&lines, Want::default(), None, &ctl), Err(Error::Cancelled)));
    }
}
