DROP TABLE campaign_nominations;
DROP TABLE campaign_quotas;
DROP TABLE campaign_benefit_types;
DROP TABLE campaigns;
