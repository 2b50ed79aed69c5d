-- A case's needs use the vocabulary of assessments and plan goals (the ten life domains):
-- three names recorded before it was one vocabulary are renamed in place.
UPDATE cases
SET needs = replace(replace(replace(needs,
    '"domain":"social_relations"', '"domain":"social"'),
    '"domain":"living_environment"', '"domain":"housing"'),
    '"domain":"legal_rights"', '"domain":"rights_advocacy"')
WHERE needs LIKE '%social_relations%'
   OR needs LIKE '%living_environment%'
   OR needs LIKE '%legal_rights%';
