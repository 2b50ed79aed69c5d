//! `hamkke rotate-keys`: everything sealed or hashed under the data and lookup keys, moved to
//! the current keys — persons' RRNs and their lookup hashes, donors' identifiers, then the
//! attachments' files — in short transactions while the server keeps serving.

use crate::conn::DbConn;
use crate::crypto::PersonKeys;
use crate::error::RepoResult;

/// Rotates every sealed value; `progress` hears the running totals.
pub fn rotate_all(
    conn: &mut DbConn,
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
