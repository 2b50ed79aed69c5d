-- The receiving organization of a transfer (#28): the dong centre of the new address, which
-- becomes the registering organization of the person and household on approval. Transfers
-- asked before this column have none.
ALTER TABLE person_transfers ADD COLUMN to_org_id TEXT REFERENCES organizations (id);
