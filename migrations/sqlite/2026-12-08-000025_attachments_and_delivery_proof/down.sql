ALTER TABLE allocations DROP COLUMN proxy_relation;
ALTER TABLE allocations DROP COLUMN proxy_name;
ALTER TABLE allocations DROP COLUMN proof_attachment_id;
ALTER TABLE allocations DROP COLUMN proof_kind;
ALTER TABLE allocations DROP COLUMN delivered_by;
ALTER TABLE allocations DROP COLUMN delivered_at;
DROP TABLE attachment_contents;
DROP TABLE attachments;
