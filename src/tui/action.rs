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
}
