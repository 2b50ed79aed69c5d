DROP INDEX allocations_day_idx;
DROP TRIGGER households_tally_mark ON households;
DROP FUNCTION household_tally_mark();
DROP TRIGGER persons_tally_mark ON persons;
DROP FUNCTION person_tally_mark();
DROP TRIGGER allocations_tally_mark ON allocations;
DROP FUNCTION allocation_tally_mark();
DROP TABLE allocation_tally_marks;
DROP TABLE allocation_day_tallies;
