-- Reverting on SQLite: SQLite refuses to drop a column that references another table
-- (`benefit_type_id`), so `ALTER TABLE … DROP COLUMN benefit_type_id` below fails; revert by
-- restoring the copy of the database file taken before upgrading (README, "Upgrading from
-- before benefit types").
DROP INDEX allocations_benefit_type_idx;
ALTER TABLE allocations DROP COLUMN benefit_type_id;
ALTER TABLE resources ADD COLUMN duplicate_policy TEXT NOT NULL DEFAULT '{}';
UPDATE resources SET duplicate_policy = (SELECT replace(b.duplicate_policy, '"scope":"benefit_type"', '"scope":"resource"')
    FROM benefit_types b WHERE b.id = resources.benefit_type_id);
ALTER TABLE resources DROP COLUMN benefit_type_id;
DROP TABLE benefit_types;
