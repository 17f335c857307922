//! Colours and text styles, in one place: a built-in palette (default, high contrast, or no
//! colour at all for `NO_COLOR`), patched by `[ui.colors]` in the config file.
//!
//! The event loop owns the theme and hands it to `ui::draw`; drawing reads its styles.

use std::str::FromStr as _;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;

pub use crate::config::Palette;
use crate::config::UiConfig;

macro_rules! styles {
    ($($name:ident: $doc:literal),* $(,)?) => {
        /// Every style drawing uses.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Theme {
            $(#[doc = $doc] pub $name: Style,)*
        }

        /// The names `[ui.colors]` accepts, with what each colours.
        pub const STYLE_NAMES: &[(&str, &str)] = &[$((stringify!($name), $doc),)*];

        impl Theme {
            fn slot(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($name) => Some(&mut self.$name),)*
                    _ => None,
                }
            }
        }
    };
}

styles! {
    ou: "OU rows",
    root: "the root row",
    account: "account rows",
    inactive: "suspended and closed accounts",
    muted: "secondary text: ids, paths, hints",
    matched: "matched characters in search results",
    selected: "the selected row",
    label: "field names in the detail pane",
    title: "titles",
    border: "pane borders",
    status_bar: "the status bar",
    key: "keys in the hint bar and help",
    error: "error banners",
    warning: "warning banners",
    production: "production accounts (always with a PROD label too)",
    info: "information banners",
}

impl Default for Theme {
    fn default() -> Self {
        Self::palette(Palette::Default)
    }
}

impl Theme {
    /// `line` marked as the selected one when `selected`, else as it is (the rows of lists and
    /// pickers).
    #[must_use]
    pub fn select_if<'a>(&self, line: Line<'a>, selected: bool) -> Line<'a> {
        if selected { self.select(line) } else { line }
    }

    /// The selected row: the selection style over every span, so it shows even where a span
    /// has its own background.
    #[must_use]
    pub fn select<'a>(&self, mut line: Line<'a>) -> Line<'a> {
        line.style = line.style.patch(self.selected);
        for span in &mut line.spans {
            span.style = span.style.patch(self.selected);
        }
        line
    }

    /// A built-in palette.
    #[must_use]
    pub fn palette(palette: Palette) -> Self {
        let s = Style::new;
        let bold = Modifier::BOLD;
        match palette {
            Palette::Default => Self {
                ou: s().fg(Color::Blue).add_modifier(bold),
                root: s().fg(Color::Magenta).add_modifier(bold),
                account: s(),
                inactive: s().fg(Color::DarkGray).add_modifier(Modifier::DIM),
                muted: s().fg(Color::DarkGray),
                matched: s()
                    .fg(Color::Yellow)
                    .add_modifier(bold | Modifier::UNDERLINED),
                selected: s().bg(Color::DarkGray).add_modifier(bold),
                label: s().fg(Color::Cyan),
                title: s().add_modifier(bold),
                border: s().fg(Color::Gray),
                status_bar: s().fg(Color::White).bg(Color::Blue),
                key: s().fg(Color::Cyan).add_modifier(bold),
                error: s().fg(Color::White).bg(Color::Red).add_modifier(bold),
                warning: s().fg(Color::Black).bg(Color::Yellow),
                production: s().fg(Color::Red).add_modifier(bold),
                info: s().fg(Color::Black).bg(Color::Cyan),
            },
            Palette::HighContrast => Self {
                ou: s().fg(Color::LightCyan).add_modifier(bold),
                root: s().fg(Color::White).add_modifier(bold),
                account: s().fg(Color::White),
                inactive: s().fg(Color::Gray).add_modifier(Modifier::ITALIC),
                muted: s().fg(Color::Gray),
                matched: s()
                    .fg(Color::LightYellow)
                    .add_modifier(bold | Modifier::UNDERLINED),
                selected: s()
                    .fg(Color::Black)
                    .bg(Color::LightYellow)
                    .add_modifier(bold),
                label: s().fg(Color::LightCyan),
                title: s().add_modifier(bold),
                border: s().fg(Color::White),
                status_bar: s().fg(Color::Black).bg(Color::White),
                key: s().fg(Color::LightYellow).add_modifier(bold),
                error: s().fg(Color::White).bg(Color::Red).add_modifier(bold),
                warning: s()
                    .fg(Color::Black)
                    .bg(Color::LightYellow)
                    .add_modifier(bold),
                production: s()
                    .fg(Color::LightRed)
                    .add_modifier(bold | Modifier::UNDERLINED),
                info: s().fg(Color::Black).bg(Color::LightCyan),
            },
            Palette::Mono => {
                let reversed = Modifier::REVERSED;
                Self {
                    ou: s().add_modifier(bold),
                    root: s().add_modifier(bold),
                    account: s(),
                    inactive: s().add_modifier(Modifier::ITALIC),
                    muted: s(),
                    matched: s().add_modifier(Modifier::UNDERLINED),
                    selected: s().add_modifier(reversed),
                    label: s(),
                    title: s().add_modifier(bold),
                    border: s(),
                    status_bar: s().add_modifier(reversed),
                    key: s().add_modifier(bold),
                    error: s().add_modifier(reversed | bold),
                    warning: s().add_modifier(reversed),
                    production: s().add_modifier(bold | Modifier::UNDERLINED),
                    info: s().add_modifier(reversed),
                }
            }
        }
    }

    /// The theme `[ui]` describes; `no_color` is the `NO_COLOR` convention.
    ///
    /// # Errors
    /// The first `[ui.colors]` entry that is not understood, as (name, message).
    pub fn from_config(ui: &UiConfig, no_color: bool) -> Result<Self, (String, String)> {
        Self::build(
            ui.theme,
            ui.colors.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            no_color,
        )
    }

    /// The palette with `patches` (style name → spec) applied; `no_color` (the `NO_COLOR`
    /// convention) starts from [`Palette::Mono`] and drops colours from the patches too.
    ///
    /// # Errors
    /// The first patch whose name or spec is not understood, as (name, message).
    pub fn build<'a>(
        palette: Palette,
        patches: impl IntoIterator<Item = (&'a str, &'a str)>,
        no_color: bool,
    ) -> Result<Self, (String, String)> {
        let mut theme = Self::palette(if no_color { Palette::Mono } else { palette });
        for (name, spec) in patches {
            let mut style = parse_style(spec).map_err(|e| (name.to_owned(), e))?;
            if no_color {
                style.fg = None;
                style.bg = None;
            }
            let Some(slot) = theme.slot(name) else {
                let known: Vec<&str> = STYLE_NAMES.iter().map(|(n, _)| *n).collect();
                return Err((
                    name.to_owned(),
                    format!("no style called `{name}`; styles: {}", known.join(", ")),
                ));
            };
            *slot = style;
        }
        Ok(theme)
    }
}

/// `"red"`, `"#ff8800"`, `"black on yellow"`, `"bold underline"`, `"light-red bold on 236"`:
/// a foreground colour, `on` and a background colour, and modifiers, in any order.
///
/// # Errors
/// A message naming the word that is neither a colour nor a modifier.
pub fn parse_style(spec: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = spec.split_whitespace();
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if lower == "on" {
            let Some(bg) = words.next() else {
                return Err(format!("`{spec}`: `on` needs a background colour after it"));
            };
            style = style.bg(color(bg, spec)?);
        } else {
            style = style.fg(color(word, spec)?);
        }
    }
    Ok(style)
}

fn color(word: &str, spec: &str) -> Result<Color, String> {
    Color::from_str(&word.replace('-', "")).map_err(|_| {
        format!(
            "`{spec}`: `{word}` is not a colour or modifier (colours: names like red or light-blue, #rrggbb, 0-255; modifiers: bold, dim, italic, underline, reversed)"
        )
    })
}

/// A style as SGR parameters for a terminal outside the TUI (`1;31`: bold, red); named colours
/// as the 16 basic ones every terminal has. Empty when the style has neither colour nor
/// modifier.
#[must_use]
pub fn sgr(style: Style) -> String {
    fn colour(c: Color, base: u8) -> Option<String> {
        let basic = |n: u8| Some((base + n).to_string());
        let bright = |n: u8| Some((base + 60 + n).to_string());
        match c {
            Color::Reset => None,
            Color::Black => basic(0),
            Color::Red => basic(1),
            Color::Green => basic(2),
            Color::Yellow => basic(3),
            Color::Blue => basic(4),
            Color::Magenta => basic(5),
            Color::Cyan => basic(6),
            Color::Gray => basic(7),
            Color::DarkGray => bright(0),
            Color::LightRed => bright(1),
            Color::LightGreen => bright(2),
            Color::LightYellow => bright(3),
            Color::LightBlue => bright(4),
            Color::LightMagenta => bright(5),
            Color::LightCyan => bright(6),
            Color::White => bright(7),
            Color::Indexed(i) => Some(format!("{};5;{i}", base + 8)),
            Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", base + 8)),
        }
    }
    let mut parts: Vec<String> = [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
    ]
    .into_iter()
    .filter(|(m, _)| style.add_modifier.contains(*m))
    .map(|(_, code)| code.to_owned())
    .collect();
    parts.extend(style.fg.and_then(|c| colour(c, 30)));
    parts.extend(style.bg.and_then(|c| colour(c, 40)));
    parts.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_become_sgr_parameters() {
        let prod = Theme::palette(Palette::Default).production;
        assert_eq!(sgr(prod), "1;31");
        assert_eq!(
            sgr(Style::default().fg(Color::White).bg(Color::Blue)),
            "97;44"
        );
        assert_eq!(sgr(Style::default()), "");
        let mono = Theme::palette(Palette::Mono).production;
        assert_eq!(sgr(mono), "1;4");
        assert_eq!(
            sgr(Style::default()
                .fg(Color::Rgb(1, 2, 3))
                .bg(Color::Indexed(200))),
            "38;2;1;2;3;48;5;200"
        );
    }

    #[test]
    fn specs_read_like_words() {
        assert_eq!(parse_style("red").unwrap(), Style::new().fg(Color::Red));
        assert_eq!(
            parse_style("black on light-yellow bold").unwrap(),
            Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            parse_style("#ff8800").unwrap(),
            Style::new().fg(Color::Rgb(0xff, 0x88, 0x00))
        );
        assert_eq!(
            parse_style("on 236").unwrap(),
            Style::new().bg(Color::Indexed(236))
        );
        assert!(
            parse_style("blurple")
                .unwrap_err()
                .contains("`blurple` is not a colour")
        );
        assert!(
            parse_style("red on")
                .unwrap_err()
                .contains("needs a background")
        );
    }

    #[test]
    fn patches_change_only_what_they_name() {
        let t = Theme::build(Palette::Default, [("production", "magenta bold")], false).unwrap();
        assert_eq!(
            t.production,
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
        );
        assert_eq!(t.ou, Theme::default().ou);
        let (name, err) = Theme::build(Palette::Default, [("prod", "red")], false).unwrap_err();
        assert_eq!(name, "prod");
        assert!(err.contains("styles: ou, root"), "{err}");
    }

    #[test]
    fn no_color_means_no_colour_anywhere() {
        let t = Theme::build(
            Palette::HighContrast,
            [("selected", "red on blue underline")],
            true,
        )
        .unwrap();
        for (name, _) in STYLE_NAMES {
            let mut t = t;
            let style = *t.slot(name).unwrap();
            assert_eq!((style.fg, style.bg), (None, None), "{name}");
        }
        assert!(t.selected.add_modifier.contains(Modifier::UNDERLINED));
        assert!(t.production.add_modifier.contains(Modifier::BOLD));
    }
}
