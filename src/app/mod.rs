//! Use cases both front ends call: what a run builds once, a sync, getting credentials, the
//! console link, shells and commands in an account, costs, generated AWS profiles.

/// `eprintln!` for what people read on stderr (notes, warnings, summaries), from either front
/// end (the TUI only while a child holds the terminal): the message's own lines kept, any
/// control or bidirectional override a name brought into it written as an escape
/// ([`crate::domain::untrusted::visible_lines`]).
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::domain::untrusted::visible_lines(&format!($($arg)*)))
    };
}
pub(crate) use say;

pub mod access;
pub mod access_keys;
pub mod aws_profiles;
pub mod console_link;
pub mod console_sign_in;
pub mod context;
pub mod cost_reader;
pub mod credential_server;
pub mod devtools_pipe;
pub mod dialog;
pub mod docker_helper;
pub mod ecr_login;
pub mod enter;
pub mod fanout;
pub mod guardrails;
pub mod identities;
pub mod launch;
pub mod org_reader;
pub mod saml_sign_in;
pub mod shared_inventory;
pub mod shell_prompt;
pub mod sso_roles;
pub mod sso_sign_in;
pub mod standing_server;
pub mod sync;
