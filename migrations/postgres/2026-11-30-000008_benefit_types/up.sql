-- The district benefit-type catalogue (급여·서비스 유형). Duplicate policies move from each
-- resource onto a benefit type, so every organization's resource for the same benefit counts
-- against the same limit.
--
-- Nothing is lost: every existing resource gets a benefit type of its own, with the same id
-- as the resource, code `resource_<id without dashes>`, its name, category and policy. A
-- `scope: resource` rule becomes `scope: benefit_type` (the same allocations count: those of
-- that one resource); a `scope: category` rule stays `category` (it still counts every
-- allocation of the category). Coordinators then point resources at the standard types and
-- retire the moved ones (README, "Benefit types").

CREATE TABLE benefit_types (
    id                uuid PRIMARY KEY,
    district_code     text NOT NULL,
    code              text NOT NULL,
    name_ko           text NOT NULL,
    name_en           text NOT NULL,
    category          text NOT NULL,
    description       text,
    type_group        text,
    duplicate_policy  text NOT NULL,
    amount_unit       text NOT NULL DEFAULT '원',
    active            boolean NOT NULL DEFAULT true,
    created_by_org_id uuid REFERENCES organizations (id),
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamp NOT NULL,
    updated_at        timestamp NOT NULL,
    UNIQUE (district_code, code)
);
CREATE INDEX benefit_types_code_idx ON benefit_types (code);
CREATE INDEX benefit_types_group_idx ON benefit_types (type_group) WHERE type_group IS NOT NULL;

INSERT INTO benefit_types (id, district_code, code, name_ko, name_en, category, description,
                           type_group, duplicate_policy, amount_unit, active, created_by_org_id,
                           version, created_at, updated_at)
SELECT id, district_code, 'resource_' || replace(CAST(id AS text), '-', ''), name, name, category,
       'Moved from the policy of resource "' || name || '" (migration 000008)', NULL,
       replace(duplicate_policy, '"scope":"resource"', '"scope":"benefit_type"'), '원', active,
       created_by_org_id, 1, created_at, created_at
FROM resources;

ALTER TABLE resources ADD COLUMN benefit_type_id uuid REFERENCES benefit_types (id);
UPDATE resources SET benefit_type_id = id;
ALTER TABLE resources ALTER COLUMN benefit_type_id SET NOT NULL;
ALTER TABLE resources DROP COLUMN duplicate_policy;

ALTER TABLE allocations ADD COLUMN benefit_type_id uuid REFERENCES benefit_types (id);
UPDATE allocations SET benefit_type_id = resource_id;
ALTER TABLE allocations ALTER COLUMN benefit_type_id SET NOT NULL;

-- The check reads claims by benefit type now: cover it (index-only on PostgreSQL).
DROP INDEX allocations_person_idx;
DROP INDEX allocations_household_idx;
CREATE INDEX allocations_person_idx ON allocations (person_id, granted_on)
    INCLUDE (status, benefit_type_id, category, amount, household_id);
CREATE INDEX allocations_household_idx ON allocations (household_id, granted_on)
    INCLUDE (status, benefit_type_id, category, amount, person_id)
    WHERE household_id IS NOT NULL;
CREATE INDEX allocations_benefit_type_idx ON allocations (benefit_type_id, granted_on);
