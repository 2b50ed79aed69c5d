-- The version of the resource catalogue (resources and benefit types), moved by every change
-- to either, so that the server may cache what the duplicate check reads of them and still
-- never use a cached entry older than the catalogue a request started under (#16). It is read
-- with the session in a request's first statement. `database_id` tells databases apart in a
-- process that talks to several (tests).
CREATE TABLE catalogue_version (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    database_id TEXT NOT NULL,
    version     BIGINT NOT NULL
);
INSERT INTO catalogue_version (id, database_id, version) VALUES (1, lower(hex(randomblob(16))), 1);

CREATE TRIGGER resources_catalogue_inserted AFTER INSERT ON resources
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER resources_catalogue_updated AFTER UPDATE ON resources
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER resources_catalogue_deleted AFTER DELETE ON resources
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER benefit_types_catalogue_inserted AFTER INSERT ON benefit_types
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER benefit_types_catalogue_updated AFTER UPDATE ON benefit_types
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER benefit_types_catalogue_deleted AFTER DELETE ON benefit_types
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
