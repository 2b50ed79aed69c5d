DROP INDEX allocations_benefit_type_idx;
DROP INDEX allocations_person_idx;
DROP INDEX allocations_household_idx;
CREATE INDEX allocations_person_idx ON allocations (person_id, granted_on) INCLUDE (status, resource_id, category, amount, household_id);
CREATE INDEX allocations_household_idx ON allocations (household_id, granted_on) INCLUDE (status, resource_id, category, amount, person_id)
    WHERE household_id IS NOT NULL;
ALTER TABLE allocations DROP COLUMN benefit_type_id;
ALTER TABLE resources ADD COLUMN duplicate_policy text;
UPDATE resources SET duplicate_policy = replace(b.duplicate_policy, '"scope":"benefit_type"', '"scope":"resource"')
    FROM benefit_types b WHERE b.id = resources.benefit_type_id;
ALTER TABLE resources ALTER COLUMN duplicate_policy SET NOT NULL;
ALTER TABLE resources DROP COLUMN benefit_type_id;
DROP TABLE benefit_types;
