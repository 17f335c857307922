//! awsnav: navigate an AWS Organization's accounts from the terminal.

pub mod aws;
pub mod cli;
pub mod config;
pub mod demo;
pub mod inventory;
pub mod list;
pub mod model;
pub mod search;
pub mod sync;
pub mod tui;
