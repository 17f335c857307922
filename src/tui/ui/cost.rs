//! Cost on screen: an account's figures in the detail pane, with a chart of its history.

use ratatui::text::{Line, Span};

use super::parts::field;
use super::theme::Theme;
use crate::domain::cost::format_amount;
use crate::tui::message::CostStatus;
use crate::tui::state::{Data, State};

/// The detail pane's cost fields of account `index`: this month, last month and the history
/// (`n/a` when cost cannot be read, nothing while it is off).
pub fn fields<'a>(state: &'a State, theme: &Theme, data: &'a Data, index: usize) -> Vec<Line<'a>> {
    let Some(costs) = &data.costs else {
        return match &state.cost {
            CostStatus::Unavailable(_) => {
                vec![field(theme, "Cost", Span::styled("n/a", theme.muted))]
            }
            _ => Vec::new(),
        };
    };
    let Some(c) = costs.accounts.get(index).and_then(Option::as_ref) else {
        return vec![field(theme, "Cost", Span::styled("no data", theme.muted))];
    };
    let change = c
        .change_pct
        .map_or_else(String::new, |p| format!(", {p:+.0}% vs last month so far"));
    let history = costs.history(data.inventory.org.accounts[index].id.as_str());
    let amounts: Vec<f64> = history.iter().map(|(_, a)| *a).collect();
    let first = history
        .first()
        .map(|(m, _)| m.to_string())
        .unwrap_or_default();
    vec![
        field(
            theme,
            "Cost",
            format!(
                "{} this month{change}",
                format_amount(c.month_to_date, &costs.currency)
            ),
        ),
        field(
            theme,
            "",
            format!(
                "{} last month",
                format_amount(c.last_month, &costs.currency)
            ),
        ),
        field(
            theme,
            "History",
            Span::styled(
                format!("{} since {first}", sparkline(&amounts)),
                theme.label,
            ),
        ),
    ]
}

/// A one-line chart of `values` (block characters, lowest to highest).
#[must_use]
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            if max <= 0.0 {
                BARS[0]
            } else {
                let level = (v / max * 7.0).round().clamp(0.0, 7.0);
                // Truncation is intended: `level` is a whole number from 0 to 7.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                BARS[level as usize]
            }
        })
        .collect()
}
