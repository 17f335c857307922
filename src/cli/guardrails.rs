//! `awsnav policies ACCOUNT-OR-OU`: the guardrails of an account or OU — every organization
//! policy that applies there, its own and those inherited from above, and where each is
//! attached; `--show` prints one policy's document.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::args::GuardrailsArgs;
use super::output::say;
use super::output::{pad, visible_cells, width, write_stdout, write_text};
use super::refresh;
use crate::app::context::AppContext;
use crate::app::guardrails;
use crate::config::PolicyReading;
use crate::domain::guardrails::{
    Applied, Parents, PolicyDocument, parse_type, pretty_json, type_label,
};
use crate::domain::inventory::Inventory;
use crate::domain::model::OrgTree;
use crate::domain::search;
use crate::domain::untrusted::visible;

/// One row of `policies --json` (and of `list --json`'s `policies`, less the last three).
#[derive(Debug, Serialize)]
pub struct PolicyRecord<'a> {
    pub id: &'a str,
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// The root, OU or account id it is attached to.
    pub attached_to: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached_at: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws_managed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'a str>,
}

impl<'a> PolicyRecord<'a> {
    /// The short record `list --json` carries.
    #[must_use]
    pub fn short(a: &Applied<'a>) -> Self {
        Self {
            id: &a.policy.id,
            name: &a.policy.name,
            kind: &a.policy.kind,
            attached_to: a.attached_to,
            attached_at: None,
            aws_managed: None,
            description: None,
        }
    }

    fn full(a: &'a Applied<'a>) -> Self {
        Self {
            attached_at: Some(&a.attached_at),
            aws_managed: Some(a.policy.aws_managed),
            description: Some(&a.policy.description),
            ..Self::short(a)
        }
    }
}

/// The root, an OU or an account, as the command line names it.
struct Target {
    id: String,
    /// "account payments-prod (100483329553)", "OU Workloads / Prod", "the root".
    label: String,
}

/// `root`, an OU (id, name, or path `Workloads/Prod`), or an account (id, name or alias).
fn resolve_target(ctx: &AppContext, inv: &Inventory, query: &str) -> anyhow::Result<Target> {
    let q = query.trim();
    let org = &inv.org;
    if q.eq_ignore_ascii_case("root") || q == org.root_id {
        return Ok(Target {
            id: org.root_id.clone(),
            label: "the root".into(),
        });
    }
    let tree = OrgTree::build(org);
    let path_of = |i: usize| tree.ou_path(i).join(" / ");
    let wanted: String = q.split('/').map(str::trim).collect::<Vec<_>>().join(" / ");
    let ous: Vec<usize> = (0..org.org_units.len())
        .filter(|&i| {
            let ou = &org.org_units[i];
            ou.id == q
                || ou.name.eq_ignore_ascii_case(q)
                || path_of(i).eq_ignore_ascii_case(&wanted)
        })
        .collect();
    match ous.as_slice() {
        [i] => {
            return Ok(Target {
                id: org.org_units[*i].id.clone(),
                label: format!("OU {}", visible(&path_of(*i))),
            });
        }
        [] => {}
        many => bail!(
            "`{q}` names {} OUs: {}; give the path (`Workloads/Prod`) or the id",
            many.len(),
            many.iter()
                .map(|&i| format!("{} ({})", visible(&path_of(i)), org.org_units[i].id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    let i = search::resolve(org, &tree, &ctx.config.aliases, q)
        .map_err(|e| anyhow::anyhow!("{e} (or name an OU, or `root`)"))?;
    let a = &org.accounts[i];
    Ok(Target {
        id: a.id.to_string(),
        label: format!("account {} ({})", visible(&a.name), a.id),
    })
}

/// `awsnav policies`.
///
/// # Errors
/// When the inventory or the policies cannot be read, or the target or policy is unknown.
pub async fn guardrails(ctx: &AppContext, opts: GuardrailsArgs) -> anyhow::Result<ExitCode> {
    let demo = ctx.is_demo();
    let kind = asked_type(ctx, &opts)?;
    let mut inv = if demo {
        crate::domain::demo::inventory(time::OffsetDateTime::now_utc())
    } else {
        refresh::inventory(ctx, false).await?
    };
    if let Some(why) = &inv.org_error {
        bail!("the organization was not read ({why}), so neither are its policies");
    }
    let target = resolve_target(ctx, &inv, &opts.target)?;
    let mfa = super::prompt::mfa_source(
        ctx,
        opts.mfa_code.clone(),
        "to read the organization's policies",
    );
    let parents = Parents::new(&inv.org);
    if !demo && !parents.chain(&target.id).is_empty() {
        let done = guardrails::ensure(ctx, &mfa, &mut inv, &parents, &[target.id.as_str()]).await?;
        if let Some(gap) = done.gaps.first() {
            bail!("the policies could not all be read: {gap}");
        }
    }
    let g = &inv.guardrails;
    if let Some(why) = &g.denied {
        bail!("the guardrails of {} cannot be read: {why}", target.label);
    }
    if parents.chain(&target.id).is_empty() {
        bail!(
            "{} is not in the organization's tree (only IAM Identity Center lists it), so no policy of the organization is known there",
            target.label
        );
    }
    let applied = g
        .applied(&parents, &target.id)
        .with_context(|| format!("the policies of {} are not known", target.label))?;
    let applied: Vec<Applied<'_>> = applied
        .into_iter()
        .filter(|a| kind.as_ref().is_none_or(|k| a.policy.kind == *k))
        .collect();
    let not_enabled = g.not_enabled_labels();
    if let Some(k) = &kind
        && g.enabled.as_ref().is_some_and(|e| !e.contains(k))
    {
        say!(
            "awsnav: {} policies are not enabled in this organization",
            type_label(k)
        );
    }
    if let Some(wanted) = &opts.show {
        let id = applied
            .iter()
            .find(|a| a.policy.id == *wanted || a.policy.name.eq_ignore_ascii_case(wanted))
            .map(|a| a.policy.id.clone())
            .or_else(|| wanted.starts_with("p-").then(|| wanted.clone()))
            .with_context(|| {
                format!(
                    "no policy `{wanted}` applies to {} (name or id)",
                    target.label
                )
            })?;
        let doc = if demo {
            g.documents
                .get(&id)
                .cloned()
                .with_context(|| format!("the demo has no document for {id}"))?
        } else {
            guardrails::document(ctx, &mfa, g.documents.get(&id), &id, inv.synced_at).await?
        };
        if opts.json {
            write_stdout(&show_json(&doc)?)?;
        } else {
            write_text(&show_text(&doc))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if opts.json {
        if let Some(off) = not_enabled.as_deref().filter(|_| kind.is_none()) {
            say!("awsnav: not enabled in the organization: {off}");
        }
        let records: Vec<PolicyRecord<'_>> = applied.iter().map(PolicyRecord::full).collect();
        let mut text = crate::domain::untrusted::json_pretty(&records)?;
        text.push('\n');
        write_stdout(&text)?;
    } else {
        write_text(&table(&target.label, &applied, not_enabled.as_deref()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The type `--type` names, after checking that policies may be read at all.
fn asked_type(ctx: &AppContext, opts: &GuardrailsArgs) -> anyhow::Result<Option<String>> {
    let demo = ctx.is_demo();
    if ctx.config.org.policies == PolicyReading::Off && !demo {
        bail!(
            "reading policies is off ([org] policies = \"off\" in {})",
            ctx.paths.config_file.display()
        );
    }
    opts.kind
        .as_deref()
        .map(|k| {
            parse_type(k).with_context(|| {
                format!("`{k}` is not a policy type: use scp, rcp, tag, backup, ai-opt-out, chatbot, declarative-ec2, or Organizations' name (SERVICE_CONTROL_POLICY…)")
            })
        })
        .transpose()
}

fn table(label: &str, applied: &[Applied<'_>], not_enabled: Option<&str>) -> String {
    let mut out = format!("Guardrails of {label}\n");
    if applied.is_empty() {
        out.push_str("no policy applies\n");
    } else {
        let rows: Vec<[String; 4]> = applied
            .iter()
            .map(|a| {
                [
                    type_label(&a.policy.kind),
                    a.policy.name.clone(),
                    a.policy.id.clone(),
                    a.attached_at.clone(),
                ]
            })
            .collect();
        let rows = visible_cells(rows);
        let head = ["TYPE", "NAME", "ID", "ATTACHED AT"];
        let widths: Vec<usize> = (0..4)
            .map(|c| {
                rows.iter()
                    .map(|r| width(&r[c]))
                    .chain([head[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: [&str; 4]| {
            let mut l = String::new();
            for (c, cell) in cells.iter().enumerate() {
                if c == 3 {
                    l.push_str(cell);
                } else {
                    l.push_str(&pad(cell, widths[c] + 2));
                }
            }
            l.push('\n');
            l
        };
        out.push_str(&line(head));
        for r in &rows {
            out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
        }
    }
    if let Some(off) = not_enabled {
        let _ = writeln!(out, "not enabled in the organization: {off}");
    }
    out
}

fn show_text(doc: &PolicyDocument) -> String {
    let s = &doc.summary;
    let mut out = format!(
        "{} ({}) · {}\n",
        visible(&s.name),
        visible(&s.id),
        s.kind_and_owner()
    );
    if !s.description.is_empty() {
        let _ = writeln!(out, "{}", visible(&s.description));
    }
    let targets: Vec<String> = doc
        .targets
        .iter()
        .map(|t| format!("{} ({})", visible(&t.name), visible(&t.id)))
        .collect();
    let more = if doc.more_targets { ", and more" } else { "" };
    let _ = writeln!(
        out,
        "attached to: {}{more}\n",
        if targets.is_empty() {
            "nothing".to_owned()
        } else {
            targets.join(", ")
        }
    );
    out.push_str(&doc.pretty());
    out.push('\n');
    out
}

fn show_json(doc: &PolicyDocument) -> anyhow::Result<String> {
    #[derive(Serialize)]
    struct Head<'a> {
        id: &'a str,
        name: &'a str,
        #[serde(rename = "type")]
        kind: &'a str,
        aws_managed: bool,
        description: &'a str,
        targets: &'a [crate::domain::guardrails::PolicyTarget],
        more_targets: bool,
    }
    let s = &doc.summary;
    let head = serde_json::to_string(&Head {
        id: &s.id,
        name: &s.name,
        kind: &s.kind,
        aws_managed: s.aws_managed,
        description: &s.description,
        targets: &doc.targets,
        more_targets: doc.more_targets,
    })?;
    // The document as its author wrote it (a policy is JSON; anything else as a string).
    let content = if pretty_json(&doc.content).is_some() {
        doc.content.clone()
    } else {
        serde_json::to_string(&doc.content)?
    };
    let whole = format!(
        "{},\"content\":{content}}}",
        head.strip_suffix('}').unwrap_or(&head)
    );
    let mut text = pretty_json(&whole).context("the policy document could not be printed")?;
    text.push('\n');
    Ok(text)
}
