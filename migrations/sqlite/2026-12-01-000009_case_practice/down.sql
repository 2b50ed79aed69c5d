-- Reverting on SQLite: SQLite refuses to drop a column that references another table
-- (cases.household_id, case_notes.person_id); revert by restoring the copy of the database
-- file taken before upgrading (README, "Upgrading").
DROP TABLE agenda_requests;
ALTER TABLE meeting_decisions DROP COLUMN closing_reason;
ALTER TABLE meeting_decisions DROP COLUMN case_type;
ALTER TABLE meeting_participants DROP COLUMN external_role;
DROP TABLE plan_reviews;
DROP TABLE service_plans;
DROP TABLE case_assessments;
ALTER TABLE case_notes DROP COLUMN person_id;
DROP TABLE case_members;
DROP INDEX cases_household_idx;
DROP INDEX cases_follow_up_idx;
DROP INDEX cases_review_idx;
ALTER TABLE cases DROP COLUMN follow_up_checks;
ALTER TABLE cases DROP COLUMN follow_up_until;
ALTER TABLE cases DROP COLUMN closed_on;
ALTER TABLE cases DROP COLUMN closing_evaluation;
ALTER TABLE cases DROP COLUMN closing_note;
ALTER TABLE cases DROP COLUMN closing_reason;
ALTER TABLE cases DROP COLUMN next_review_on;
ALTER TABLE cases DROP COLUMN intake_on;
ALTER TABLE cases DROP COLUMN household_id;
