-- One active assignment per worker and case, one primary worker per organization and case, as
-- constraints (#26). Older duplicates (possible before) are closed: the earliest assignment of a
-- worker stays, the latest primary of an organization stays primary.
UPDATE case_assignments SET ended_at = assigned_at
WHERE ended_at IS NULL
  AND EXISTS (SELECT 1 FROM case_assignments e
              WHERE e.case_id = case_assignments.case_id
                AND e.user_id = case_assignments.user_id
                AND e.ended_at IS NULL
                AND e.id < case_assignments.id);
UPDATE case_assignments SET role = 'secondary'
WHERE ended_at IS NULL AND role = 'primary'
  AND EXISTS (SELECT 1 FROM case_assignments e
              WHERE e.case_id = case_assignments.case_id
                AND e.org_id = case_assignments.org_id
                AND e.role = 'primary'
                AND e.ended_at IS NULL
                AND e.id > case_assignments.id);
CREATE UNIQUE INDEX case_assignments_one_active ON case_assignments (case_id, user_id)
WHERE ended_at IS NULL;
CREATE UNIQUE INDEX case_assignments_one_primary ON case_assignments (case_id, org_id)
WHERE ended_at IS NULL AND role = 'primary';
