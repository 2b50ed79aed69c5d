//! A reference is an access: an id in a body or a query filter is checked with the same rule
//! as the same id in a path, and answers like an id that does not exist when the rule says no.

use hamkke_domain::authz::{self, Actor};
use hamkke_domain::org::Organization;
use hamkke_domain::person::Person;
use hamkke_domain::DomainError;
use uuid::Uuid;

use super::{orgs, persons};
use crate::conn::DbConn;
use crate::error::{RepoError, RepoResult};

pub(crate) fn unknown<T>(field: &str) -> RepoResult<T> {
    Err(DomainError::unknown(field).into())
}

/// An organization the actor may see (`authz::view_org`).
pub fn org(conn: &mut DbConn, actor: &Actor, id: Uuid, field: &str) -> RepoResult<Organization> {
    match orgs::load(conn, id) {
        Ok(o) if authz::view_org(actor, &o.facts()).is_ok() => Ok(o),
        Ok(_) | Err(RepoError::NotFound) => unknown(field),
        Err(e) => Err(e),
    }
}

/// A person of the actor's district (`authz::reach_person`).
pub fn person(conn: &mut DbConn, actor: &Actor, id: Uuid, field: &str) -> RepoResult<Person> {
    match persons::load(conn, id) {
        Ok(p) if authz::reach_person(actor, &p.district_code).is_ok() => Ok(p),
        Ok(_) | Err(RepoError::NotFound) => unknown(field),
        Err(e) => Err(e),
    }
}
