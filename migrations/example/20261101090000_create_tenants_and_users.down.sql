-- Reverse of create_tenants_and_users: drop users (its policy and indexes go with it), then tenants.
-- Safe only before any application code depends on these tables.
DROP TABLE users;
DROP TABLE tenants;
