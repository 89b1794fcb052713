-- Every stored judgement paid for three indexes: the primary key on seq, the unique
-- (tenant_id, event_id) and (tenant_id, seq desc). No query looks a judgement up by seq alone:
-- lists and exports read one tenant's rows in seq order, either way, and find one by event id.
-- One primary key on (tenant_id, seq) serves the tenant's pages in both orders (a B-tree is read
-- backwards as cheaply as forwards), so the separate (tenant_id, seq desc) index goes, and each
-- row costs one index insertion less. See docs/adr/0036.
alter table preference_feedback drop constraint preference_feedback_pkey;
drop index preference_feedback_tenant_seq;
alter table preference_feedback add constraint preference_feedback_pkey primary key (tenant_id, seq);

-- The foreign key to tenant ran a lookup and a FOR KEY SHARE lock of the tenant's row for every
-- stored judgement. The feedback consumer takes that lock once per tenant and batch instead
-- (TenantRepository.existingKept), and tenant erasure deletes the judgements after the tenant.
alter table preference_feedback drop constraint preference_feedback_tenant_id_fkey;
