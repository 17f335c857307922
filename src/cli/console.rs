//! `awsnav console`: a sign-in link for an account's role, opened in a browser (side by side
//! with other consoles, as `[console] isolation` says) or printed; from an account, or from a
//! resource's ARN straight to its page.

use super::args::AccessOpts;
use super::enter::enter;
use crate::domain::untrusted::visible;
use anyhow::bail;

use crate::app::console_link::{self, ConsoleOpening, LinkRequest};
use crate::app::context::AppContext;
use crate::aws::federation::Destination;
use crate::config::Isolation;
use crate::domain::arn::Arn;
use crate::domain::model::OrgTree;

use super::output::say;
use super::output::write_stdout;
use super::refresh;

/// Which console page to open.
#[derive(Clone, Debug)]
pub enum Page {
    /// An account (id, name, alias or query) on a service's page or a URL.
    Account {
        query: String,
        destination: Destination,
    },
    /// A resource: its account, its page, its region.
    Arn(Arn),
}

/// How the console opens.
#[derive(Clone, Copy, Debug, Default)]
pub struct How<'a> {
    /// The account of an ARN that names none.
    pub arn_account: Option<&'a str>,
    /// Instead of `[console] isolation`.
    pub isolation: Option<Isolation>,
    /// Print the sign-in link instead of opening a browser.
    pub print: bool,
}

/// The page `console ACCOUNT|ARN` asks for: an ARN's own page (where `--service` and
/// `--destination` make no sense), else the account's `--destination`, `--service` or
/// `[console] service`.
///
/// # Errors
/// A malformed ARN, or options that do not go with what was given.
pub fn page(
    ctx: &AppContext,
    target: String,
    arn_account: Option<&str>,
    service: Option<String>,
    destination: Option<String>,
) -> anyhow::Result<Page> {
    if crate::domain::arn::looks_like_arn(&target) {
        if service.is_some() || destination.is_some() {
            bail!(
                "an ARN opens its resource's own page: give --service or --destination with an account instead"
            );
        }
        return Ok(Page::Arn(Arn::parse(&target)?));
    }
    if arn_account.is_some() {
        bail!(
            "--account is for an ARN that names no account (S3, Route 53, API Gateway); give the account as the first argument"
        );
    }
    Ok(Page::Account {
        query: target,
        destination: match destination {
            Some(url) => Destination::Url(url),
            None => {
                Destination::Service(service.unwrap_or_else(|| ctx.config.console.service.clone()))
            }
        },
    })
}

/// The account an ARN leads to: its own, else `--account`; checked against the organization
/// (and its roles) so that an ARN of an account awsnav cannot get into says so by its id.
async fn arn_account(
    ctx: &AppContext,
    arn: &Arn,
    given: Option<&str>,
    opts: &AccessOpts,
) -> anyhow::Result<String> {
    let demo = ctx.is_demo();
    let id = match (&arn.account, given) {
        (Some(id), None) => id.clone(),
        (Some(id), Some(_)) => bail!(
            "the ARN names account {id}: --account is only for an ARN that names none (S3, Route 53, API Gateway)"
        ),
        (None, Some(query)) => return Ok(query.to_owned()),
        (None, None) => bail!(
            "`{}` names no account ({} ARNs carry none): give it with --account ACCOUNT",
            arn.text(),
            arn.service
        ),
    };
    if demo {
        return Ok(id);
    }
    let mut inv = refresh::inventory(ctx, false).await?;
    let Some(i) = inv.org.accounts.iter().position(|a| a.id.as_str() == id) else {
        bail!(
            "account {id} (in the ARN) is not in the organization awsnav knows: it may belong to another organization, or be new (`awsnav refresh`)"
        );
    };
    if opts.role.is_none() {
        refresh::ensure_sso_roles(ctx, &mut inv, &[i], true).await?;
        let tree = OrgTree::build(&inv.org);
        if ctx.roles(&inv, &tree, i).is_empty() {
            bail!(
                "account {id} ({}, in the ARN) offers you no role: pass --role NAME, or add roles with [roles] in {}",
                visible(&inv.org.accounts[i].name),
                ctx.paths.config_file.display()
            );
        }
    }
    Ok(id)
}

/// `awsnav console`: a sign-in link for the account's role, opened in a browser or printed.
///
/// # Errors
/// When entering fails or the federation endpoint refuses.
pub async fn console(
    ctx: &AppContext,
    page: Page,
    opts: &AccessOpts,
    how: How<'_>,
) -> anyhow::Result<()> {
    let (query, arn, destination) = match page {
        Page::Account { query, destination } => (query, None, destination),
        Page::Arn(arn) => {
            let query = arn_account(ctx, &arn, how.arn_account, opts).await?;
            // Filled in below, once the session's region is known.
            (query, Some(arn), Destination::Service(String::new()))
        }
    };
    let entered = enter(ctx, &query, opts).await?;
    let (region, destination) = match &arn {
        Some(arn) => (
            arn.console_region(&entered.region).to_owned(),
            Destination::Url(arn.console_url(&entered.region)),
        ),
        None => (entered.region.clone(), destination),
    };
    let request = LinkRequest {
        credentials: &entered.granted.credentials,
        via: entered.granted.via,
        role_arn: &entered.granted.role_arn,
        region: &region,
        destination: &destination,
    };
    let link = console_link::link(
        &ctx.config.console,
        ctx.federation_url_env.as_deref(),
        &request,
    )
    .await?;
    if let Some(note) = &link.note {
        say!("awsnav: note: {note}");
    }
    if how.print {
        return write_stdout(&format!("{}\n", link.url.0));
    }
    let opening = ctx.console_opening(
        &entered.account_id,
        &entered.account_name,
        &entered.role.name,
        &entered.granted.role_arn,
        entered.production,
        how.isolation,
    );
    let console = ConsoleOpening {
        url: link.url,
        opening,
    };
    match console_link::open_console(&ctx.config.console, ctx.browser_env.as_deref(), &console) {
        Ok(()) => {
            say!(
                "awsnav: console opened for {}",
                entered.session().announced()
            );
            Ok(())
        }
        Err(why) => {
            say!(
                "awsnav: could not start a browser ({why}); open this sign-in link (valid 15 minutes):"
            );
            write_stdout(&format!("{}\n", console.url.0))
        }
    }
}
