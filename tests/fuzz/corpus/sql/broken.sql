CREATE TABEL oops (id int);
SELECT 'unterminated
