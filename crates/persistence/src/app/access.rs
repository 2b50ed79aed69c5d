//! A change of someone's access, and the sessions it ends at once: an organization deactivated
//! ends its members' sessions; a user's new role, organization or deactivation, or a password
//! set by someone else, ends theirs; one's own new password ends the others. The organization
//! and user repositories say what changed; the sessions are ended here.

use hamkke_domain::org::{Organization, OrganizationPatch};
use hamkke_domain::user::{User, UserPatch};

use crate::error::RepoResult;
use crate::repo::auth::sessions;
use crate::repo::orgs;
use crate::repo::users::{self, EndSessions};
use crate::uow::Tx;
use uuid::Uuid;

/// Applies an organization's change (`orgs::update`); a deactivation ends its members'
/// sessions, so their tokens do not work again after a reactivation.
pub fn update_org(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: OrganizationPatch,
) -> RepoResult<Organization> {
    let (org, deactivated) = orgs::update(tx, id, expected_version, patch)?;
    if deactivated {
        let members = users::ids_of_org(tx.conn(), id)?;
        sessions::revoke(tx.conn(), &members, "organization_deactivated")?;
    }
    Ok(org)
}

/// Applies a user's change (`users::update`) and ends the sessions it ends.
pub fn update_user(
    tx: &mut Tx<'_>,
    id: Uuid,
    expected_version: i32,
    patch: UserPatch,
) -> RepoResult<User> {
    let (user, ends) = users::update(tx, id, expected_version, patch)?;
    match ends {
        EndSessions::None => {}
        EndSessions::All => {
            sessions::revoke(tx.conn(), &[id], "access_changed")?;
        }
        EndSessions::AllBut(current) => {
            sessions::revoke_others(tx.conn(), id, current, "password_changed")?;
        }
    }
    Ok(user)
}
