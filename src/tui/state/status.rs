//! The status bar's state: where the data comes from, a sync in progress, the banner.

use crate::aws::org::SyncProgress;

/// Most severe first: `Error < Warning < Info` in this order, so `min` is the more severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
    Info,
}

/// A message across the top of the screen until dismissed (Esc) or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub level: Level,
    pub text: String,
}

impl Banner {
    #[must_use]
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            level: Level::Error,
            text: one_line(&text.into()),
        }
    }

    #[must_use]
    pub fn warning(text: impl Into<String>) -> Self {
        Self {
            level: Level::Warning,
            text: one_line(&text.into()),
        }
    }

    #[must_use]
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            level: Level::Info,
            text: one_line(&text.into()),
        }
    }
}

/// Banners are one paragraph: line breaks and indentation from multi-line errors are folded.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the data comes from and how fresh it is.
#[derive(Clone, Debug, Default)]
pub struct Status {
    /// "demo", a profile name, or "default chain".
    pub source: String,
    pub syncing: Option<SyncProgress>,
    pub banner: Option<Banner>,
    /// An access in progress ("getting into X as Y…").
    pub pending: Option<String>,
}

impl Status {
    /// Shows a banner that nobody asked for (a background read finished): it takes the place
    /// of a banner as severe or milder, never of a more severe one, so a failed sync is not
    /// hidden by the news that costs arrived a moment later.
    pub fn notify(&mut self, banner: Banner) {
        if self.banner.as_ref().is_none_or(|b| banner.level <= b.level) {
            self.banner = Some(banner);
        }
    }
}
