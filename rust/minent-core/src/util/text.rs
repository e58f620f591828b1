//! Sentences as the caller holds them: UTF-8, or a Python `str`'s own storage.
//!
//! CPython keeps a `str` as Latin-1, UCS-2 or UCS-4 code units (Chinese text: UCS-2).
//! Handing it over as UTF-8 made Python encode every line (11 ms for the four novels'
//! 130k lines, the first time) and the core decode it again at every pass. [`Text`]
//! lets the core read the code units directly.

/// One sentence.
#[derive(Clone, Copy, Debug)]
pub enum Text<'a> {
    Utf8(&'a str),
    Latin1(&'a [u8]),
    /// may hold lone surrogates (a Python `str` can): read as U+FFFD
    Ucs2(&'a [u16]),
    /// may hold surrogates too
    Ucs4(&'a [u32]),
}

/// Anything that reads as a [`Text`]: `str`s and `String`s, and `Text` itself.
pub trait AsText {
    fn as_text(&self) -> Text<'_>;
}

impl<S: AsRef<str> + ?Sized> AsText for S {
    #[inline]
    fn as_text(&self) -> Text<'_> {
        Text::Utf8(self.as_ref())
    }
}

impl AsText for Text<'_> {
    #[inline]
    fn as_text(&self) -> Text<'_> {
        *self
    }
}

/// A loop over a text's chars: see [`Text::visit`].
pub trait CharVisitor {
    type Output;
    fn visit(self, chars: impl Iterator<Item = char>) -> Self::Output;
}

/// A code unit as a char; a surrogate (not a char) as U+FFFD.
#[inline]
pub(crate) fn unit_char(u: u32) -> char {
    char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER)
}

impl<'a> Text<'a> {
    /// About how many bytes the text takes as UTF-8 (exact for UTF-8; for sizing buffers).
    pub fn utf8_len_estimate(&self) -> usize {
        match *self {
            Text::Utf8(s) => s.len(),
            Text::Latin1(u) => u.len(),
            Text::Ucs2(u) => u.len() * 3,
            Text::Ucs4(u) => u.len() * 4,
        }
    }

    /// Whether the text holds a surrogate code point (which no `char` can hold).
    pub fn has_surrogate(&self) -> bool {
        match *self {
            Text::Utf8(_) | Text::Latin1(_) => false,
            Text::Ucs2(u) => u.iter().any(|&u| (0xD800..0xE000).contains(&u)),
            Text::Ucs4(u) => u.iter().any(|&u| (0xD800..0xE000).contains(&u)),
        }
    }

    /// The text as a `str`: borrowed when it is UTF-8, else decoded into `buf` (a
    /// surrogate as U+FFFD).
    pub fn as_str_in<'b>(self, buf: &'b mut String) -> &'b str
    where
        'a: 'b,
    {
        struct Decode<'c>(&'c mut String);
        impl CharVisitor for Decode<'_> {
            type Output = ();
            fn visit(self, chars: impl Iterator<Item = char>) {
                self.0.extend(chars);
            }
        }
        match self {
            Text::Utf8(s) => s,
            other => {
                buf.clear();
                buf.reserve(other.utf8_len_estimate());
                other.visit(Decode(buf));
                buf
            }
        }
    }

    /// `visitor.visit(chars)` over the text's chars. Each representation gets its own
    /// compiled loop (a closure called per char from four loops was not inlined, and its
    /// state lived in memory).
    #[inline]
    pub fn visit<V: CharVisitor>(self, visitor: V) -> V::Output {
        match self {
            Text::Utf8(s) => visitor.visit(s.chars()),
            Text::Latin1(u) => visitor.visit(u.iter().map(|&u| u as char)),
            Text::Ucs2(u) => visitor.visit(u.iter().map(|&u| unit_char(u as u32))),
            Text::Ucs4(u) => visitor.visit(u.iter().map(|&u| unit_char(u))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_representation_reads_the_same_chars() {
        let s = "天地 ab é人\u{1F600}";
        let chars: Vec<char> = s.chars().collect();
        let ucs4: Vec<u32> = chars.iter().map(|&c| c as u32).collect();
        let bmp: Vec<u16> = s.chars().filter(|&c| (c as u32) < 0x1_0000).map(|c| c as u16).collect();
        let latin: Vec<u8> = "ab é".chars().map(|c| c as u8).collect();
        struct Collect;
        impl CharVisitor for Collect {
            type Output = Vec<char>;
            fn visit(self, chars: impl Iterator<Item = char>) -> Self::Output {
                chars.collect()
            }
        }
        let read = |t: Text| t.visit(Collect);
        let utf8 = read(Text::Utf8(s));
        assert_eq!(utf8, chars);
        assert_eq!(read(Text::Ucs4(&ucs4)), chars);
        assert_eq!(read(Text::Ucs2(&bmp)).into_iter().collect::<String>(), "天地 ab é人");
        assert_eq!(read(Text::Latin1(&latin)).into_iter().collect::<String>(), "ab é");
        // every length of UTF-8 encoding, and the highest code point
        let all: Vec<u32> = ['a', '\u{7F}', '\u{80}', 'é', '\u{7FF}', '\u{800}', '天', '\u{FFFF}', '\u{10000}', '\u{10FFFF}']
            .iter()
            .map(|&c| c as u32)
            .collect();
        let want: Vec<char> = all.iter().map(|&u| char::from_u32(u).unwrap()).collect();
        assert_eq!(read(Text::Ucs4(&all)), want);
    }

    #[test]
    fn surrogates_read_as_replacement_and_are_reported() {
        struct Collect;
        impl CharVisitor for Collect {
            type Output = String;
            fn visit(self, chars: impl Iterator<Item = char>) -> String {
                chars.collect()
            }
        }
        let units = [0x5929u16, 0xD800, 0x5730];
        assert_eq!(Text::Ucs2(&units).visit(Collect), "天\u{FFFD}地");
        assert_eq!(Text::Ucs4(&[0x5929, 0xDFFF]).visit(Collect), "天\u{FFFD}");
        assert!(Text::Ucs2(&units).has_surrogate());
        assert!(Text::Ucs4(&[0x41, 0xDFFF]).has_surrogate());
        assert!(!Text::Ucs2(&[0x5929, 0xE000]).has_surrogate());
        assert!(!Text::Utf8("天").has_surrogate());
    }
}
