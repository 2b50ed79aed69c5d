DROP TABLE allocations;
DROP TABLE resources;
