-- The resource catalogue and the shared allocation ledger.

CREATE TABLE resources (
    id                uuid PRIMARY KEY,
    name              text NOT NULL,
    category          text NOT NULL,
    funding           text NOT NULL,
    unit              text NOT NULL,
    provider_org_id   uuid REFERENCES organizations (id),
    district_code     text NOT NULL,
    duplicate_policy  text NOT NULL,
    created_by_org_id uuid NOT NULL REFERENCES organizations (id),
    active            boolean NOT NULL DEFAULT true,
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamp NOT NULL,
    updated_at        timestamp NOT NULL
);
CREATE INDEX resources_district_idx ON resources (district_code, id);

CREATE TABLE allocations (
    id              uuid PRIMARY KEY,
    resource_id     uuid NOT NULL REFERENCES resources (id),
    category        text NOT NULL,
    person_id       uuid NOT NULL REFERENCES persons (id),
    household_id    uuid REFERENCES households (id),
    case_id         uuid REFERENCES cases (id),
    provider_org_id uuid NOT NULL REFERENCES organizations (id),
    district_code   text NOT NULL,
    amount          bigint,
    quantity        integer,
    granted_on      date NOT NULL,
    status          text NOT NULL,
    note            text,
    override_reason text,
    requested_by    uuid NOT NULL REFERENCES users (id),
    approved_by     uuid REFERENCES users (id),
    cancel_reason   text,
    import_key      text UNIQUE,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL
);
-- The duplicate check reads these, covering what it needs (index-only on PostgreSQL).
CREATE INDEX allocations_person_idx ON allocations (person_id, granted_on) INCLUDE (status, resource_id, category, amount, household_id);
CREATE INDEX allocations_household_idx ON allocations (household_id, granted_on) INCLUDE (status, resource_id, category, amount, person_id)
    WHERE household_id IS NOT NULL;
CREATE INDEX allocations_district_idx ON allocations (district_code, id);
CREATE INDEX allocations_resource_idx ON allocations (resource_id, granted_on);
