//! Command-line interface: every subcommand and flag.

use clap::{Parser, Subcommand};

use clap_complete::engine::ArgValueCompleter;

use std::net::IpAddr;
use std::path::PathBuf;

use crate::app::launch::EnvFormat;
use crate::cli::completion::CompletionShell;
use crate::domain::fanout_plan::Pick;

/// Navigate the accounts of an AWS Organization: browse the OU tree, search, script.
#[derive(Debug, Parser)]
#[command(name = "awsnav", version, about, long_about = None)]
pub struct Cli {
    /// Use the embedded demo organization (no AWS access needed).
    #[arg(long, global = true)]
    pub demo: bool,

    /// AWS profile that reads Organizations (overrides [org] profile in the config file).
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// With several [[org]] in the config file: this organization alone (its identity,
    /// caches and accounts), as if it were the only one.
    #[arg(long, global = true, value_name = "NAME")]
    pub org: Option<String>,

    /// AWS region for Organizations and STS (overrides [org] region).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the accounts: a table for people, or JSON for programs.
    List {
        /// Print a JSON array (one object per account).
        #[arg(long)]
        json: bool,
        /// Only the accounts an `exec --each` with these selectors would use, with the role
        /// each would take: all, ou:GLOB, tag:KEY=VALUE, name:GLOB, account:ID-OR-NAME.
        #[arg(long = "select", value_name = "SELECTOR")]
        select: Vec<crate::domain::fanout_plan::Pick>,
        /// Leave out the accounts a selector names (with --select).
        #[arg(long = "except", value_name = "SELECTOR", requires = "select")]
        except: Vec<crate::domain::fanout_plan::Pick>,
        /// The role to take (with --select), as `exec --role`.
        #[arg(long, value_name = "ROLE", requires = "select")]
        role: Option<String>,
        /// Sync from AWS first instead of using the cache.
        #[arg(long)]
        refresh: bool,
        /// Read IAM Identity Center's roles in every account it lists where they are not
        /// known (or older than `[sso] roles_ttl_minutes`) first.
        #[arg(long)]
        roles: bool,
        /// Read Cost Explorer again even while the cached costs are fresh.
        #[arg(long)]
        refresh_cost: bool,
    },
    /// What each account or OU costs (Cost Explorer, cached for hours).
    Cost {
        /// Print JSON for programs.
        #[arg(long)]
        json: bool,
        /// One row per account (default) or per OU with everything beneath it.
        #[arg(long, value_enum, default_value = "account")]
        by: CostBy,
        /// Months of history (2-13; default from the config file).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(2..=13))]
        months: Option<u8>,
        /// Read Cost Explorer again even while the cached costs are fresh.
        #[arg(long)]
        refresh_cost: bool,
    },
    /// Write the inventory as a file others read with `[org] source` (stdout without --output).
    Export {
        /// The file to write (atomically); without it, standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Read the organization first instead of exporting the cached inventory.
        #[arg(long)]
        refresh: bool,
    },
    /// Read the organization from AWS and update the cache.
    Refresh {
        /// The current MFA code, when the organization is read through a role or the MFA
        /// session (`[org] role`, `[org] mfa`); otherwise the config's MFA command, or a prompt.
        #[arg(long, value_name = "CODE")]
        mfa_code: Option<String>,
    },
    /// Start $SHELL with temporary credentials for an account's role.
    Shell {
        /// Account id, name, alias, or a fuzzy query with one clear best match.
        #[arg(add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: String,
        #[command(flatten)]
        access: AccessOpts,
        /// Allow starting inside another awsnav shell.
        #[arg(long)]
        nested: bool,
        /// How the shell gets credentials: a loopback endpoint that renews them (server), or
        /// fixed environment variables (env). Default: [shell] credentials.
        #[arg(long, value_enum, value_name = "HOW")]
        credentials: Option<crate::config::ShellCredentials>,
    },
    /// Run one command with temporary credentials for an account's role (exit code passed on).
    Exec {
        /// Account id, name, alias, or a fuzzy query with one clear best match.
        #[arg(required_unless_present = "each", conflicts_with = "each", add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: Option<String>,
        #[command(flatten)]
        access: AccessOpts,
        #[command(flatten)]
        each: EachOpts,
        /// How the command gets credentials: a loopback endpoint that renews them (server), or
        /// fixed environment variables (env). Default: [shell] credentials.
        #[arg(long, value_enum, value_name = "HOW")]
        credentials: Option<crate::config::ShellCredentials>,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Print the credentials as shell exports: eval "$(awsnav env ACCOUNT)".
    Env {
        /// Account id, name, alias, or a fuzzy query with one clear best match.
        #[arg(add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: String,
        #[command(flatten)]
        access: AccessOpts,
        #[arg(long, value_enum, default_value = "sh")]
        format: EnvFormat,
        #[command(flatten)]
        export: ExportOpts,
    },
    /// Open the AWS console in the browser, signed in as an account's role.
    Console {
        /// Account id, name, alias, or a fuzzy query with one clear best match; or a
        /// resource's ARN: its account, on the resource's page in its region.
        #[arg(value_name = "ACCOUNT|ARN", add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: String,
        /// The account of an ARN that names none (S3 buckets, Route 53 zones, API Gateway).
        #[arg(long = "account", value_name = "ACCOUNT")]
        arn_account: Option<String>,
        #[command(flatten)]
        access: AccessOpts,
        /// Service page to open (s3, ec2, cloudwatch…; default: [console] service).
        #[arg(long, value_name = "SERVICE", conflicts_with = "destination")]
        service: Option<String>,
        /// Full console URL to open instead.
        #[arg(long, value_name = "URL")]
        destination: Option<String>,
        /// How it opens beside other consoles (default: [console] isolation).
        #[arg(long, value_enum, value_name = "HOW")]
        isolation: Option<crate::config::Isolation>,
        /// Print the sign-in URL instead of opening a browser.
        #[arg(long)]
        print: bool,
    },
    /// The account behind ARNs and account ids: name, OU path, production or not. Exit code 1
    /// when any names no account of the organization.
    Which {
        /// ARNs or 12-digit account ids.
        #[arg(value_name = "ARN-OR-ID", required = true)]
        inputs: Vec<String>,
        /// JSON for programs.
        #[arg(long)]
        json: bool,
    },
    /// Every identity awsnav can get in with and its time left: the base identity's MFA
    /// session, IAM Identity Center, each SAML provider, each console session, each stored key.
    /// From what is cached: nothing is sent to AWS.
    Status {
        /// JSON for prompts and scripts.
        #[arg(long)]
        json: bool,
    },
    /// The guardrails of an account or OU: every organization policy (SCP, RCP, tag, backup…)
    /// that applies there, its own and those inherited, and where each is attached.
    #[command(visible_alias = "policies")]
    Guardrails(GuardrailsArgs),
    /// Sign in to IAM Identity Center (no AWS CLI needed); the AWS CLI and every SDK use the
    /// token too. With --console: sign in as an IAM user with the console password and MFA
    /// (no access key), for short-lived credentials that renew themselves.
    Login(LoginArgs),
    /// Sign out of IAM Identity Center: the portal's Logout, then the token file removed.
    /// With --console: the console session's token removed.
    Logout {
        /// Sign the profile's console session out (`awsnav login --console`).
        #[arg(long)]
        console: bool,
    },
    /// A standing credential endpoint for containers, IDEs and notebooks: `GET /ACCOUNT/ROLE`
    /// with the token it prints, renewed as in shells, until Ctrl-C.
    Serve(ServeArgs),
    /// Docker and ECR: `ecr login ACCOUNT` lets Docker get the account's registry password
    /// from awsnav.
    Ecr {
        #[command(subcommand)]
        command: EcrCommand,
    },
    /// Docker's credential-helper protocol, as `docker-credential-awsnav` (a link to awsnav)
    /// answers it: the server URL on stdin, JSON on stdout.
    DockerCredential {
        #[arg(value_enum)]
        action: DockerAction,
    },
    /// EKS: tokens for kubectl, and kubeconfig contexts for the clusters of many accounts.
    Eks {
        #[command(subcommand)]
        command: EksCommand,
    },
    /// Print credentials in the JSON a profile's credential process must print (Version 1).
    CredentialProcess {
        /// Account id, name or alias.
        #[arg(long, value_name = "ACCOUNT", required_unless_present = "key", add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: Option<String>,
        /// Instead of an account's role: a short-lived session (`GetSessionToken`, with MFA
        /// where configured) of the key stored under NAME (`awsnav auth import` writes this).
        #[arg(long, value_name = "NAME", conflicts_with = "account")]
        key: Option<String>,
        #[command(flatten)]
        access: AccessOpts,
    },
    /// Keep IAM users' long-lived keys in the OS keyring (or an encrypted file), not in
    /// ~/.aws/credentials.
    Auth {
        #[command(subcommand)]
        command: AuthCommand,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a shell's completion script: eval or source it from your shell's startup file.
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the manual page (roff): `awsnav man | man -l -`.
    Man,
}

/// The command line as awsnav reads it: started as `docker-credential-awsnav ACTION` (a link),
/// it is `awsnav docker-credential ACTION`.
pub fn as_awsnav(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut args: Vec<_> = args.into_iter().collect();
    let helper = args.first().is_some_and(|a| {
        std::path::Path::new(a).file_name()
            == Some(std::ffi::OsStr::new(
                crate::app::docker_helper::HELPER_PROGRAM,
            ))
    });
    if helper {
        args.splice(0..1, ["awsnav".into(), "docker-credential".into()]);
    }
    args
}

#[derive(Debug, Subcommand)]
pub enum EcrCommand {
    /// Set Docker up to ask awsnav for ACCOUNT's registry (in --region, else the account's
    /// region): `credHelpers` in ~/.docker/config.json, the role remembered, production
    /// confirmed once. When Docker would find no `docker-credential-awsnav` that is this
    /// awsnav, it says what is missing and the command that makes it.
    Login {
        /// Account id, name, alias, or a fuzzy query with one clear best match.
        #[arg(add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: String,
        /// Make the missing `docker-credential-awsnav` link (beside the awsnav on PATH, else in
        /// a folder of PATH in your home, else ~/.local/bin); nothing is replaced.
        #[arg(long)]
        link_helper: bool,
        #[command(flatten)]
        access: AccessOpts,
    },
}

#[derive(Debug, Subcommand)]
pub enum EksCommand {
    /// Print the `ExecCredential` JSON kubectl's exec plugin reads: a token for the cluster,
    /// as `aws eks get-token` makes it, from ACCOUNT's role session.
    Token {
        /// The cluster's name.
        #[arg(long, value_name = "NAME")]
        cluster: String,
        /// Account id, name, alias, or a fuzzy query with one clear best match.
        #[arg(add = ArgValueCompleter::new(crate::cli::completion::accounts))]
        account: String,
        #[command(flatten)]
        access: AccessOpts,
    },
    /// Write a kubeconfig context `account/cluster` for each EKS cluster of the chosen
    /// accounts and regions; each runs `awsnav eks token`. Production contexts need --yes
    /// and are marked.
    Kubeconfig(KubeconfigArgs),
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Store an IAM user's access key under NAME, after AWS has confirmed it works.
    Add {
        /// The name to store it under; a key named like [auth] profile, --profile or
        /// `AWS_PROFILE` is the base identity awsnav uses.
        name: String,
        /// Take `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` from the environment instead of
        /// asking on the terminal.
        #[arg(long)]
        env: bool,
    },
    /// Move a profile's keys from the shared credentials file into the key store.
    Import {
        /// The profile in ~/.aws/credentials (or `AWS_SHARED_CREDENTIALS_FILE`).
        profile: String,
        /// Also delete the keys from the credentials file (after a 0600 backup), giving the
        /// profile a `credential_process` line that serves short-lived sessions.
        #[arg(long)]
        remove: bool,
    },
    /// List the stored keys: name, key id (last 4), user, age, where stored.
    List {
        /// Print JSON for programs.
        #[arg(long)]
        json: bool,
    },
    /// Delete the key stored under NAME from the key store (IAM is not touched unless
    /// --deactivate).
    Remove {
        name: String,
        /// Also turn the key off in IAM, once a console session of the same user works
        /// (`awsnav login --console`): the key stops working everywhere, and IAM can turn it
        /// on again. Nothing changes when the session does not work.
        #[arg(long)]
        deactivate: bool,
        /// The profile whose console session proves it (default: the one whose `login_session`
        /// is the key's user).
        #[arg(long, value_name = "PROFILE", requires = "deactivate")]
        console_profile: Option<String>,
    },
    /// Make a new access key in IAM, store it, check it, then delete the old one.
    Rotate {
        name: String,
        /// The current MFA code, when IAM needs an MFA session for key changes.
        #[arg(long, value_name = "CODE")]
        mfa_code: Option<String>,
    },
}

/// What `awsnav guardrails` is asked.
#[derive(Debug, clap::Args)]
pub struct GuardrailsArgs {
    /// An account (id, name or alias), an OU (id, name or path `Workloads/Prod`), or `root`.
    #[arg(value_name = "ACCOUNT-OR-OU")]
    pub target: String,
    /// Only this type: scp, rcp, tag, backup, ai-opt-out, chatbot, declarative-ec2, or
    /// Organizations' name (`SERVICE_CONTROL_POLICY`…).
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: Option<String>,
    /// JSON for programs.
    #[arg(long)]
    pub json: bool,
    /// Print one policy's document (name or id), with its targets.
    #[arg(long, value_name = "NAME-OR-ID")]
    pub show: Option<String>,
    /// The current MFA code, when the organization is read through an MFA session or role
    /// (`[org] mfa`, `[org] role`) and there is no terminal to ask on.
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
}

/// Rows of the cost report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CostBy {
    Account,
    Ou,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented default config file.
    Default,
    /// Print the effective settings and where awsnav keeps its files.
    Show,
    /// Print the config file's path.
    Path,
    /// Print AWS config profiles for every account × role (or keep them in ~/.aws/config).
    Generate {
        /// Only these roles (comma-separated; default: every role offered).
        #[arg(long, value_delimiter = ',', value_name = "ROLE,…")]
        roles: Vec<String>,
        /// Put this before every profile name.
        #[arg(long, default_value = "", value_name = "PREFIX")]
        prefix: String,
        /// How the profiles get credentials.
        #[arg(long, value_enum, default_value = "credential-process")]
        style: crate::app::aws_profiles::ProfileStyle,
        /// Write them into the AWS config file (a marked block; a backup of the old file is kept).
        #[arg(long)]
        write: bool,
        /// With --write: let a profile name that pointed to one account point to another (an
        /// account renamed to another's former name).
        #[arg(long, requires = "write")]
        force: bool,
    },
}

/// Options shared by every command that gets credentials.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct AccessOpts {
    /// Role to assume (default: the last one used there, or the only one offered).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// The current MFA code (otherwise the config's MFA command, or a prompt on the terminal).
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
    /// Session length in seconds (over 3600 assumes directly with MFA).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(900..=43_200))]
    pub duration: Option<u32>,
    /// Confirm access to a production account without being asked.
    #[arg(long)]
    pub yes: bool,
    /// Never offer to sign in to IAM Identity Center (set by commands whose output another program reads
    /// and which that program may start with the terminal still attached).
    #[arg(skip)]
    pub no_sign_in_offer: bool,
}

/// The many-account options of `exec`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct EachOpts {
    /// Run in every active account a selector names: all, ou:GLOB, tag:KEY=VALUE,
    /// name:GLOB, account:ID-OR-NAME (repeat for a union).
    #[arg(long = "each", value_name = "SELECTOR")]
    pub each: Vec<Pick>,
    /// Leave out the accounts a selector names.
    #[arg(long = "except", value_name = "SELECTOR", requires = "each")]
    pub except: Vec<Pick>,
    /// How many commands run at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256), requires = "each")]
    pub parallel: u16,
    /// prefix (every line, as it comes), grouped (a block per account) or json.
    #[arg(
        long,
        value_enum,
        value_name = "HOW",
        default_value_t,
        requires = "each"
    )]
    pub output: EachOutput,
}

/// How a many-account run shows its output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EachOutput {
    /// Every line as it comes, prefixed with the account's name.
    #[default]
    Prefix,
    /// Each account's output in one block when its command ends.
    Grouped,
    /// One JSON document at the end.
    Json,
}

/// What `awsnav serve` is asked.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Serve only these accounts (ids, aliases or exact names); none: every account.
    #[arg(value_name = "ACCOUNT", add = clap_complete::ArgValueCompleter::new(crate::cli::completion::accounts))]
    pub accounts: Vec<String>,
    /// The address to listen on: 127.0.0.1, or a container bridge's address (see
    /// docs/credentials-for-tools.md for Docker); others only with --allow-remote.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The port (default: the last server's, else any free one). Another port than the last
    /// server's makes new tokens: clients are then started again with --print-env's output.
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Allow an address other machines can reach (every request still needs the token).
    #[arg(long)]
    pub allow_remote: bool,
    /// Make new tokens instead of the ones the last server kept (every client then needs
    /// --print-env's new output).
    #[arg(long)]
    pub new_token: bool,
    /// Print the two variables a container needs to get ACCOUNT's role (--role) from the
    /// running server, with a token for that account and role only, and exit.
    #[arg(long, value_name = "ACCOUNT", add = clap_complete::ArgValueCompleter::new(crate::cli::completion::accounts))]
    pub print_env: Option<String>,
    #[command(flatten)]
    pub access: AccessOpts,
}

/// Docker's credential-helper actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DockerAction {
    /// The server URL on stdin; the login as JSON on stdout.
    Get,
    /// The registries `awsnav ecr login` set up, as JSON.
    List,
    /// What `docker login` would keep: refused (awsnav gets each password itself).
    Store,
    /// The server URL on stdin: its cached password dropped (`docker logout`).
    Erase,
}

/// What `awsnav eks kubeconfig` is asked.
#[derive(Debug, clap::Args)]
pub struct KubeconfigArgs {
    /// One account (id, name, alias or query); or --each.
    #[arg(required_unless_present = "each", conflicts_with = "each", add = clap_complete::ArgValueCompleter::new(crate::cli::completion::accounts))]
    pub account: Option<String>,
    /// The accounts to look in, as `exec --each` chooses them: all, ou:GLOB, tag:KEY=VALUE,
    /// name:GLOB, account:ID-OR-NAME.
    #[arg(long, value_name = "SELECTOR")]
    pub each: Vec<Pick>,
    /// Leave out the accounts a selector names (with --each).
    #[arg(long, value_name = "SELECTOR", requires = "each")]
    pub except: Vec<Pick>,
    /// The regions to look in (comma-separated; default: each account's session region).
    #[arg(long, value_delimiter = ',', value_name = "REGION,…")]
    pub regions: Vec<String>,
    /// The kubeconfig to write (default: the first of `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Repoint contexts and users of the file that point to another account or cluster
    /// (without it the file is left as it is and they are listed).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub access: AccessOpts,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_subcommand() {
        let cli = Cli::try_parse_from(["awsnav", "list", "--json", "--demo"]).unwrap();
        assert!(cli.demo);
        assert!(matches!(
            cli.command,
            Some(Command::List {
                json: true,
                refresh: false,
                refresh_cost: false,
                ..
            })
        ));
    }

    #[test]
    fn every_credential_command_takes_the_same_options() {
        let common = [
            "--role",
            "Admin",
            "--mfa-code",
            "123456",
            "--duration",
            "7200",
            "--region",
            "eu-west-1",
            "--yes",
        ];
        for head in [
            vec!["awsnav", "shell", "pay"],
            vec!["awsnav", "env", "pay"],
            vec!["awsnav", "console", "pay"],
            vec!["awsnav", "credential-process", "--account", "pay"],
        ] {
            let args: Vec<&str> = head.iter().copied().chain(common).collect();
            let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(cli.region.as_deref(), Some("eu-west-1"));
        }
        let cli = Cli::try_parse_from([
            "awsnav", "exec", "pay", "--role", "R", "--", "aws", "s3", "ls",
        ])
        .unwrap();
        let Some(Command::Exec {
            command, access, ..
        }) = cli.command
        else {
            panic!("not exec")
        };
        assert_eq!(command, ["aws", "s3", "ls"]);
        assert_eq!(access.role.as_deref(), Some("R"));
        assert!(Cli::try_parse_from(["awsnav", "env", "pay", "--duration", "60"]).is_err());
    }
}

/// What `awsnav login` is asked: flags of a command line, each its own switch.
#[derive(Debug, clap::Args)]
#[allow(clippy::struct_excessive_bools, reason = "one per command-line flag")]
pub struct LoginArgs {
    /// Sign in as an IAM user (or root) like the AWS console: the profile (--profile, else
    /// `AWS_PROFILE`, else default) gets `login_session`, as with `aws login`.
    #[arg(long, conflicts_with = "saml")]
    pub console: bool,
    /// Sign in to the SAML identity provider NAME (`[[saml]]`) in a Chromium-family
    /// browser: whatever the IdP asks (password, MFA, passkeys), then every account and
    /// role it gives.
    #[arg(long, value_name = "NAME")]
    pub saml: Option<String>,
    /// With --saml: sign in silently from the IdP session the browser kept, with no
    /// window (fails when the IdP asks for anything).
    #[arg(long, requires = "saml")]
    pub headless: bool,
    /// Use the device code: a URL and a code to confirm, from any device (the default over
    /// SSH or without a display).
    #[arg(long, conflicts_with = "console")]
    pub use_device_code: bool,
    /// Do not open a browser; print the URL (Identity Center: implies --use-device-code;
    /// console: paste back the code the browser shows, as `aws login --remote`).
    #[arg(long)]
    pub no_browser: bool,
}

/// `env --export-as`: the session into the shared credentials file, for tools that read only it.
#[derive(Debug, Default, clap::Args)]
pub struct ExportOpts {
    /// Write the session into ~/.aws/credentials (or `AWS_SHARED_CREDENTIALS_FILE`) as profile
    /// NAME, with `x_security_token_expires`, instead of printing it: one section, every other
    /// byte of the file kept, 0600, a backup of the file before its first change.
    #[arg(long, value_name = "NAME")]
    pub export_as: Option<String>,
    /// Let --export-as write [default], or a profile that holds long-lived keys.
    #[arg(long, requires = "export_as")]
    pub force: bool,
}
