-- The users of the service contract (docs/contract.md, section 7). Every migration holds one feature's tables and
-- is never edited once emitted: switching an answer on later adds its migration.

create table users (
    id            uuid primary key,
    email         text not null,
    name          text not null,
    password_hash text,
    role          text not null constraint users_role_check check (role in ('user', 'admin')),
    created_at    timestamptz not null,
    updated_at    timestamptz not null
);
create unique index users_email_lower_key on users (lower(email));
create index users_created_at_id_idx on users (created_at, id);
