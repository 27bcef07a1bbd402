-- Reverse of create_products_and_orders: drop the three tables, children first.
-- Safe only before any application code depends on these tables.
DROP TABLE order_items;
DROP TABLE orders;
DROP TABLE products;
