//! `awsnav config generate`: an AWS config profile per account × offered role, printed or kept
//! in a marked block of the AWS config file.

use anyhow::Context as _;
use time::OffsetDateTime;

use super::output::say;
use super::output::write_stdout;
use super::{own_path, refresh};
use crate::app::context::AppContext;
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;

/// What `awsnav config generate` was asked for.
#[derive(Clone, Debug, Default)]
pub struct GenerateOpts {
    pub roles: Vec<String>,
    pub prefix: String,
    pub style: crate::app::aws_profiles::ProfileStyle,
    pub write: bool,
    pub force: bool,
}

/// `awsnav config generate`: a profile per account × offered role, printed or kept in the AWS
/// config file.
///
/// # Errors
/// When the inventory cannot be had or the file cannot be written.
pub async fn generate_profiles(ctx: &AppContext, opts: &GenerateOpts) -> anyhow::Result<()> {
    use crate::app::aws_profiles::{self as profiles, ProfileSource};
    use crate::store::aws_config_block;
    let demo = ctx.is_demo();
    // Each organization's role_arn profiles would need its own source_profile and MFA
    // device; one block has one.
    if !ctx.orgs.is_empty() && opts.style == profiles::ProfileStyle::AssumeRole {
        anyhow::bail!(
            "--style assume-role writes one source_profile for every account, and {} organizations each have their own identity: run it with --org NAME for each, or use the default style (credential-process), which gets into every account through its own organization",
            ctx.orgs.len()
        );
    }
    let mut inv = if demo {
        crate::domain::demo::inventory(OffsetDateTime::now_utc())
    } else {
        refresh::inventory(ctx, false).await?
    };
    if !demo {
        // A profile per role: Identity Center's roles in every account it lists, read now
        // where they never were (or long ago).
        let all: Vec<usize> = (0..inv.org.accounts.len()).collect();
        refresh::ensure_sso_roles(ctx, &mut inv, &all, true).await?;
    }
    let partition = inv
        .identity
        .as_ref()
        .map_or("aws", |i| crate::domain::partition::partition_of(&i.arn))
        .to_owned();
    // Profiles without a region of their own get the base profile's, so every tool has one.
    let base_region = ctx
        .aws_files()
        .get(
            ctx.access.base_profile.as_deref().unwrap_or("default"),
            "region",
        )
        .map(std::borrow::Cow::into_owned);
    let sso = if inv.org.accounts.iter().any(|a| !a.sso_roles.is_empty()) {
        crate::aws::sso::resolve(&ctx.config.sso, ctx.access.org_profile.as_deref()).await?
    } else {
        None
    };
    let (list, skipped_sso, unwritable, crowded) = generated_profiles(
        ctx,
        &inv,
        opts,
        &partition,
        base_region.as_ref(),
        sso.is_some(),
    );
    warn_left_out(ctx, &unwritable, &crowded, skipped_sso);
    let base = ctx.access.base_profile.clone();
    let mfa_serial = match &ctx.config.auth.mfa_serial {
        Some(s) => Some(s.clone()),
        None => match &base {
            Some(p) => ctx
                .aws_files()
                .get(p, "mfa_serial")
                .map(std::borrow::Cow::into_owned),
            None => None,
        },
    };
    let block = profiles::render(
        &list,
        opts.style,
        &own_path(),
        &ProfileSource {
            profile: base,
            mfa_serial,
            sso,
        },
    );
    if !opts.write {
        return write_stdout(&block);
    }
    let path = std::env::var_os("AWS_CONFIG_FILE")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".aws/config")))
        .context("cannot find the AWS config file: set AWS_CONFIG_FILE")?;
    refuse_repoints(&path, &list, opts.force)?;
    match aws_config_block::write(&path, &block)? {
        aws_config_block::Written::Unchanged => {
            say!(
                "{} already has these {} profiles",
                path.display(),
                list.len()
            );
        }
        aws_config_block::Written::Updated { backup } => {
            let backup = backup.map_or_else(String::new, |b| {
                format!(" (previous file: {})", b.display())
            });
            say!(
                "wrote {} profiles to {}{backup}",
                list.len(),
                path.display()
            );
        }
    }
    Ok(())
}

/// Says what `config generate` left out or named otherwise.
fn warn_left_out(ctx: &AppContext, unwritable: &[String], crowded: &[String], skipped_sso: usize) {
    if !unwritable.is_empty() {
        say!(
            "awsnav: warning: {} roles left out: their names are not IAM role names, so they cannot be written into a profile: {}",
            unwritable.len(),
            crate::domain::untrusted::visible(&unwritable.join(", "))
        );
    }
    if !crowded.is_empty() {
        say!(
            "awsnav: {} accounts go by a name another account has (or one that looks like it): their profiles are named NAME-ID, none the bare name: {}",
            crowded.len(),
            crowded.join(", ")
        );
    }
    if skipped_sso > 0 {
        say!(
            "awsnav: warning: {skipped_sso} IAM Identity Center roles left out: no profile with an SSO sign-in is configured (set [sso] profile in {})",
            ctx.paths.config_file.display()
        );
    }
}

/// Refuses (unless `force`) to write profiles whose names the block in `path` gave to
/// another account: an account renamed to another's former name would take its profiles,
/// and every tool using them would act in it.
fn refuse_repoints(
    path: &std::path::Path,
    list: &[crate::app::aws_profiles::Profile],
    force: bool,
) -> anyhow::Result<()> {
    let before = std::fs::read_to_string(path).unwrap_or_default();
    let repointed: Vec<String> = crate::app::aws_profiles::accounts_in_block(&before)
        .into_iter()
        .filter_map(|(name, old)| {
            let now = list.iter().find(|p| p.name == name)?;
            (now.account_id != old).then(|| {
                format!(
                    "  [profile {name}]: {old} before, {} ({}) now",
                    now.account_id,
                    crate::domain::untrusted::visible(&now.account_name)
                )
            })
        })
        .collect();
    if !repointed.is_empty() {
        if !force {
            anyhow::bail!(
                "{} is left as it is: these profiles would point to another account than they did:\n{}\nAn account may have been renamed to take another's former name; every tool using the profile would act in the other account. Check the accounts (awsnav which ID), then pass --force to write them",
                path.display(),
                repointed.join("\n")
            );
        }
        for r in &repointed {
            say!("awsnav: repointed (--force): {}", r.trim_start());
        }
    }
    Ok(())
}

/// The profiles `config generate` writes, in account-name order; how many Identity Center
/// roles were left out for want of a sign-in; the roles (`account/role`) left out because
/// their names are not IAM names; and the accounts (`NAME (ID)`) named with their id because
/// another account goes by the same name, or one that looks like it.
fn generated_profiles(
    ctx: &AppContext,
    inv: &Inventory,
    opts: &GenerateOpts,
    partition: &str,
    base_region: Option<&String>,
    sso_available: bool,
) -> (
    Vec<crate::app::aws_profiles::Profile>,
    usize,
    Vec<String>,
    Vec<String>,
) {
    use crate::app::aws_profiles::{self as profiles, Profile};
    let mut order: Vec<usize> = (0..inv.org.accounts.len())
        .filter(|&i| inv.org.accounts[i].status.is_active())
        .collect();
    order.sort_by_key(|&i| inv.org.accounts[i].name.to_lowercase());
    // A member account renamed to (what looks like) another's name would otherwise take that
    // name's profiles: the first in order keeps them. Neither does; both get their id.
    // Both the name as it is and as a profile name (which turns a space or a comma into
    // `-`) must be an account's own.
    let keys = |i: usize| {
        let name = &inv.org.accounts[i].name;
        let profile = profiles::profile_name(&opts.prefix, name, "");
        [
            format!("name {}", crate::domain::lookalike::folded_name(name)),
            format!(
                "profile {}",
                crate::domain::lookalike::folded_name(&profile)
            ),
        ]
    };
    let mut by_name: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for &i in &order {
        for key in keys(i) {
            *by_name.entry(key).or_default() += 1;
        }
    }
    let crowded = |i: usize| {
        keys(i)
            .iter()
            .any(|k| by_name.get(k).is_some_and(|&n| n > 1))
    };
    let mut named_with_id = Vec::new();
    let tree = OrgTree::build(&inv.org);
    let mut list: Vec<Profile> = Vec::new();
    let mut skipped_sso = 0;
    let mut unwritable = Vec::new();
    for i in order {
        let a = &inv.org.accounts[i];
        let account_name = if crowded(i) {
            named_with_id.push(format!(
                "{} ({})",
                crate::domain::untrusted::visible(&a.name),
                a.id
            ));
            format!("{} {}", a.name, a.id)
        } else {
            a.name.clone()
        };
        for role in ctx.roles(inv, &tree, i) {
            if !opts.roles.is_empty() && !opts.roles.contains(&role.name) {
                continue;
            }
            if !profiles::writable_role(&role.name) {
                unwritable.push(format!("{}/{}", a.name, role.name));
                continue;
            }
            if role.sso && !sso_available {
                skipped_sso += 1;
                continue;
            }
            // With several organizations, each profile says which (`corp.payments/Admin`).
            let prefix = match &a.org {
                Some(org) => format!("{}{org}.", opts.prefix),
                None => opts.prefix.clone(),
            };
            let name = profiles::profile_name(&prefix, &account_name, &role.name);
            // An Identity Center role and an IAM role of the same name: the first (Identity
            // Center's) keeps the name.
            if list.iter().any(|p| p.name == name) {
                continue;
            }
            list.push(Profile {
                name,
                account_id: a.id.to_string(),
                account_name: a.name.clone(),
                role_arn: role.arn(partition, a.id.as_str()),
                production: ctx.is_production(inv, &tree, i),
                region: ctx
                    .region_override
                    .clone()
                    .or_else(|| role.profile.as_ref().and_then(|p| p.region.clone()))
                    .or_else(|| ctx.config.org.region.clone())
                    .or_else(|| base_region.cloned()),
                sso: role.sso,
                role: role.name,
            });
        }
    }
    (list, skipped_sso, unwritable, named_with_id)
}
