-- Rules that must hold under concurrency, as constraints (#26). One waiting transfer per
-- person: a second request answers 409 whatever the timing. Older duplicates (possible before
-- this constraint) are declined, the earliest stays.
UPDATE person_transfers SET status = 'declined', decision_note = 'superseded by an earlier request'
WHERE status = 'requested'
  AND EXISTS (SELECT 1 FROM person_transfers e
              WHERE e.person_id = person_transfers.person_id
                AND e.status = 'requested'
                AND e.id < person_transfers.id);
CREATE UNIQUE INDEX person_transfers_one_waiting ON person_transfers (person_id)
WHERE status = 'requested';
