UPDATE cases
SET needs = replace(replace(replace(needs,
    '"domain":"social"', '"domain":"social_relations"'),
    '"domain":"housing"', '"domain":"living_environment"'),
    '"domain":"rights_advocacy"', '"domain":"legal_rights"')
WHERE needs LIKE '%"domain":"social"%'
   OR needs LIKE '%"domain":"housing"%'
   OR needs LIKE '%"domain":"rights_advocacy"%';
