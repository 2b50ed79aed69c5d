-- Attachments: a small store for the files a delivery, a consent or a case needs as evidence
-- (a recipient's signature, a photo, the signed consent form, an assessment sheet). The bytes
-- are sealed with the data key (AES-256-GCM, the attachment's id as associated data, so a
-- ciphertext cannot be moved to another row) and kept in their own table, so listing never
-- reads them. `person_id` is the person the file is about: the retention job removes the
-- file when it anonymises the person.
CREATE TABLE attachments (
    id                 uuid PRIMARY KEY NOT NULL,
    subject_type       TEXT NOT NULL CHECK (subject_type IN ('allocation', 'consent', 'case')),
    subject_id         uuid NOT NULL,
    person_id          uuid REFERENCES persons (id),
    district_code      TEXT NOT NULL,
    kind               TEXT NOT NULL CHECK (kind IN ('signature', 'photo', 'consent_form', 'assessment_sheet', 'plan_agreement', 'other')),
    content_type       TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/heic')),
    size_bytes         BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256             TEXT NOT NULL,
    uploaded_by        uuid NOT NULL REFERENCES users (id),
    uploaded_by_org_id uuid NOT NULL REFERENCES organizations (id),
    created_at         timestamp NOT NULL
);
CREATE INDEX attachments_subject_idx ON attachments (subject_type, subject_id);
CREATE INDEX attachments_person_idx ON attachments (person_id);

CREATE TABLE attachment_contents (
    attachment_id uuid PRIMARY KEY NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    sealed        bytea NOT NULL
);

-- A delivery's proof (수령 확인): when and by whom it was delivered, and how receipt was shown —
-- the recipient's signature or a photo (an attachment of the allocation), or 대리수령 (the
-- name and relation of who took it). The proof's file goes when retention removes it; the
-- kind of proof stays.
ALTER TABLE allocations ADD COLUMN delivered_at timestamp;
ALTER TABLE allocations ADD COLUMN delivered_by uuid REFERENCES users (id);
ALTER TABLE allocations ADD COLUMN proof_kind TEXT CHECK (proof_kind IN ('signature', 'photo', 'proxy'));
ALTER TABLE allocations ADD COLUMN proof_attachment_id uuid REFERENCES attachments (id) ON DELETE SET NULL;
ALTER TABLE allocations ADD COLUMN proxy_name TEXT;
ALTER TABLE allocations ADD COLUMN proxy_relation TEXT;
