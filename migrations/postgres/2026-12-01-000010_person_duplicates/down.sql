DROP TABLE person_duplicates;
ALTER TABLE persons DROP COLUMN merged_into;
