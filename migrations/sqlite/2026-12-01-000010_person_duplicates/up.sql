-- Identity without an RRN (#15): pairs of persons who may be the same, for review, and the
-- tombstone a merge leaves (`merged_into`: the survivor).

ALTER TABLE persons ADD COLUMN merged_into TEXT REFERENCES persons (id);

CREATE TABLE person_duplicates (
    id              TEXT PRIMARY KEY NOT NULL,
    district_code   TEXT NOT NULL,
    person_a        TEXT NOT NULL REFERENCES persons (id),
    person_b        TEXT NOT NULL REFERENCES persons (id),
    score           INTEGER NOT NULL,
    reasons         TEXT NOT NULL,
    status          TEXT NOT NULL,
    found_by        TEXT NOT NULL,
    dismiss_reason  TEXT,
    dismissed_until DATE,
    survivor_id     TEXT REFERENCES persons (id),
    decided_by      TEXT REFERENCES users (id),
    decided_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (person_a, person_b)
);
CREATE INDEX person_duplicates_queue_idx ON person_duplicates (district_code, status, id);
CREATE INDEX person_duplicates_b_idx ON person_duplicates (person_b);
