//! Paging through a listing: when to ask for the next page.

/// The token of the next page: `None` at the end, and also when a service hands back the
/// token it was just given (a loop the SDK's paginators guard against too).
pub(crate) fn next(token: Option<&str>, previous: Option<&str>) -> Option<String> {
    token
        .filter(|t| !t.is_empty() && Some(*t) != previous)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::next;

    #[test]
    fn a_listing_ends_without_a_token_with_an_empty_one_or_with_the_same_one() {
        assert_eq!(next(Some("b"), Some("a")).as_deref(), Some("b"));
        assert_eq!(next(Some("b"), None).as_deref(), Some("b"));
        assert_eq!(next(None, Some("a")), None);
        assert_eq!(next(Some(""), Some("a")), None);
        assert_eq!(next(Some("a"), Some("a")), None);
    }
}
