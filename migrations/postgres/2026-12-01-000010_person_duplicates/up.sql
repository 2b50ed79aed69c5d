-- Identity without an RRN (#15): pairs of persons who may be the same, for review, and the
-- tombstone a merge leaves (`merged_into`: the survivor).

ALTER TABLE persons ADD COLUMN merged_into uuid REFERENCES persons (id);

CREATE TABLE person_duplicates (
    id              uuid PRIMARY KEY,
    district_code   text NOT NULL,
    person_a        uuid NOT NULL REFERENCES persons (id),
    person_b        uuid NOT NULL REFERENCES persons (id),
    score           integer NOT NULL,
    reasons         text NOT NULL,
    status          text NOT NULL,
    found_by        text NOT NULL,
    dismiss_reason  text,
    dismissed_until date,
    survivor_id     uuid REFERENCES persons (id),
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamp,
    created_at      timestamp NOT NULL,
    updated_at      timestamp NOT NULL,
    UNIQUE (person_a, person_b)
);
CREATE INDEX person_duplicates_queue_idx ON person_duplicates (district_code, status, id);
CREATE INDEX person_duplicates_b_idx ON person_duplicates (person_b);
