-- What the dashboard and the hub overview look up without reading a district's whole ledger or
-- a centre's every case: the allocations waiting for an override decision, and a centre's
-- cases in one status by when they last changed (cases awaiting a meeting).
CREATE INDEX allocations_pending_override_idx ON allocations (district_code) WHERE status = 'pending_override';
CREATE INDEX cases_lead_status_idx ON cases (lead_org_id, status, updated_at);
