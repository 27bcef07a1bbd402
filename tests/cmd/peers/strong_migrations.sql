-- the test schema strong_migrations migrates against (test/support/active_record.rb), as SQL
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  name varchar, city varchar, credit_score numeric(10,5), deleted_at timestamp,
  country varchar(20), "interval" varchar, description text, code citext, order_id bigint
);
CREATE INDEX index_users_on_order_id ON users (order_id);
CREATE TABLE orders (id bigserial PRIMARY KEY);
CREATE TABLE devices (id bigserial PRIMARY KEY);
