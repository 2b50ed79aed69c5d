-- 250,000 persons of one district (11440) for `hamkke scan-duplicates`: surnames by their
-- share in Korea (김 21%, 이 15%, 박 8.5%, …), two-syllable given names from common
-- syllables, birth dates 1930–2017, phones and addresses; about 1% are re-registrations of an
-- existing person (same name and birth date, a one-letter typo, or day and month swapped),
-- as a dong centre and a welfare centre produce them.
\set ON_ERROR_STOP on
INSERT INTO organizations (id, name, kind, district_code, active, version, created_at, updated_at)
VALUES ('01900000-0000-7000-8000-00000000b001', '스캔 벤치 주민센터', 'dong_center', '11440', true, 1, now(), now());

-- Arrays indexed by random() per row (an uncorrelated sub-select would be evaluated once).
CREATE TEMP TABLE pool AS
SELECT (SELECT array_agg(s) FROM (SELECT s FROM (VALUES ('김',21),('이',15),('박',8),('최',5),('정',4),('강',2),('조',2),('윤',2),('장',2),('임',2),
          ('한',1),('오',1),('서',1),('신',1),('권',1),('황',1),('안',1),('송',1),('류',1),('홍',1),('전',1),('고',1),('문',1),('양',1),('손',1),('배',1),('백',1),('허',1),('유',1),('남',1)) v(s, w),
          generate_series(1, w)) x) AS surnames,
       string_to_array('영,수,민,지,현,정,은,서,준,호,성,희,경,순,자,숙,철,혁,미,진,하,윤,우,재,동,상,태,연,혜,선', ',') AS syllables;

INSERT INTO persons (id, name, birth_date, registered_by_org_id, district_code, allocation_seq, version, created_at, updated_at, flags, phone, address)
SELECT gen_random_uuid(),
       p.surnames[1 + floor(random() * array_length(p.surnames, 1))::int]
         || p.syllables[1 + floor(random() * 30)::int]
         || p.syllables[1 + floor(random() * 30)::int],
       date '1930-01-01' + floor(random() * 32000)::int,
       '01900000-0000-7000-8000-00000000b001', '11440', 0, 1, now(), now(), '',
       '010-' || lpad(floor(random() * 10000)::text, 4, '0') || '-' || lpad(floor(random() * 10000)::text, 4, '0'),
       '서울 마포구 공덕로 ' || floor(random() * 900)::int || '번길 ' || floor(random() * 50)::int
FROM pool p, generate_series(1, 247500);

-- Re-registrations: 2,500 persons registered again, a third each as the same, with a typo
-- in the last syllable, or with day and month swapped.
INSERT INTO persons (id, name, birth_date, registered_by_org_id, district_code, allocation_seq, version, created_at, updated_at, flags)
SELECT gen_random_uuid(),
       CASE WHEN n % 3 = 1 THEN left(p.name, length(p.name) - 1) || '숙' ELSE p.name END,
       CASE WHEN n % 3 = 2 AND extract(day FROM p.birth_date) <= 12
            THEN make_date(extract(year FROM p.birth_date)::int, extract(day FROM p.birth_date)::int, extract(month FROM p.birth_date)::int)
            ELSE p.birth_date END,
       p.registered_by_org_id, '11440', 0, 1, now(), now(), ''
FROM (SELECT *, row_number() OVER () AS n FROM persons WHERE district_code = '11440' LIMIT 2500) p;

ANALYZE persons;
SELECT count(*) AS persons FROM persons WHERE district_code = '11440';
