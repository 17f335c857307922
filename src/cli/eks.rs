//! EKS: `awsnav eks token` (kubectl's exec plugin) and `awsnav eks kubeconfig` (contexts
//! for the clusters of many accounts, each reached through its account's role).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use time::OffsetDateTime;

use super::args::{AccessOpts, KubeconfigArgs};
use super::enter::{choose_account, enter};
use super::output::{say, write_stdout};
use super::prompt::mfa_source;
use crate::app::access::AccessTarget;
use crate::app::context::AppContext;
use crate::app::fanout::Planned;
use crate::aws::eks::Cluster;
use crate::domain::arn::Arn;
use crate::domain::kube_names::{self, Labels, Named};
use crate::domain::kubeconfig::{self, Entry, MergeError};
use crate::domain::untrusted::{kube_name, visible};

/// The `ExecCredential` version kubectl gets unless it asks for another.
const EXEC_API: &str = "client.authentication.k8s.io/v1beta1";

/// How long kubectl keeps a token: the AWS CLI's 14 minutes (EKS takes one for 15).
const TOKEN_LIFE: time::Duration = time::Duration::minutes(14);

/// `awsnav eks …`.
///
/// # Errors
/// As the subcommand fails.
pub async fn command(
    ctx: &AppContext,
    command: super::args::EksCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        super::args::EksCommand::Token {
            cluster,
            account,
            access,
        } => token(ctx, &cluster, &account, &access).await,
        super::args::EksCommand::Kubeconfig(args) => kubeconfig(ctx, args).await,
    }
}

/// `awsnav eks token --cluster NAME ACCOUNT`: the `ExecCredential` JSON on stdout.
///
/// # Errors
/// When entering fails or the request cannot be signed.
pub async fn token(
    ctx: &AppContext,
    cluster: &str,
    query: &str,
    opts: &AccessOpts,
) -> anyhow::Result<ExitCode> {
    let entered = enter(ctx, query, opts).await?;
    let credentials = &entered.granted.credentials;
    let sdk = ctx.access.sdk_as(credentials, &entered.region).await?;
    let now = std::time::SystemTime::now();
    let token = crate::aws::eks::token(&sdk, credentials, cluster, now).await?;
    let mut expires = OffsetDateTime::from(now) + TOKEN_LIFE;
    if let Some(end) = credentials.expiration {
        expires = expires.min(end);
    }
    let api = exec_api_version(std::env::var("KUBERNETES_EXEC_INFO").ok().as_deref());
    let body = serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": api,
        "spec": {},
        "status": {
            "expirationTimestamp": expires
                .replace_nanosecond(0)
                .unwrap_or(expires)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            "token": token,
        },
    });
    write_stdout(&format!("{body}\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// The version kubectl asks for in `KUBERNETES_EXEC_INFO`, else v1beta1.
fn exec_api_version(info: Option<&str>) -> String {
    info.and_then(|i| serde_json::from_str::<serde_json::Value>(i).ok())
        .and_then(|v| v["apiVersion"].as_str().map(str::to_owned))
        .filter(|v| v.starts_with("client.authentication.k8s.io/"))
        .unwrap_or_else(|| EXEC_API.to_owned())
}

/// `awsnav eks kubeconfig`: a context per cluster, `account/cluster` (`account (ID)/cluster`
/// where another account goes by the same name), whose user runs `awsnav eks token`.
///
/// # Errors
/// When no account is chosen, production is not confirmed, an entry of the file would be
/// repointed without --force, or the file cannot be written.
pub async fn kubeconfig(ctx: &AppContext, args: KubeconfigArgs) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
    if demo {
        bail!("the demo organization is not real: it has no clusters (run without --demo)");
    }
    let opts = &args.access;
    let planned = targets(ctx, &args).await?;
    if planned.is_empty() {
        bail!("no account matches the selectors");
    }
    let production: Vec<String> = planned
        .iter()
        .filter(|p| p.production)
        .map(|p| format!("{} ({})", visible(&p.account_name), p.account_id))
        .collect();
    if !production.is_empty() && !opts.yes {
        bail!(
            "PRODUCTION accounts are chosen: {}. Pass --yes to write their contexts (marked PRODUCTION), or leave them out with --except",
            production.join(", ")
        );
    }
    let mfa = mfa_source(
        ctx,
        opts.mfa_code.clone(),
        "to list the EKS clusters of the accounts",
    );
    let own = super::own_path();
    let found: Vec<_> = futures_util::stream::iter(planned.iter())
        .map(|p| {
            let (mfa, regions) = (&mfa, &args.regions);
            async move { (p, clusters_of(ctx, p, opts.duration, regions, mfa).await) }
        })
        .buffered(8)
        .collect()
        .await;
    let mut with_clusters: Vec<(&Planned, Vec<Cluster>)> = Vec::new();
    let mut failed = 0;
    for (p, result) in found {
        match result {
            Ok(c) => {
                let c = of_account(p, c);
                if !c.is_empty() {
                    with_clusters.push((p, c));
                }
            }
            Err(e) => {
                failed += 1;
                say!(
                    "awsnav: {} ({}): {}",
                    visible(&p.account_name),
                    p.account_id,
                    visible(&format!("{e:#}"))
                );
            }
        }
    }
    let entries = named_entries(ctx, &with_clusters, &own);
    let file = match &args.kubeconfig {
        Some(f) => f.clone(),
        None => default_kubeconfig()?,
    };
    if !entries.is_empty() {
        write_kubeconfig(&file, &entries, args.force)?;
    }
    let mut text = String::new();
    for e in &entries {
        let _ = writeln!(
            text,
            "{}{}",
            visible(&e.context),
            if e.production { "  [PRODUCTION]" } else { "" }
        );
    }
    write_stdout(&text)?;
    say!(
        "awsnav: {} contexts {} {}{}",
        entries.len(),
        if entries.is_empty() {
            "for"
        } else {
            "written to"
        },
        file.display(),
        if failed > 0 {
            format!("; {failed} accounts could not be read")
        } else {
            String::new()
        }
    );
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The accounts `args` chooses: the one named, or those `--each` less `--except` selects.
async fn targets(ctx: &AppContext, args: &KubeconfigArgs) -> anyhow::Result<Vec<Planned>> {
    let opts = &args.access;
    Ok(match &args.account {
        Some(query) => {
            let c = choose_account(ctx, query, opts).await?;
            vec![Planned {
                account_id: c.id,
                account_name: c.name,
                production: c.production,
                role: Ok(c.role),
            }]
        }
        None => super::fanout::plan(ctx, &args.each, &args.except, opts.role.as_deref()).await?,
    })
}

/// The clusters of `clusters` whose ARN names `p`'s account: a cluster entry is named by its
/// ARN, and that name is what says whose cluster it is.
fn of_account(p: &Planned, clusters: Vec<Cluster>) -> Vec<Cluster> {
    clusters
        .into_iter()
        .filter(|c| {
            let ours = Arn::parse(&c.arn).is_ok_and(|a| a.account.as_ref() == Some(&p.account_id));
            if !ours {
                say!(
                    "awsnav: {} ({}): cluster {} is left out: its ARN {} is not of this account",
                    visible(&p.account_name),
                    p.account_id,
                    visible(&c.name),
                    visible(&c.arn)
                );
            }
            ours
        })
        .collect()
}

/// The entries for `found`, each account named as [`kube_names::name_accounts`] names it
/// against the others and the cached inventory's; a name shared is said on stderr.
fn named_entries(ctx: &AppContext, found: &[(&Planned, Vec<Cluster>)], own: &str) -> Vec<Entry> {
    let written: Vec<Named<'_>> = found
        .iter()
        .map(|(p, _)| Named {
            id: &p.account_id,
            name: &p.account_name,
        })
        .collect();
    // Already read (or synced) to choose the accounts: a file read, not a request.
    let inventory = ctx.load_inventory().ok().flatten();
    let known: Vec<Named<'_>> = inventory
        .iter()
        .flat_map(|inv| {
            inv.org.accounts.iter().map(|a| Named {
                id: a.id.as_str(),
                name: &a.name,
            })
        })
        .collect();
    let (entries, shared) = kube_names::name_accounts(&written, &known, |labels| {
        let mut entries = Vec::new();
        for (p, clusters) in found {
            add_entries(&mut entries, p, labels, clusters, own);
        }
        entries
    });
    for s in shared {
        say!(
            "awsnav: accounts {} would all go by `{}`: each one's contexts carry its id, `NAME (ID)/CLUSTER` (an account's administrator can rename it)",
            s.ids.join(", "),
            visible(&s.name)
        );
    }
    entries
}

/// A context for each of `clusters` in `p`'s account, named `label/cluster` (with `@region`
/// where the account has one of that name already), whose user runs `own eks token`.
fn add_entries(
    entries: &mut Vec<Entry>,
    p: &Planned,
    labels: &Labels,
    clusters: &[Cluster],
    own: &str,
) {
    let Ok(role) = &p.role else { return };
    let label = labels.of(&p.account_id);
    for c in clusters {
        let mut context = format!("{label}/{}", kube_name(&c.name));
        // Only the account's own: one of another account's is a clash to name apart.
        if entries
            .iter()
            .any(|e| e.context == context && e.account_id == p.account_id)
        {
            let _ = write!(context, "@{}", kube_name(&c.region));
        }
        let mut exec_args: Vec<String> = [
            "eks",
            "token",
            "--cluster",
            &c.name,
            "--region",
            &c.region,
            "--role",
            &role.key(),
            &p.account_id,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if p.production {
            exec_args.push("--yes".to_owned());
        }
        entries.push(Entry {
            user: Entry::user_name(&context, p.production),
            context,
            cluster: kube_name(&c.arn),
            server: c.endpoint.clone(),
            certificate_authority: c.certificate_authority.clone(),
            command: own.to_owned(),
            args: exec_args,
            production: p.production,
            account_id: p.account_id.clone(),
            account_name: p.account_name.clone(),
            role: role.key(),
        });
    }
}

/// The clusters of `p` in `regions` (or its session region), through its role.
async fn clusters_of(
    ctx: &AppContext,
    p: &Planned,
    duration: Option<u32>,
    regions: &[String],
    mfa: &crate::app::access::MfaSource,
) -> anyhow::Result<Vec<Cluster>> {
    let role = p.role.clone().map_err(anyhow::Error::msg)?;
    let regions = if regions.is_empty() {
        vec![ctx.session_region(&p.account_id, &role).await]
    } else {
        regions.to_vec()
    };
    let target = AccessTarget {
        account_id: p.account_id.clone(),
        account_name: p.account_name.clone(),
        role,
        duration,
    };
    let granted = ctx
        .of_account_as(&target.account_id, &target.role)
        .access
        .credentials(&target, mfa, OffsetDateTime::now_utc())
        .await?;
    let mut all = Vec::new();
    for region in regions {
        let sdk = ctx.access.sdk_as(&granted.credentials, &region).await?;
        let counter = crate::aws::CallCounter::default();
        all.extend(crate::aws::eks::clusters(&sdk, &counter, &ctx.access.ctx).await?);
    }
    Ok(all)
}

/// The first file of `KUBECONFIG`, else ~/.kube/config.
fn default_kubeconfig() -> anyhow::Result<PathBuf> {
    if let Some(list) = std::env::var_os("KUBECONFIG")
        && let Some(first) = std::env::split_paths(&list).find(|p| !p.as_os_str().is_empty())
    {
        return Ok(first);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("no home directory for ~/.kube/config (pass --kubeconfig)")?;
    Ok(PathBuf::from(home).join(".kube").join("config"))
}

/// Merges `entries` into `file` (a backup of it kept before its first change; a new file 0600).
/// Without `force`, an entry of the file that would point to another account or cluster
/// leaves the file as it is.
fn write_kubeconfig(file: &std::path::Path, entries: &[Entry], force: bool) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => bail!("cannot read {}: {e}", file.display()),
    };
    let new = match kubeconfig::merged(&text, entries, force) {
        Ok(new) => new,
        Err(MergeError::Repoints(found)) => {
            let list: Vec<String> = found.iter().map(|r| format!("  {r}")).collect();
            bail!(
                "{} is left as it is: these entries would be pointed to another account or cluster:\n{}\nAn account may have been renamed to take the name of another. Check which account each is (kubectl config view), then delete the stale ones (kubectl config delete-context NAME) or pass --force to repoint them",
                file.display(),
                list.join("\n")
            );
        }
        Err(why) => bail!("{} is left as it is: {why}", file.display()),
    };
    for r in &new.repointed {
        say!("awsnav: repointed (--force): {r}");
    }
    if text.is_empty() {
        // A kubeconfig awsnav writes holds no secret (kubectl runs `awsnav eks token`), and
        // may go to a team's shared folder: the folder is left as it is.
        crate::store::private_file::write_new_config(file, new.text.as_bytes())?;
    } else {
        let mut backup = file.file_name().unwrap_or_default().to_os_string();
        backup.push(".awsnav-backup");
        let first = !file.with_file_name(backup).exists();
        if let Some(b) = crate::store::aws_config_block::replace_file(file, &new.text, first)? {
            say!("awsnav: {} as it was is at {}", file.display(), b.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_gets_the_version_it_asks_for() {
        assert_eq!(exec_api_version(None), EXEC_API);
        let v1 = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#;
        assert_eq!(
            exec_api_version(Some(v1)),
            "client.authentication.k8s.io/v1"
        );
        assert_eq!(exec_api_version(Some("junk")), EXEC_API);
        assert_eq!(
            exec_api_version(Some(r#"{"apiVersion":"evil/v1"}"#)),
            EXEC_API
        );
    }
}
