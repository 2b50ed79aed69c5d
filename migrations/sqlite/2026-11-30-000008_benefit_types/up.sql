-- The district benefit-type catalogue (급여·서비스 유형); see the PostgreSQL twin for what
-- moves where. Nothing is lost: every resource gets a benefit type of its own (same id).

CREATE TABLE benefit_types (
    id                TEXT PRIMARY KEY NOT NULL,
    district_code     TEXT NOT NULL,
    code              TEXT NOT NULL,
    name_ko           TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    category          TEXT NOT NULL,
    description       TEXT,
    type_group        TEXT,
    duplicate_policy  TEXT NOT NULL,
    amount_unit       TEXT NOT NULL DEFAULT '원',
    active            BOOLEAN NOT NULL DEFAULT true,
    created_by_org_id TEXT REFERENCES organizations (id),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (district_code, code)
);
CREATE INDEX benefit_types_code_idx ON benefit_types (code);
CREATE INDEX benefit_types_group_idx ON benefit_types (type_group) WHERE type_group IS NOT NULL;

INSERT INTO benefit_types (id, district_code, code, name_ko, name_en, category, description,
                           type_group, duplicate_policy, amount_unit, active, created_by_org_id,
                           version, created_at, updated_at)
SELECT id, district_code, 'resource_' || replace(id, '-', ''), name, name, category,
       'Moved from the policy of resource "' || name || '" (migration 000008)', NULL,
       replace(duplicate_policy, '"scope":"resource"', '"scope":"benefit_type"'), '원', active,
       created_by_org_id, 1, created_at, created_at
FROM resources;

-- SQLite cannot add a NOT NULL column without a default to a filled table; every row gets
-- its value here and every insert names one.
ALTER TABLE resources ADD COLUMN benefit_type_id TEXT REFERENCES benefit_types (id);
UPDATE resources SET benefit_type_id = id;
ALTER TABLE resources DROP COLUMN duplicate_policy;

ALTER TABLE allocations ADD COLUMN benefit_type_id TEXT REFERENCES benefit_types (id);
UPDATE allocations SET benefit_type_id = resource_id;
CREATE INDEX allocations_benefit_type_idx ON allocations (benefit_type_id, granted_on);
