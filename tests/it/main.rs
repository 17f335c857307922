//! The integration tests, one binary: the library and the `awsnav` binary against moto, fault
//! servers, the AWS CLI, boto3, shells, tmux and a real Secret Service. One binary links once
//! and starts moto once; the modules share `common`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod access;
mod cached_paths;
mod cli;
mod completions;
mod config_examples;
mod console;
mod console_login;
mod containers;
mod cost;
mod discovery;
mod docker_helper;
mod e2e_tmux;
mod each;
mod eks_contexts;
mod faults;
mod files;
mod fuzz;
mod generate;
mod guardrails;
mod hostile;
mod install;
mod key_store;
mod lookalike;
mod network;
mod org_reader;
mod orgs;
mod readme;
mod saml;
mod serve;
mod served;
mod shared_inventory;
mod sso;
mod sso_login;
mod status;
mod tui_snapshots;
