//! Pure types and rules: the organization, its inventory, search, selectors, which roles are
//! offered where, which names look alike, what is production, cost figures, credentials as
//! data, the demo organization. Nothing here does I/O.

pub mod arn;
pub mod console_look;
pub mod cost;
pub mod credentials;
pub mod demo;
pub mod docker_config;
pub mod fanout_plan;
pub mod fold;
pub mod guardrails;
pub mod inventory;
pub mod kube_names;
pub mod kubeconfig;
pub mod lookalike;
pub mod model;
pub mod orgs;
pub mod partition;
pub mod roles;
pub mod safety;
pub mod saml;
pub mod search;
pub mod selector;
pub mod untrusted;
