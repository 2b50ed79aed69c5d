-- Organization names and user display names join the cached catalogue (#33 §2): each server
-- keeps them under the catalogue version, and a rename (or a removal) moves that version, so
-- no request ever shows a name older than the catalogue it started under. Only a real change
-- of the name counts; other updates of these rows do not empty the caches.
CREATE TRIGGER organizations_name_changed AFTER UPDATE ON organizations
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER organizations_removed AFTER DELETE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER users_display_name_changed AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name) EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER users_removed AFTER DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
