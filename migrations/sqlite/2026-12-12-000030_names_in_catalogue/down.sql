DROP TRIGGER users_removed;
DROP TRIGGER users_display_name_changed;
DROP TRIGGER organizations_removed;
DROP TRIGGER organizations_name_changed;
