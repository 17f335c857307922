//! Files awsnav keeps: private directories and atomic 0600 writes, the inventory, session and
//! cost caches, and the user's preferences (last roles, favourites, recent accounts, regions).

pub mod aws_config_block;
pub mod aws_files_edit;
pub mod cost_cache;
pub mod inventory_cache;
pub mod inventory_codec;
pub mod key_store;
pub mod prefs;
pub mod private_file;
pub mod session_cache;
pub mod sso_role_cache;
