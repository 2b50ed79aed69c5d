-- Organization names and user display names join the cached catalogue (#33 §2): each server
-- keeps them under the catalogue version, and a rename (or a removal) moves that version, so
-- no request ever shows a name older than the catalogue it started under. Only a real change
-- of the name counts; other updates of these rows do not empty the caches.
CREATE TRIGGER organizations_name_changed AFTER UPDATE OF name ON organizations
    WHEN OLD.name IS NOT NEW.name
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER organizations_removed AFTER DELETE ON organizations
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_display_name_changed AFTER UPDATE OF display_name ON users
    WHEN OLD.display_name IS NOT NEW.display_name
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER users_removed AFTER DELETE ON users
BEGIN UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;
