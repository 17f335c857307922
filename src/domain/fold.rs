//! Text as search compares it: accents and other marks dropped, and compatibility forms
//! (full-width letters, ligatures, superscripts) folded to plain letters, so `zur` finds
//! `zürich` and `resume` finds `résumé`, as in fzf. Every folded character remembers which
//! character of the original it came from, so matches are highlighted in the text as written.

use std::borrow::Cow;

use icu_normalizer::DecomposingNormalizerBorrowed;

/// Folded text and, when it differs from the original, where each of its characters came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folded {
    pub text: String,
    /// `origin[i]`: the index (in characters) in the original of folded character `i`. `None`
    /// when nothing was folded (all ASCII, the common case), so the indices are the same.
    origin: Option<Box<[u32]>>,
}

impl Folded {
    /// Folds `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        if text.is_ascii() {
            return Self {
                text: text.to_owned(),
                origin: None,
            };
        }
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len());
        for (i, c) in text.chars().enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            fold_char(c, |f| {
                folded.push(f);
                origin.push(i);
            });
        }
        let identical = folded == text;
        Self {
            text: folded,
            origin: (!identical).then(|| origin.into_boxed_slice()),
        }
    }

    /// The original character index of folded character `i`.
    #[must_use]
    pub fn original_index(&self, i: usize) -> usize {
        match &self.origin {
            None => i,
            Some(origin) => origin
                .get(i)
                .map_or(i, |&o| usize::try_from(o).unwrap_or(usize::MAX)),
        }
    }

    /// Maps folded character positions to positions in the original, in order, each once.
    #[must_use]
    pub fn original_positions(&self, positions: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut out: Vec<usize> = positions
            .into_iter()
            .map(|i| self.original_index(i))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// `text` folded, without the position map (for queries).
#[must_use]
pub fn fold(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, |f| out.push(f));
    }
    Cow::Owned(out)
}

/// Compatibility decomposition: `é` → `e` + accent, `ｚ` → `z`, `ﬁ` → `fi`.
const NFKD: DecomposingNormalizerBorrowed<'static> = DecomposingNormalizerBorrowed::new_nfkd();

/// Calls `emit` with what `c` folds to: nothing for a combining mark, the letters of its
/// compatibility decomposition, or a plain letter for the few that have none (ø, ł, ß…).
fn fold_char(c: char, mut emit: impl FnMut(char)) {
    if c.is_ascii() {
        emit(c);
        return;
    }
    if let Some(plain) = plain_letters(c) {
        plain.chars().for_each(emit);
        return;
    }
    for d in NFKD.normalize_iter(std::iter::once(c)) {
        if !is_combining_mark(d) {
            emit(d);
        }
    }
}

/// Latin letters with a stroke or a ligature that Unicode does not decompose.
fn plain_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'Ø' => "O",
        'ł' => "l",
        'Ł' => "L",
        'đ' => "d",
        'Đ' => "D",
        'ħ' => "h",
        'Ħ' => "H",
        'ı' => "i",
        'ŧ' => "t",
        'Ŧ' => "T",
        'ß' => "ss",
        'æ' => "ae",
        'Æ' => "AE",
        'œ' => "oe",
        'Œ' => "OE",
        _ => return None,
    })
}

/// The combining diacritical marks of Latin, Greek and Cyrillic (what accents decompose to).
/// Marks of other scripts are vowels and stay.
fn is_combining_mark(c: char) -> bool {
    matches!(
        u32::from(c),
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_widths_fold_to_plain_letters() {
        assert_eq!(fold("zürich-analytics-dev"), "zurich-analytics-dev");
        assert_eq!(fold("Résumé"), "Resume");
        assert_eq!(fold("ｚｕｒｉｃｈ"), "zurich");
        assert_eq!(fold("ﬁnance"), "finance");
        assert_eq!(fold("Øresund-łódź"), "Oresund-lodz");
        assert_eq!(fold("straße"), "strasse");
        assert_eq!(fold("plain-ascii"), "plain-ascii");
        assert!(matches!(fold("plain"), Cow::Borrowed(_)));
        // Other scripts keep their letters and vowel signs.
        assert_eq!(fold("東京-prod"), "東京-prod");
        assert_eq!(fold("हिंदी"), "हिंदी");
    }

    #[test]
    fn positions_map_back_to_the_original() {
        let f = Folded::new("résumé");
        assert_eq!(f.text, "resume");
        assert_eq!(f.original_positions([0, 1, 5]), [0, 1, 5]);
        // One character folding to two: both map to it.
        let f = Folded::new("straße-x");
        assert_eq!(f.text, "strasse-x");
        assert_eq!(f.original_positions([4, 5, 7]), [4, 6]);
        // A decomposed accent in the original (e + U+0301) is dropped; the letters keep their place.
        let f = Folded::new("cafe\u{301}-bar");
        assert_eq!(f.text, "cafe-bar");
        assert_eq!(f.original_positions([5]), [6]);
        let ascii = Folded::new("abc");
        assert_eq!(ascii.original_positions([2, 0]), [0, 2]);
    }
}
