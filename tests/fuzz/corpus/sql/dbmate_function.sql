-- migrate:up
alter table x add column updated_at timestamptz;

create function x_touch() returns trigger
language plpgsql as $$
begin
  new.updated_at := now(); -- '-- migrate:down' in a comment inside a dollar quote is not a section marker
  return new;
end;
$$;

create trigger x_touch before update on x
  for each row execute function x_touch();

comment on table x is 'x; the example table -- with a trigger';

-- migrate:down
drop trigger x_touch on x;
drop function x_touch();
alter table x drop column updated_at;
comment on table x is null;
