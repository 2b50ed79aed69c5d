//! Attachments (첨부 파일): the files that stand as evidence — a recipient's signature or a
//! photo proving a delivery, the signed consent form, an assessment sheet or a plan agreement
//! of a case. Each belongs to one subject and is seen by those who may see that subject.

use crate::str_enum;

str_enum!(
    /// What an attachment belongs to.
    SubjectType {
        Allocation = "allocation",
        Consent = "consent",
        Case = "case",
    }
);

str_enum!(
    /// What the file is.
    AttachmentKind {
        Signature = "signature",
        Photo = "photo",
        ConsentForm = "consent_form",
        AssessmentSheet = "assessment_sheet",
        PlanAgreement = "plan_agreement",
        Other = "other",
    }
);

str_enum!(
    /// The accepted file types, recognised by their content (never by name or declared type).
    FileType {
        Pdf = "application/pdf",
        Jpeg = "image/jpeg",
        Png = "image/png",
        Heic = "image/heic",
    }
);

impl FileType {
    /// The type of a file by its first bytes: PDF, JPEG, PNG, or HEIC/HEIF (an ISO-BMFF `ftyp`
    /// box with a HEIF brand). Anything else is `None`.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        if bytes.starts_with(b"%PDF-") {
            return Some(FileType::Pdf);
        }
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return Some(FileType::Jpeg);
        }
        if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            return Some(FileType::Png);
        }
        const HEIF_BRANDS: [&[u8; 4]; 8] = [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
        ];
        match (bytes.get(4..8), bytes.get(8..12)) {
            (Some(b"ftyp"), Some(brand)) if HEIF_BRANDS.iter().any(|b| &b[..] == brand) => {
                Some(FileType::Heic)
            }
            _ => None,
        }
    }

    /// The file name extension a download is offered under.
    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
            FileType::Heic => "heic",
        }
    }
}

str_enum!(
    /// How a delivery's receipt was shown (수령 확인): the recipient's signature or a photo of
    /// the handover (an attachment of that kind), or 대리수령 — someone else took it for the
    /// recipient (name and relation recorded).
    ProofKind {
        Signature = "signature",
        Photo = "photo",
        Proxy = "proxy",
    }
);

impl ProofKind {
    /// The attachment kind that proves this way, when a file is needed.
    pub fn attachment_kind(self) -> Option<AttachmentKind> {
        match self {
            ProofKind::Signature => Some(AttachmentKind::Signature),
            ProofKind::Photo => Some(AttachmentKind::Photo),
            ProofKind::Proxy => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_known_by_content() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileType::Jpeg)
        );
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileType::Png)
        );
        assert_eq!(
            FileType::sniff(b"\0\0\0\x18ftypheic\0\0\0\0"),
            Some(FileType::Heic)
        );
        assert_eq!(FileType::sniff(b"\0\0\0\x18ftypisom"), None, "an MP4 video");
        assert_eq!(FileType::sniff(b"GIF89a"), None);
        assert_eq!(FileType::sniff(b"<html>%PDF-"), None);
        assert_eq!(FileType::sniff(b""), None);
    }
}
