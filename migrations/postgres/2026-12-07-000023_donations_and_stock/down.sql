ALTER TABLE allocations DROP COLUMN campaign_id;
DROP TABLE stock_draws;
DROP TABLE stock_lots;
DROP TABLE donations;
