//! Output for people and programs: stdout that tolerates a closed pipe, and table cells padded
//! by display width (a CJK character or an emoji takes two columns), as the TUI pads them.

use std::io::Write as _;

use unicode_width::UnicodeWidthStr as _;

use crate::domain::untrusted::{self, visible};

/// Writes to stdout exactly (JSON, exports, files); a closed pipe (`awsnav list | head`) is not
/// an error.
///
/// # Errors
/// When stdout cannot be written for another reason.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Writes text for people to stdout (a table, a summary): the lines it means kept, any
/// control or bidirectional override that got into it written as an escape
/// ([`untrusted::visible_lines`]). Names in it are made [`untrusted::visible`] where they are
/// put in ([`visible_cells`]), so a line end in one cannot start a row; this is the net.
///
/// # Errors
/// When stdout cannot be written for another reason than a closed pipe.
pub fn write_text(text: &str) -> anyhow::Result<()> {
    write_stdout(&untrusted::visible_lines(text))
}

/// Every cell of a table's rows made [`untrusted::visible`]: names, paths and tags from the
/// organization show their controls and line ends as escapes instead of acting on them.
#[must_use]
pub fn visible_cells<const N: usize>(rows: Vec<[String; N]>) -> Vec<[String; N]> {
    rows.into_iter()
        .map(|row| row.map(|cell| visible(&cell).into_owned()))
        .collect()
}

pub(crate) use crate::app::say;

/// Columns `text` takes on a terminal.
#[must_use]
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` followed by spaces up to `columns` display columns (nothing when it is wider).
#[must_use]
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = String::with_capacity(text.len() + columns);
    out.push_str(text);
    out.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    out
}

/// Spaces, then `text`, to `columns` display columns.
#[must_use]
pub fn pad_left(text: &str, columns: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', columns.saturating_sub(width(text))).collect();
    out.push_str(text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("東京", 6), "東京  ");
        assert_eq!(pad("🚀x", 4), "🚀x ");
        assert_eq!(pad("résumé", 7), "résumé ");
        assert_eq!(pad("toolong", 3), "toolong");
        assert_eq!(pad_left("東", 4), "  東");
        assert_eq!(width("東京-prod"), 9);
    }
}
