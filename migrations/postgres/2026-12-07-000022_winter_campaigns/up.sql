-- The winter campaign (연말연시 집중 지원): a district's campaign gives some benefit types over a
-- period with a budget; each organization of the district may nominate within its quota
-- (households, persons, amount); nominations are approved into allocations or returned.
CREATE TABLE campaigns (
    id            uuid PRIMARY KEY NOT NULL,
    district_code TEXT NOT NULL,
    name          TEXT NOT NULL,
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL,
    budget        BIGINT,
    status        TEXT NOT NULL,
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamp NOT NULL,
    updated_at    timestamp NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    CHECK (ends_on >= starts_on),
    CHECK (budget IS NULL OR budget >= 0)
);
CREATE INDEX campaigns_district_idx ON campaigns (district_code, starts_on);

CREATE TABLE campaign_benefit_types (
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    benefit_type_id uuid NOT NULL REFERENCES benefit_types (id),
    PRIMARY KEY (campaign_id, benefit_type_id)
);

-- A quota and what has been taken from it: the counters move only by conditional updates in
-- the nomination's transaction, and the checks keep them within the quota whatever runs.
CREATE TABLE campaign_quotas (
    campaign_id          uuid NOT NULL REFERENCES campaigns (id),
    org_id               uuid NOT NULL REFERENCES organizations (id),
    max_households       INTEGER,
    max_persons          INTEGER,
    max_amount           BIGINT,
    nominated_households INTEGER NOT NULL DEFAULT 0,
    nominated_persons    INTEGER NOT NULL DEFAULT 0,
    nominated_amount     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, org_id),
    CHECK (max_households IS NULL OR nominated_households <= max_households),
    CHECK (max_persons IS NULL OR nominated_persons <= max_persons),
    CHECK (max_amount IS NULL OR nominated_amount <= max_amount),
    CHECK (nominated_households >= 0 AND nominated_persons >= 0 AND nominated_amount >= 0)
);
CREATE INDEX campaign_quotas_org_idx ON campaign_quotas (org_id);

CREATE TABLE campaign_nominations (
    id              uuid PRIMARY KEY NOT NULL,
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    org_id          uuid NOT NULL REFERENCES organizations (id),
    person_id       uuid NOT NULL REFERENCES persons (id),
    household_id    uuid REFERENCES households (id),
    -- Whether this nomination took a household from the quota (the household's first).
    counts_household BOOLEAN NOT NULL,
    benefit_type_id uuid NOT NULL REFERENCES benefit_types (id),
    resource_id     uuid NOT NULL REFERENCES resources (id),
    amount          BIGINT,
    quantity        INTEGER,
    note            TEXT,
    status          TEXT NOT NULL,
    return_reason   TEXT,
    allocation_id   uuid REFERENCES allocations (id),
    created_by      uuid NOT NULL REFERENCES users (id),
    created_at      timestamp NOT NULL,
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamp,
    version         INTEGER NOT NULL DEFAULT 1
);
-- One open nomination of a person for a benefit type per campaign, whoever nominates.
CREATE UNIQUE INDEX campaign_nominations_open_idx
    ON campaign_nominations (campaign_id, person_id, benefit_type_id)
    WHERE status IN ('nominated', 'approved');
CREATE INDEX campaign_nominations_campaign_idx ON campaign_nominations (campaign_id, org_id, status);
CREATE INDEX campaign_nominations_household_idx ON campaign_nominations (campaign_id, household_id)
    WHERE household_id IS NOT NULL;
