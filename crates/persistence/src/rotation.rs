//! `hamkke rotate-keys`: everything sealed or hashed under the data and lookup keys, moved to
//! the current keys — persons' RRNs and their lookup hashes, donors' identifiers, then the
//! attachments' files — in short transactions while the server keeps serving.

use hamkke_domain::event::{Run, RunCompleted};

use crate::audit::AuditCtx;
use crate::conn::DbConn;
use crate::crypto::PersonKeys;
use crate::error::RepoResult;

/// Rotates every sealed value; `progress` hears the running totals. The run is recorded as
/// one event with its counts (`person_keys.rotated`, audited as an update of `person_keys`).
pub fn rotate_all(
    conn: &mut DbConn,
    ctx: &AuditCtx,
    keys: &PersonKeys,
    batch: i64,
    mut progress: impl FnMut(&RotationReport),
) -> RepoResult<RotationReport> {
    let mut report = crate::repo::persons::rotate_keys(conn, keys, batch, &mut progress)?;
    crate::repo::donations::rotate_donor_identifiers(conn, keys, &mut report)?;
    progress(&report);
    // Files are large: a few per transaction.
    let files = crate::repo::attachments::rotate_keys(conn, keys, 16)?;
    report.rotated += files.rotated;
    report.already_current += files.already_current;
    report.unreadable += files.unreadable;
    progress(&report);
    let details = serde_json::to_value(&report).unwrap_or_default();
    let run = RunCompleted::new(Run::KeyRotation, details);
    crate::uow::system(conn, "key_rotation", |conn| {
        crate::uow::system_event(conn, ctx, "", run.into(), None)
    })?;
    Ok(report)
}

/// What a rotation did (persons' RRNs, donors' identifiers, files).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RotationReport {
    /// Rows re-encrypted and re-hashed under the current keys.
    pub rotated: usize,
    /// Rows already under the current keys.
    pub already_current: usize,
    /// Ciphertexts neither key opens (left as they are; investigate).
    pub unreadable: usize,
    /// Anonymised rows that kept only a lookup hash, which cannot be recomputed without the
    /// number; they match only while the previous lookup key is configured.
    pub lookup_only: usize,
}
