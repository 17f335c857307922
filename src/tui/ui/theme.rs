//! Colours and text styles, in one place.

use ratatui::style::{Color, Modifier, Style};

pub fn ou() -> Style {
    Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD)
}

pub fn root() -> Style {
    Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
}

pub fn account() -> Style {
    Style::new()
}

pub fn inactive() -> Style {
    Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM)
}

pub fn muted() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn matched() -> Style {
    Style::new()
        .fg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}

pub fn selected() -> Style {
    Style::new()
        .bg(Color::DarkGray)
        .add_modifier(Modifier::BOLD)
}

pub fn label() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn border() -> Style {
    Style::new().fg(Color::Gray)
}

pub fn status_bar() -> Style {
    Style::new().fg(Color::White).bg(Color::Blue)
}

pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn error() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD)
}

pub fn warning() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow)
}

/// Production accounts: red, and always with a text marker as well.
pub fn production() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn info() -> Style {
    Style::new().fg(Color::Black).bg(Color::Cyan)
}
