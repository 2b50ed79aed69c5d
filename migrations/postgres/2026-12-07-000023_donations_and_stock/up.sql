-- Donations (후원·기탁): cash or goods received by an organization, from a person or a
-- company, designated (지정기탁) to a dong centre, a campaign or a group, or not. The donor's
-- identifier (RRN or business number, for the tax receipt) is kept only sealed under the data
-- key, with a masked form for display.
CREATE TABLE donations (
    id                       uuid PRIMARY KEY NOT NULL,
    district_code            TEXT NOT NULL,
    received_by_org_id       uuid NOT NULL REFERENCES organizations (id),
    donor_kind               TEXT NOT NULL,
    donor_name               TEXT NOT NULL,
    donor_contact            TEXT,
    donor_id_cipher          TEXT,
    donor_id_masked          TEXT,
    kind                     TEXT NOT NULL,
    amount                   BIGINT,
    resource_id              uuid REFERENCES resources (id),
    quantity                 INTEGER,
    expires_on               DATE,
    designation              TEXT NOT NULL,
    designated_org_id        uuid REFERENCES organizations (id),
    designated_campaign_id   uuid REFERENCES campaigns (id),
    designated_group         TEXT,
    received_on              DATE NOT NULL,
    created_by               uuid NOT NULL REFERENCES users (id),
    created_at               timestamp NOT NULL,
    CHECK (kind IN ('cash', 'goods')),
    CHECK (kind <> 'cash' OR (amount IS NOT NULL AND amount > 0 AND resource_id IS NULL)),
    CHECK (kind <> 'goods' OR (resource_id IS NOT NULL AND quantity IS NOT NULL AND quantity > 0))
);
CREATE INDEX donations_org_idx ON donations (received_by_org_id, received_on);
CREATE INDEX donations_district_idx ON donations (district_code, id);

-- Stock (재고) of a resource: one lot per goods donation (and its expiry). What is left never
-- goes below zero: allocations draw it by conditional updates, and the check holds it too.
CREATE TABLE stock_lots (
    id                     uuid PRIMARY KEY NOT NULL,
    resource_id            uuid NOT NULL REFERENCES resources (id),
    donation_id            uuid NOT NULL REFERENCES donations (id),
    expires_on             DATE,
    designation            TEXT NOT NULL,
    designated_org_id      uuid REFERENCES organizations (id),
    designated_campaign_id uuid REFERENCES campaigns (id),
    designated_group       TEXT,
    quantity_received      INTEGER NOT NULL,
    quantity_left          INTEGER NOT NULL,
    created_at             timestamp NOT NULL,
    CHECK (quantity_left >= 0 AND quantity_left <= quantity_received)
);
CREATE INDEX stock_lots_resource_idx ON stock_lots (resource_id, expires_on);

-- What each allocation drew from which lot (a cancellation puts it back; a donor's report
-- follows its gift through these).
CREATE TABLE stock_draws (
    allocation_id uuid NOT NULL REFERENCES allocations (id),
    lot_id        uuid NOT NULL REFERENCES stock_lots (id),
    quantity      INTEGER NOT NULL,
    returned      BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (allocation_id, lot_id),
    CHECK (quantity > 0)
);
CREATE INDEX stock_draws_lot_idx ON stock_draws (lot_id);

-- Whether an allocation was made through a campaign (a campaign-designated lot gives only to
-- those).
ALTER TABLE allocations ADD COLUMN campaign_id uuid REFERENCES campaigns (id);
