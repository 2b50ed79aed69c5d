DROP TRIGGER benefit_types_catalogue_changed ON benefit_types;
DROP TRIGGER resources_catalogue_changed ON resources;
DROP FUNCTION catalogue_changed();
DROP TABLE catalogue_version;
