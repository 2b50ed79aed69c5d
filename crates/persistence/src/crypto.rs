//! Protection of resident registration numbers at rest: AES-256-GCM ciphertext for the number
//! and a keyed HMAC-SHA256 for exact matching. Neither key is ever stored in the database.
//!
//! Key rotation: the server runs with the new keys as current and the old ones as previous;
//! ciphertexts open under either, lookups match either hash, and `hamkke rotate-keys`
//! re-encrypts and re-hashes every row under the current keys while the server keeps serving.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hamkke_domain::person::Rrn;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The two keys, each 32 bytes.
#[derive(Clone)]
pub struct PersonKeys {
    data: Key<Aes256Gcm>,
    lookup: [u8; 32],
    /// The keys being rotated away from, while `rotate-keys` runs.
    previous: Option<Box<PersonKeys>>,
}

impl std::fmt::Debug for PersonKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKeys(***)")
    }
}

/// A key that is not 32 bytes of base64.
#[derive(Debug, thiserror::Error)]
#[error("a key must be 32 bytes, base64-encoded")]
pub struct BadKey;

impl PersonKeys {
    pub fn new(data: [u8; 32], lookup: [u8; 32]) -> Self {
        Self {
            data: Key::<Aes256Gcm>::from(data),
            lookup,
            previous: None,
        }
    }

    /// These keys as current, with `previous` still accepted for reading and matching.
    pub fn with_previous(mut self, previous: PersonKeys) -> Self {
        self.previous = Some(Box::new(PersonKeys {
            previous: None,
            ..previous
        }));
        self
    }

    /// Whether previous keys are configured (a rotation is under way).
    pub fn rotating(&self) -> bool {
        self.previous.is_some()
    }

    /// Keys from their base64 forms.
    pub fn from_base64(data: &str, lookup: &str) -> Result<Self, BadKey> {
        let decode = |s: &str| -> Result<[u8; 32], BadKey> {
            STANDARD
                .decode(s.trim())
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or(BadKey)
        };
        Ok(Self::new(decode(data)?, decode(lookup)?))
    }

    /// A fresh random key in base64, for embedded mode.
    pub fn generate_base64() -> String {
        STANDARD.encode(Aes256Gcm::generate_key(OsRng))
    }

    /// `v1:` + base64(nonce ‖ ciphertext).
    pub fn encrypt(&self, rrn: &Rrn) -> String {
        self.seal(rrn.digits().as_bytes())
    }

    /// The number back, for re-encryption during key rotation.
    pub fn decrypt(&self, stored: &str) -> Option<Rrn> {
        let plain = self.open(stored)?;
        Rrn::parse(std::str::from_utf8(&plain).ok()?).ok()
    }

    /// Any bytes under the data key: `v1:` + base64(nonce ‖ ciphertext).
    pub fn seal(&self, plain: &[u8]) -> String {
        let cipher = Aes256Gcm::new(&self.data);
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption with a valid key and a fresh nonce fails only past 64 GiB.
        let ct = cipher.encrypt(&nonce, plain).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        format!("v1:{}", STANDARD.encode(out))
    }

    /// What `seal` sealed under the current or the previous key, or None when altered.
    pub fn open(&self, stored: &str) -> Option<Vec<u8>> {
        self.open_current(stored)
            .or_else(|| self.previous.as_ref()?.open_current(stored))
    }

    /// Whether `stored` was sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        self.open_current(stored).is_some()
    }

    fn open_current(&self, stored: &str) -> Option<Vec<u8>> {
        let raw = STANDARD.decode(stored.strip_prefix("v1:")?).ok()?;
        if raw.len() < 12 {
            return None;
        }
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        Aes256Gcm::new(&self.data)
            .decrypt(&Nonce::from(nonce), ct)
            .ok()
    }

    /// A file under the data key, bound to `bound_to` (the attachment's id) as associated data:
    /// `0x01` ‖ nonce ‖ ciphertext. Raw bytes, not base64, so a 10 MB photo stays 10 MB.
    pub fn seal_bytes(&self, plain: &[u8], bound_to: &[u8]) -> Vec<u8> {
        let cipher = Aes256Gcm::new(&self.data);
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plain,
            aad: bound_to,
        };
        // Encryption with a valid key and a fresh nonce fails only past 64 GiB.
        let ct = cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + 12 + ct.len());
        out.push(1);
        out.extend_from_slice(&nonce);
        out.extend(ct);
        out
    }

    /// What `seal_bytes` sealed for `bound_to` under the current or the previous key; None when
    /// altered or sealed for another row.
    pub fn open_bytes(&self, sealed: &[u8], bound_to: &[u8]) -> Option<Vec<u8>> {
        self.open_bytes_current(sealed, bound_to)
            .or_else(|| self.previous.as_ref()?.open_bytes_current(sealed, bound_to))
    }

    /// Whether `sealed` was sealed under the current key.
    pub fn bytes_current(&self, sealed: &[u8], bound_to: &[u8]) -> bool {
        self.open_bytes_current(sealed, bound_to).is_some()
    }

    fn open_bytes_current(&self, sealed: &[u8], bound_to: &[u8]) -> Option<Vec<u8>> {
        let (&version, rest) = sealed.split_first()?;
        if version != 1 || rest.len() < 12 {
            return None;
        }
        let (nonce, ct) = rest.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let payload = Payload {
            msg: ct,
            aad: bound_to,
        };
        Aes256Gcm::new(&self.data)
            .decrypt(&Nonce::from(nonce), payload)
            .ok()
    }

    /// The keyed hash used for exact matching.
    pub fn lookup_hash(&self, rrn: &Rrn) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup)
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(rrn.digits().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The hashes a stored row may carry for this number: current first, then previous.
    pub fn lookup_hashes(&self, rrn: &Rrn) -> Vec<String> {
        let mut all = vec![self.lookup_hash(rrn)];
        if let Some(p) = &self.previous {
            all.push(p.lookup_hash(rrn));
        }
        all
    }
}

// HMAC accepts keys of any length, so `new_from_slice` cannot fail.
#[allow(clippy::panic)]
fn unreachable_hmac() -> Hmac<Sha256> {
    panic!("HMAC rejected a 32-byte key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hides_the_number() {
        let keys = PersonKeys::new([7; 32], [9; 32]);
        let rrn = Rrn::parse("900101-1234568").unwrap(); // allow: test
        let stored = keys.encrypt(&rrn);
        assert!(!stored.contains("1234568") && !stored.contains("9001011234568"));
        assert_eq!(keys.decrypt(&stored).unwrap().digits(), "9001011234568"); // allow: test
        assert_ne!(keys.encrypt(&rrn), stored, "fresh nonce every time");
        assert_eq!(
            keys.lookup_hash(&rrn),
            keys.lookup_hash(&Rrn::parse("9001011234568").unwrap()) // allow: test
        );
        let other = PersonKeys::new([7; 32], [8; 32]);
        assert_ne!(keys.lookup_hash(&rrn), other.lookup_hash(&rrn));
    }

    #[test]
    fn files_are_bound_to_their_row_and_survive_rotation() {
        let old = PersonKeys::new([1; 32], [2; 32]);
        let photo = b"\xFF\xD8\xFF photo bytes";
        let sealed = old.seal_bytes(photo, b"row-a");
        assert!(!sealed.windows(5).any(|w| w == b"photo"));
        assert_eq!(
            old.open_bytes(&sealed, b"row-a").as_deref(),
            Some(&photo[..])
        );
        assert_eq!(
            old.open_bytes(&sealed, b"row-b"),
            None,
            "moved to another row"
        );
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(old.open_bytes(&altered, b"row-a"), None);
        let ring = PersonKeys::new([3; 32], [4; 32]).with_previous(old);
        assert!(!ring.bytes_current(&sealed, b"row-a"));
        assert_eq!(
            ring.open_bytes(&sealed, b"row-a").as_deref(),
            Some(&photo[..])
        );
        assert!(ring.bytes_current(&ring.seal_bytes(photo, b"row-a"), b"row-a"));
    }

    #[test]
    fn rotation_reads_both_and_writes_the_new() {
        let old = PersonKeys::new([1; 32], [2; 32]);
        let rrn = Rrn::parse("900101-1234568").unwrap(); // allow: test
        let stored = old.encrypt(&rrn);
        let ring = PersonKeys::new([3; 32], [4; 32]).with_previous(old.clone());
        assert!(ring.rotating() && !ring.is_current(&stored));
        assert_eq!(ring.decrypt(&stored).unwrap().digits(), "9001011234568"); // allow: test
        assert!(ring.is_current(&ring.encrypt(&rrn)));
        assert_eq!(
            ring.lookup_hashes(&rrn),
            vec![ring.lookup_hash(&rrn), old.lookup_hash(&rrn)]
        );
        let new_only = PersonKeys::new([3; 32], [4; 32]);
        assert!(new_only.decrypt(&stored).is_none());
    }
}
