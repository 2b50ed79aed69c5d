-- The ledger counted per district, day and key (benefit type, resource, provider, category,
-- the recipient's registering organization and dong of residence), for the overview and the
-- dashboard: their reads grow with the days and keys of the period, not with its allocations.
-- A day is re-counted from the ledger after anything that may change its figures marks it
-- (the triggers below: an allocation written, changed or deleted; a recipient's registering
-- organization or household changed; a household's dong changed). Reports count marked days
-- from the ledger itself, so their figures are always the ledger's.
CREATE TABLE allocation_day_tallies (
    district_code TEXT NOT NULL,
    granted_on DATE NOT NULL,
    benefit_type_id UUID NOT NULL,
    resource_id UUID NOT NULL,
    provider_org_id UUID NOT NULL,
    category TEXT NOT NULL,
    registrar_org_id UUID NOT NULL,
    admin_dong_code TEXT NULL,
    allocations BIGINT NOT NULL,
    amount BIGINT NULL,
    overrides BIGINT NOT NULL
);
CREATE INDEX allocation_day_tallies_day_idx ON allocation_day_tallies (district_code, granted_on);

-- A district's days of the ledger, for counting them again.
CREATE INDEX allocations_day_idx ON allocations (district_code, granted_on);

CREATE TABLE allocation_tally_marks (
    id BIGSERIAL PRIMARY KEY,
    district_code TEXT NOT NULL,
    granted_on DATE NOT NULL
);
CREATE INDEX allocation_tally_marks_day_idx ON allocation_tally_marks (district_code, granted_on);

-- Every day the ledger already has is counted by the first re-counting.
INSERT INTO allocation_tally_marks (district_code, granted_on)
SELECT DISTINCT district_code, granted_on FROM allocations;

CREATE FUNCTION allocation_tally_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO allocation_tally_marks (district_code, granted_on) VALUES (OLD.district_code, OLD.granted_on);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.district_code <> NEW.district_code OR OLD.granted_on <> NEW.granted_on)) THEN
        INSERT INTO allocation_tally_marks (district_code, granted_on) VALUES (NEW.district_code, NEW.granted_on);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER allocations_tally_mark
AFTER INSERT OR DELETE OR UPDATE OF status, granted_on, benefit_type_id, resource_id, provider_org_id, category,
    person_id, district_code, amount, override_reason
ON allocations FOR EACH ROW EXECUTE FUNCTION allocation_tally_mark();

CREATE FUNCTION person_tally_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on)
    SELECT DISTINCT district_code, granted_on FROM allocations WHERE person_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER persons_tally_mark
AFTER UPDATE OF registered_by_org_id, household_id ON persons FOR EACH ROW
WHEN (OLD.registered_by_org_id IS DISTINCT FROM NEW.registered_by_org_id OR OLD.household_id IS DISTINCT FROM NEW.household_id)
EXECUTE FUNCTION person_tally_mark();

CREATE FUNCTION household_tally_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO allocation_tally_marks (district_code, granted_on)
    SELECT DISTINCT a.district_code, a.granted_on FROM allocations a JOIN persons p ON p.id = a.person_id
    WHERE p.household_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER households_tally_mark
AFTER UPDATE OF admin_dong_code ON households FOR EACH ROW
WHEN (OLD.admin_dong_code IS DISTINCT FROM NEW.admin_dong_code)
EXECUTE FUNCTION household_tally_mark();
