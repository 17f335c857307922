//! Long lines wrapped to a pane's width rather than cut at its border: at a space where
//! there is one, with continuation lines indented under the line's last part (a field's
//! value under the value, not under its label).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar as _;

/// `lines` wrapped to `width` columns; lines that fit are kept as they are.
#[must_use]
pub fn wrapped(lines: Vec<Line<'_>>, width: usize) -> Vec<Line<'_>> {
    if width < 8 {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width {
            out.push(line);
        } else {
            out.extend(wrap_line(&line, width));
        }
    }
    out
}

/// One line too wide for `width`, as several.
fn wrap_line(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    let cells: Vec<(char, Style, usize)> = line
        .spans
        .iter()
        .flat_map(|s| {
            s.content
                .chars()
                .map(move |c| (c, s.style, c.width().unwrap_or(0)))
        })
        .collect();
    // Continuation lines start under the last span (a field's value) when it starts in the
    // left half, else two columns in.
    let last_start: usize = line
        .spans
        .iter()
        .take(line.spans.len().saturating_sub(1))
        .map(Span::width)
        .sum();
    let indent = if line.spans.len() > 1 && last_start <= width / 2 {
        last_start
    } else {
        2
    };
    let mut rows: Vec<Vec<(char, Style, usize)>> = Vec::new();
    let mut row: Vec<(char, Style, usize)> = Vec::new();
    let mut used = 0;
    let mut i = 0;
    while i < cells.len() {
        let cell = cells[i];
        if used + cell.2 <= width {
            used += cell.2;
            row.push(cell);
            i += 1;
            continue;
        }
        // Full: break after the last space past the indent whose words after it fit on the
        // next line, else here.
        let start = if rows.is_empty() { 0 } else { indent };
        let space = row
            .iter()
            .rposition(|(c, _, _)| *c == ' ')
            .filter(|&s| s > start)
            .filter(|&s| {
                indent + row[s + 1..].iter().map(|c| c.2).sum::<usize>() + cell.2 <= width
            });
        let carried: Vec<(char, Style, usize)> = match space {
            Some(s) => {
                let tail = row.split_off(s + 1);
                row.pop(); // the space itself
                tail
            }
            None => Vec::new(),
        };
        rows.push(std::mem::take(&mut row));
        // `indent` is at most half the width, so the cell fits after it.
        row = std::iter::repeat_n((' ', Style::default(), 1), indent)
            .chain(carried)
            .collect();
        used = row.iter().map(|c| c.2).sum();
    }
    rows.push(row);
    rows.into_iter()
        .map(|r| Line::from(spans_of(&r)).style(line.style))
        .collect()
}

/// Cells back into spans, one per run of the same style.
fn spans_of(cells: &[(char, Style, usize)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = None;
    for &(c, s, _) in cells {
        if style.is_some_and(|st| st != s) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                style.unwrap_or_default(),
            ));
        }
        style = Some(s);
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style.unwrap_or_default()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Stylize as _;

    fn texts(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn fields_wrap_under_their_value_at_spaces() {
        let line = Line::from(vec![
            Span::raw("Note      ").bold(),
            Span::raw("not enabled: RCP, backup, AI opt-out, chatbot, declarative"),
        ]);
        let out = wrapped(vec![line.clone(), Line::from("short")], 40);
        assert_eq!(
            texts(&out),
            [
                "Note      not enabled: RCP, backup, AI",
                "          opt-out, chatbot, declarative",
                "short",
            ]
        );
        assert!(out.iter().all(|l| l.width() <= 40));
        // Styles stay with their text.
        assert_eq!(out[0].spans[0].content, "Note      ");
        assert!(
            out[0].spans[0]
                .style
                .add_modifier
                .contains(ratatui::style::Modifier::BOLD)
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_nothing_is_lost() {
        let word = "x".repeat(50);
        let out = wrapped(vec![Line::from(format!("a {word} b"))], 20);
        assert_eq!(texts(&out).concat().replace(' ', ""), format!("a{word}b"));
        assert!(out.iter().all(|l| l.width() <= 20), "{:?}", texts(&out));
        // Wide characters count two columns.
        let out = wrapped(vec![Line::from("東京".repeat(10))], 9);
        assert!(out.iter().all(|l| l.width() <= 9), "{:?}", texts(&out));
        assert_eq!(texts(&out).concat().replace(' ', ""), "東京".repeat(10));
    }
}
