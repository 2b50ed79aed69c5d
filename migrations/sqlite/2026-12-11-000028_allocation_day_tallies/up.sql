-- The ledger counted per district, day and key (see the PostgreSQL migration of the same name).
CREATE TABLE allocation_day_tallies (
    district_code TEXT NOT NULL,
    granted_on DATE NOT NULL,
    benefit_type_id TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    provider_org_id TEXT NOT NULL,
    category TEXT NOT NULL,
    registrar_org_id TEXT NOT NULL,
    admin_dong_code TEXT NULL,
    allocations BIGINT NOT NULL,
    amount BIGINT NULL,
    overrides BIGINT NOT NULL
);
CREATE INDEX allocation_day_tallies_day_idx ON allocation_day_tallies (district_code, granted_on);

-- A district's days of the ledger, for counting them again.
CREATE INDEX allocations_day_idx ON allocations (district_code, granted_on);

CREATE TABLE allocation_tally_marks (
    id INTEGER PRIMARY KEY,
    district_code TEXT NOT NULL,
    granted_on DATE NOT NULL
);
CREATE INDEX allocation_tally_marks_day_idx ON allocation_tally_marks (district_code, granted_on);

INSERT INTO allocation_tally_marks (district_code, granted_on)
SELECT DISTINCT district_code, granted_on FROM allocations;

CREATE TRIGGER allocations_tally_insert AFTER INSERT ON allocations
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on) VALUES (NEW.district_code, NEW.granted_on);
END;
CREATE TRIGGER allocations_tally_update
AFTER UPDATE OF status, granted_on, benefit_type_id, resource_id, provider_org_id, category,
    person_id, district_code, amount, override_reason ON allocations
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on) VALUES (OLD.district_code, OLD.granted_on);
    INSERT INTO allocation_tally_marks (district_code, granted_on)
    SELECT NEW.district_code, NEW.granted_on
    WHERE NEW.district_code <> OLD.district_code OR NEW.granted_on <> OLD.granted_on;
END;
CREATE TRIGGER allocations_tally_delete AFTER DELETE ON allocations
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on) VALUES (OLD.district_code, OLD.granted_on);
END;
CREATE TRIGGER persons_tally_mark AFTER UPDATE OF registered_by_org_id, household_id ON persons
WHEN OLD.registered_by_org_id IS NOT NEW.registered_by_org_id OR OLD.household_id IS NOT NEW.household_id
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on)
    SELECT DISTINCT district_code, granted_on FROM allocations WHERE person_id = NEW.id;
END;
CREATE TRIGGER households_tally_mark AFTER UPDATE OF admin_dong_code ON households
WHEN OLD.admin_dong_code IS NOT NEW.admin_dong_code
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on)
    SELECT DISTINCT a.district_code, a.granted_on FROM allocations a JOIN persons p ON p.id = a.person_id
    WHERE p.household_id = NEW.id;
END;
