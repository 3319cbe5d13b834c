--------------------------------------------------------------------------
-- Scale-out over shards with PL/Proxy (README, Scale-out; the proxy side is
-- the extension tenant_scaling_proxy): the tenant hash, the shard's identity,
-- and the check that refuses another shard's tenants
--------------------------------------------------------------------------

-- The tenant hash the proxy routes by and the shards check, pinned here and in
-- tenant_scaling_proxy with the same body: the first 32 bits of the uuid, which
-- do not depend on the server's version or hashtext().
CREATE FUNCTION tenant_scaling.tenant_hash(tenant_id uuid)
RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ('x' || pg_catalog.left(pg_catalog.replace($1::text, '-', ''), 8))::bit(32)::integer $$;
COMMENT ON FUNCTION tenant_scaling.tenant_hash(uuid) IS
'the tenant''s shard hash: a shard of N (a power of two) holds the tenants with tenant_hash & (N - 1) = its index';

CREATE TABLE tenant_scaling.shard_identity (
    singleton boolean PRIMARY KEY DEFAULT true CONSTRAINT one_row CHECK (singleton),
    shard_index int NOT NULL,
    shard_count int NOT NULL,
    CONSTRAINT shard_count_power_of_two CHECK (shard_count >= 1 AND (shard_count & (shard_count - 1)) = 0),
    CONSTRAINT shard_index_in_range CHECK (shard_index >= 0 AND shard_index < shard_count)
);
COMMENT ON TABLE tenant_scaling.shard_identity IS
'which shard this database is, when tenants are sharded (one row); empty on a single server';
COMMENT ON COLUMN tenant_scaling.shard_identity.singleton IS 'always true: the table holds at most one row';
COMMENT ON COLUMN tenant_scaling.shard_identity.shard_index IS
'this shard''s index, 0 to shard_count - 1: it holds the tenants with tenant_hash & (shard_count - 1) = shard_index';
COMMENT ON COLUMN tenant_scaling.shard_identity.shard_count IS 'the number of shards, a power of two';
COMMENT ON INDEX tenant_scaling.shard_identity_pkey IS 'the key of the one row';
GRANT SELECT ON tenant_scaling.shard_identity TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_scaling.shard_identity TO tenant_scaling_admin;
SELECT pg_catalog.pg_extension_config_dump('tenant_scaling.shard_identity', '');

-- Misrouting is an error, never a silently empty default: a row whose tenant
-- belongs to another shard is refused, one check per statement.
CREATE FUNCTION tenant_scaling.check_tenant_shard()
RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    me tenant_scaling.shard_identity;
    stray uuid;
BEGIN
    SELECT * INTO me FROM tenant_scaling.shard_identity;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT n.tenant_id INTO stray FROM new_rows n
     WHERE (tenant_scaling.tenant_hash(n.tenant_id) & (me.shard_count - 1)) <> me.shard_index
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'TS002',
            MESSAGE = format('tenant %s does not belong on shard %s of %s', stray, me.shard_index, me.shard_count),
            DETAIL = format('Its shard is %s (tenant_hash & %s).',
                            tenant_scaling.tenant_hash(stray) & (me.shard_count - 1), me.shard_count - 1),
            HINT = 'Write through the proxy (tenant_scaling_proxy), which routes each tenant to its shard.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tenant_scaling.check_tenant_shard() IS
'AFTER INSERT OR UPDATE statement trigger: refuses rows of tenants that hash to another shard';
REVOKE EXECUTE ON FUNCTION tenant_scaling.check_tenant_shard() FROM PUBLIC;
