DROP TRIGGER users_removed ON users;
DROP TRIGGER users_display_name_changed ON users;
DROP TRIGGER organizations_removed ON organizations;
DROP TRIGGER organizations_name_changed ON organizations;
