-- Orders and their items.

create table orders (
    id          uuid primary key,
    -- A deleted user's orders go with them, as their refresh tokens do.
    user_id     uuid not null references users (id) on delete cascade,
    status      text not null
        constraint orders_status_check check (status in ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    currency    char(3) not null,
    total_cents bigint not null constraint orders_total_cents_check check (total_cents >= 0),
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);
create index orders_user_id_created_at_idx on orders (user_id, created_at desc);

create table order_items (
    order_id         uuid not null references orders (id) on delete cascade,
    line_no          integer not null,
    sku              text not null,
    name             text not null,
    quantity         integer not null constraint order_items_quantity_check check (quantity between 1 and 1000),
    unit_price_cents bigint not null,
    line_total_cents bigint not null,
    primary key (order_id, line_no)
);
