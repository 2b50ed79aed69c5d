DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE visits;
ALTER TABLE users DROP COLUMN work_email;
ALTER TABLE users DROP COLUMN work_phone;
DROP TABLE outbox;
DROP TABLE notifications;
