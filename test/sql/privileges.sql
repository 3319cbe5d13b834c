-- Every privilege of every role the extension creates (tenant_scaling_admin,
-- tenant_scaling_actuator) and of PUBLIC, on every object of the extension: the matrix the README
-- documents (Security). A grant added or lost shows here.
SET search_path = tenant_scaling, public;

CREATE FUNCTION pg_temp.privileges(acl aclitem[], grantee oid) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type), '-')
      FROM pg_catalog.aclexplode(acl) a WHERE a.grantee = $2
$$;

-- the role: no login, no attributes beyond inheritance
SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls
  FROM pg_roles WHERE rolname IN ('tenant_scaling_admin', 'tenant_scaling_actuator') ORDER BY 1;

-- the schema
SELECT pg_temp.privileges(nspacl, 'tenant_scaling_admin'::regrole) AS operator,
       pg_temp.privileges(nspacl, 'tenant_scaling_actuator'::regrole) AS actuator, pg_temp.privileges(nspacl, 0) AS public
  FROM pg_namespace WHERE nspname = 'tenant_scaling';

-- tables, views and sequences
SELECT c.relname, c.relkind,
       pg_temp.privileges(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
                          'tenant_scaling_admin'::regrole) AS operator,
       pg_temp.privileges(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
                          'tenant_scaling_actuator'::regrole) AS actuator,
       pg_temp.privileges(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)), 0)
           AS public
  FROM pg_class c
 WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
   AND (NOT c.relispartition OR c.relname LIKE '%\_default')   -- a day's partition is named by its day
 ORDER BY c.relname;

-- no column privileges anywhere
SELECT count(*) AS column_grants FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND a.attacl IS NOT NULL;

-- functions: who may execute, and which run as their owner
SELECT p.oid::regprocedure AS function, p.prosecdef AS security_definer,
       pg_temp.privileges(coalesce(p.proacl, acldefault('f', p.proowner)), 'tenant_scaling_admin'::regrole) AS operator,
       pg_temp.privileges(coalesce(p.proacl, acldefault('f', p.proowner)), 'tenant_scaling_actuator'::regrole) AS actuator,
       pg_temp.privileges(coalesce(p.proacl, acldefault('f', p.proowner)), 0) AS public
  FROM pg_proc p
 WHERE p.pronamespace = 'tenant_scaling'::regnamespace
 ORDER BY p.oid::regprocedure::text;

-- row-level security: which roles each policy is for, on which tables
SELECT tablename, policyname, roles, cmd FROM pg_policies WHERE schemaname = 'tenant_scaling' ORDER BY 1, 2;
-- the scheduler's role: SELECT everywhere, and writes only where a cycle writes
SELECT c.relname, string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) AS scheduler_writes
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND a.grantee = 'tenant_scaling_scheduler'::regrole
  AND a.privilege_type <> 'SELECT'
GROUP BY c.relname ORDER BY 1;
SELECT count(*) FILTER (WHERE NOT has_table_privilege('tenant_scaling_scheduler', c.oid, 'SELECT')) AS unreadable
FROM pg_class c WHERE c.relnamespace = 'tenant_scaling'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
  AND NOT c.relispartition;
SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolinherit
FROM pg_roles WHERE rolname = 'tenant_scaling_scheduler';
SELECT p.proname FROM pg_proc p
WHERE p.pronamespace = 'tenant_scaling'::regnamespace AND has_function_privilege('tenant_scaling_scheduler', p.oid, 'EXECUTE')
  AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
ORDER BY 1;
