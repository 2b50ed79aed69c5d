//! A file attached (첨부): a signed consent form (동의서) puts in force the consent its
//! organization recorded for itself.

use hamkke_domain::attachment::{AttachmentKind, SubjectType};

use crate::crypto::PersonKeys;
use crate::error::RepoResult;
use crate::repo::attachments::{self, AttachmentMeta, NewAttachment};
use crate::repo::consents;
use crate::uow::Tx;

/// Keeps a file for a subject the caller acts on (`attachments::add`); the signed form of a
/// consent its organization recorded for itself puts that consent in force.
pub fn add(tx: &mut Tx<'_>, keys: &PersonKeys, new: NewAttachment) -> RepoResult<AttachmentMeta> {
    let signed_form =
        new.subject_type == SubjectType::Consent && new.kind == AttachmentKind::ConsentForm;
    let meta = attachments::add(tx, keys, new)?;
    if signed_form {
        consents::form_attached(tx, meta.subject_id)?;
    }
    Ok(meta)
}
