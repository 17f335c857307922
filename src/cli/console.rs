//! `awsnav console`: a sign-in link for an account's role, opened in a browser or printed.

use crate::app::console_link::{self, LinkRequest};
use crate::app::context::AppContext;
use crate::aws::federation::Destination;

use super::enter::{AccessOpts, enter};
use super::output::write_stdout;

/// `awsnav console`: a sign-in link for the account's role, opened in a browser or printed.
///
/// # Errors
/// When entering fails or the federation endpoint refuses.
pub async fn console(
    ctx: &AppContext,
    demo: bool,
    query: &str,
    opts: &AccessOpts,
    destination: &Destination,
    print: bool,
) -> anyhow::Result<()> {
    let entered = enter(ctx, demo, query, opts).await?;
    let request = LinkRequest {
        credentials: &entered.granted.credentials,
        via: entered.granted.via,
        role_arn: &entered.granted.role_arn,
        region: &entered.region,
        destination,
    };
    let link = console_link::link(
        &ctx.config.console,
        ctx.federation_url_env.as_deref(),
        &request,
    )
    .await?;
    if let Some(note) = &link.note {
        eprintln!("awsnav: note: {note}");
    }
    if print {
        return write_stdout(&format!("{}\n", link.url.0));
    }
    match console_link::open_in_browser(
        &link.url,
        ctx.config.console.browser.as_deref(),
        ctx.browser_env.as_deref(),
    ) {
        Ok(()) => {
            eprintln!(
                "awsnav: console opened for {} ({}) as {}",
                entered.account_name, entered.account_id, entered.role.name
            );
            Ok(())
        }
        Err(why) => {
            eprintln!(
                "awsnav: could not start a browser ({why}); open this sign-in link (valid 15 minutes):"
            );
            write_stdout(&format!("{}\n", link.url.0))
        }
    }
}
