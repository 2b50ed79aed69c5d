-- Reverting on SQLite: SQLite refuses to drop a column that references another table
-- (persons.merged_into); revert by restoring the copy of the database file taken before
-- upgrading (README, "Upgrading").
DROP TABLE person_duplicates;
ALTER TABLE persons DROP COLUMN merged_into;
