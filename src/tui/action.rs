//! What a key press means, independent of which key it was.

/// A user intent; keys map to these through the key table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Expand,
    Collapse,
    /// Enter on the focused row: expand an OU, reveal a search hit in the tree.
    Open,
    /// Get into the selected account and start a shell there.
    Shell,
    /// Open the AWS console as a role of the selected account.
    Console,
    /// Copy a console sign-in link for the selected account (OSC 52).
    CopyLink,
    /// Cycle the account order: name, cost this month, last month, change.
    SortCost,
    /// Read Cost Explorer again even within the TTL.
    RefreshCost,
    Search,
    Back,
    Refresh,
    Help,
    Quit,
    /// Mark or unmark the selected account as a favourite.
    Favourite,
    /// Show favourite and recently used accounts.
    Recent,
    /// Choose the region for sessions in the selected account.
    Region,
    /// Mark or unmark the selected account (an OU: its active accounts) for a run.
    Mark,
    /// Run a command in the marked accounts (or the selected one).
    Run,
    /// Show the last run's results again.
    Results,
    /// List the policies that fence the selected account, OU or root (guardrails).
    Policies,
    /// Write the selected account's session into the shared credentials file as a profile.
    Export,
    /// Show every sign-in and its time left (and sign in or out there).
    Identities,
    /// In the sign-ins view: sign out of the selected one.
    SignOut,
}

impl Action {
    /// Every action, for `[keys]` in the config file.
    pub const ALL: &'static [Action] = &[
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Expand,
        Action::Collapse,
        Action::Open,
        Action::Shell,
        Action::Console,
        Action::CopyLink,
        Action::SortCost,
        Action::RefreshCost,
        Action::Search,
        Action::Back,
        Action::Refresh,
        Action::Help,
        Action::Quit,
        Action::Favourite,
        Action::Recent,
        Action::Region,
        Action::Mark,
        Action::Run,
        Action::Results,
        Action::Policies,
        Action::Export,
        Action::Identities,
        Action::SignOut,
    ];

    /// The action's name in `[keys]`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Expand => "expand",
            Action::Collapse => "collapse",
            Action::Open => "open",
            Action::Shell => "shell",
            Action::Console => "console",
            Action::CopyLink => "copy_link",
            Action::SortCost => "sort",
            Action::RefreshCost => "refresh_cost",
            Action::Search => "search",
            Action::Back => "back",
            Action::Refresh => "refresh",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::Favourite => "favourite",
            Action::Recent => "recent",
            Action::Region => "region",
            Action::Mark => "mark",
            Action::Run => "run",
            Action::Results => "results",
            Action::Policies => "policies",
            Action::Export => "export",
            Action::Identities => "identities",
            Action::SignOut => "sign_out",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}
