-- The resource catalogue and the shared allocation ledger.

CREATE TABLE resources (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL,
    category          TEXT NOT NULL,
    funding           TEXT NOT NULL,
    unit              TEXT NOT NULL,
    provider_org_id   TEXT REFERENCES organizations (id),
    district_code     TEXT NOT NULL,
    duplicate_policy  TEXT NOT NULL,
    created_by_org_id TEXT NOT NULL REFERENCES organizations (id),
    active            BOOLEAN NOT NULL DEFAULT true,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX resources_district_idx ON resources (district_code, id);

CREATE TABLE allocations (
    id              TEXT PRIMARY KEY NOT NULL,
    resource_id     TEXT NOT NULL REFERENCES resources (id),
    category        TEXT NOT NULL,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    household_id    TEXT REFERENCES households (id),
    case_id         TEXT REFERENCES cases (id),
    provider_org_id TEXT NOT NULL REFERENCES organizations (id),
    district_code   TEXT NOT NULL,
    amount          BIGINT,
    quantity        INTEGER,
    granted_on      DATE NOT NULL,
    status          TEXT NOT NULL,
    note            TEXT,
    override_reason TEXT,
    requested_by    TEXT NOT NULL REFERENCES users (id),
    approved_by     TEXT REFERENCES users (id),
    cancel_reason   TEXT,
    import_key      TEXT UNIQUE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
-- The duplicate check reads these, covering what it needs (SQLite twin: no INCLUDE columns).
CREATE INDEX allocations_person_idx ON allocations (person_id, granted_on);
CREATE INDEX allocations_household_idx ON allocations (household_id, granted_on)
    WHERE household_id IS NOT NULL;
CREATE INDEX allocations_district_idx ON allocations (district_code, id);
CREATE INDEX allocations_resource_idx ON allocations (resource_id, granted_on);
