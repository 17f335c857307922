//! awsnav: navigate an AWS Organization's accounts from the terminal.
//!
//! The layers, each a folder; a folder uses only the folders listed after it:
//! `tui` and `cli` (the two front ends), `app` (use cases both call), `aws` (the typed boundary
//! to AWS), `store` (files awsnav keeps), `config` (the config file), `domain` (pure types and
//! rules).

pub mod app;
pub mod aws;
pub mod cli;
pub mod config;
pub mod domain;
pub mod store;
pub mod tui;
