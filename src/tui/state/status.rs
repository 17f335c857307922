//! The status bar's state: where the data comes from, a sync in progress, the banner.

use crate::aws::org::SyncProgress;
use crate::tui::message::Banner;

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
