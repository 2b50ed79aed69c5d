-- The version of the resource catalogue (resources and benefit types), moved by every change
-- to either, so that each server may cache what the duplicate check reads of them and still
-- never use a cached entry older than the catalogue a request started under (#16). It is read
-- with the session in a request's first statement. `database_id` tells databases apart in a
-- process that talks to several (tests).
CREATE TABLE catalogue_version (
    id          smallint PRIMARY KEY CHECK (id = 1),
    database_id text NOT NULL,
    version     bigint NOT NULL
);
INSERT INTO catalogue_version (id, database_id, version) VALUES (1, gen_random_uuid()::text, 1);

CREATE FUNCTION catalogue_changed() RETURNS trigger AS $$
BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER resources_catalogue_changed AFTER INSERT OR UPDATE OR DELETE ON resources
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER benefit_types_catalogue_changed AFTER INSERT OR UPDATE OR DELETE ON benefit_types
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
