//! awsnav: navigate an AWS Organization's accounts from the terminal.

pub mod access;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod completion;
pub mod config;
pub mod console;
pub mod context;
pub mod cost;
pub mod cost_cache;
pub mod cost_report;
pub mod creds;
pub mod demo;
pub mod files;
pub mod inventory;
pub mod launch;
pub mod list;
pub mod model;
pub mod profiles;
pub mod roles;
pub mod safety;
pub mod search;
pub mod selector;
pub mod sync;
pub mod tui;
