-- The audit chain's head, read under the lock that serialises appends, in one round trip.
-- A volatile PL/pgSQL function takes a new snapshot for each statement it runs, so the read
-- below sees every entry committed before the lock was granted.
create function audit_chain_head() returns text
    language plpgsql volatile
as $$
begin
    perform pg_advisory_xact_lock(hashtext('anneal:audit'));
    return (select hash from audit_event order by seq desc limit 1);
end
$$;
