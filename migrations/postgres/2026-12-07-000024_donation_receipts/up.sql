-- Donation receipts (기부금 영수증): numbered per organization and year of issue without gaps —
-- the number comes from the organization's counter, moved in the receipt's own transaction
-- under the organization row's lock, so a rolled-back issue leaves no hole. The organization's
-- registration number (고유번호 or 사업자등록번호) and a goods gift's value in won are what the
-- form needs besides.
ALTER TABLE organizations ADD COLUMN registration_no TEXT;
ALTER TABLE organizations ADD COLUMN receipt_year INTEGER;
ALTER TABLE organizations ADD COLUMN receipt_serial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE donations ADD COLUMN value BIGINT;

CREATE TABLE donation_receipts (
    id             uuid PRIMARY KEY NOT NULL,
    donation_id    uuid NOT NULL UNIQUE REFERENCES donations (id),
    org_id         uuid NOT NULL REFERENCES organizations (id),
    year           INTEGER NOT NULL,
    serial         INTEGER NOT NULL,
    issued_by      uuid NOT NULL REFERENCES users (id),
    issued_at      timestamp NOT NULL,
    reissues       INTEGER NOT NULL DEFAULT 0,
    last_issued_at timestamp NOT NULL,
    UNIQUE (org_id, year, serial),
    CHECK (serial > 0)
);
