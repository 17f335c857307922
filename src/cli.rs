//! Command-line interface: every subcommand and flag.

use clap::{Parser, Subcommand};

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
        /// Sync from AWS first instead of using the cache.
        #[arg(long)]
        refresh: bool,
    },
    /// Read the organization from AWS and update the cache.
    Refresh,
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented default config file.
    Default,
    /// Print the effective settings and where awsnav keeps its files.
    Show,
    /// Print the config file's path.
    Path,
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
                refresh: false
            })
        ));
    }
}
