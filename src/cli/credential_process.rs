//! `awsnav credential-process`: the JSON an AWS profile's `credential_process` reads.

use crate::app::context::AppContext;
use crate::app::launch;

use super::enter::{AccessOpts, enter};
use super::output::write_stdout;

/// `awsnav credential-process`: the JSON a profile's `credential_process` must print.
///
/// # Errors
/// When entering fails.
pub async fn credential_process(
    ctx: &AppContext,
    query: &str,
    opts: &AccessOpts,
) -> anyhow::Result<()> {
    let opts = AccessOpts {
        no_sign_in_offer: true,
        ..opts.clone()
    };
    let entered = enter(ctx, false, query, &opts).await?;
    let mut out = launch::credential_process_json(&entered.granted.credentials);
    out.push('\n');
    write_stdout(&out)
}
