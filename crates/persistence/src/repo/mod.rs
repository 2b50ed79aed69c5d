//! Repositories: every read or write of protected data takes the `Actor` and checks it
//! through `hamkke_domain::authz`.

pub mod auth;
pub mod orgs;
pub mod page;
pub mod users;
