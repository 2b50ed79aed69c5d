DROP INDEX allocations_day_idx;
DROP TRIGGER households_tally_mark;
DROP TRIGGER persons_tally_mark;
DROP TRIGGER allocations_tally_delete;
DROP TRIGGER allocations_tally_update;
DROP TRIGGER allocations_tally_insert;
DROP TABLE allocation_tally_marks;
DROP TABLE allocation_day_tallies;
