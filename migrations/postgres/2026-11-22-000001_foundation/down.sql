DROP TABLE audit_chain_head;
DROP TABLE audit_events;
DROP FUNCTION audit_events_guard();
DROP TABLE refresh_tokens;
DROP TABLE auth_sessions;
DROP TABLE users;
DROP TABLE organizations;
