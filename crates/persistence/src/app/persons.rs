//! A person registered (대상자 등록), by hand or from an import row: the persons of the district
//! who may be the same are queued for the identity review (동일인 검토).

use hamkke_domain::person::{NewPerson, PersonView};

use crate::crypto::PersonKeys;
use crate::error::RepoResult;
use crate::repo::identity::{self, Candidate};
use crate::repo::persons::{self, ImportRegistration};
use crate::uow::Tx;

/// Registers a person (`persons::create`: a known RRN answers `person_already_registered`;
/// with `refuse`, possible duplicates answer 409); the persons of the district who may be the
/// same are returned and queued for review.
pub fn register(
    tx: &mut Tx<'_>,
    keys: &PersonKeys,
    new: NewPerson,
    refuse: bool,
) -> RepoResult<(PersonView, Vec<Candidate>)> {
    let (view, found) = persons::create(tx, keys, new, refuse)?;
    let district = &tx.actor().district_code;
    identity::queue_registration(tx.conn(), district, view.id(), &found)?;
    Ok((view, found))
}

/// Registers the person of an import row unless the district already has them
/// (`persons::register_for_import`); one registered now is queued for review with the persons
/// who may be the same.
pub fn register_for_import(
    tx: &mut Tx<'_>,
    keys: &PersonKeys,
    new: NewPerson,
    strong: u8,
) -> RepoResult<ImportRegistration> {
    let (registration, found) = persons::register_for_import(tx, keys, new, strong)?;
    if let ImportRegistration::Registered(id) = registration {
        let district = &tx.actor().district_code;
        identity::queue_registration(tx.conn(), district, id, &found)?;
    }
    Ok(registration)
}
