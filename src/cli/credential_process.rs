//! `awsnav credential-process`: the JSON an AWS profile's `credential_process` reads.

use super::args::AccessOpts;
use super::enter::enter;
use crate::app::context::AppContext;
use crate::app::launch;

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
    let entered = enter(ctx, query, &opts).await?;
    let mut out = launch::credential_process_json(&entered.granted.credentials);
    out.push('\n');
    write_stdout(&out)
}

/// `awsnav credential-process --key NAME`: a short-lived session of a stored key, for a
/// profile whose keys were moved into the key store.
///
/// # Errors
/// When no key is stored under `name`, or no session can be had.
pub async fn key_session(ctx: &AppContext, name: &str, opts: &AccessOpts) -> anyhow::Result<()> {
    let mfa = super::prompt::mfa_source(
        ctx,
        opts.mfa_code.clone(),
        &format!("A session of the key `{name}`"),
    );
    let credentials =
        crate::app::access_keys::session(&ctx.access, name, &mfa, time::OffsetDateTime::now_utc())
            .await?;
    let mut out = launch::credential_process_json(&credentials);
    out.push('\n');
    write_stdout(&out)
}

/// `awsnav credential-process`: a stored key's session (`--key`) or an account's role.
///
/// # Errors
/// When neither is named, or getting the credentials fails.
pub async fn command(
    ctx: &AppContext,
    key: Option<String>,
    account: Option<String>,
    access: &AccessOpts,
) -> anyhow::Result<std::process::ExitCode> {
    match (key, account) {
        (Some(name), _) => key_session(ctx, &name, access).await?,
        (None, Some(account)) => credential_process(ctx, &account, access).await?,
        (None, None) => anyhow::bail!("credential-process needs --account or --key"),
    }
    Ok(std::process::ExitCode::SUCCESS)
}
