-- Least-privilege PostgreSQL roles for Kakehashi (docs/audit.md).
--
--   kakehashi_owner  owns the schema and the tables; runs `kakehashi migrate` (DATABASE_URL for migrations)
--   kakehashi_app    what the application connects as: reads and writes the application's tables, but may only
--                    read and add audit rows (no UPDATE, DELETE or TRUNCATE), and may create nothing
--
-- Neither is a superuser, creates databases or roles, or bypasses row security. Run this file as a superuser
-- in the application's database, before the first `kakehashi migrate` and again after every migrate (it is
-- idempotent; it grants on the tables that exist when it runs):
--
--   psql -d kakehashi -v ON_ERROR_STOP=1 -f deploy/postgres/roles.sql
--   psql -d kakehashi -c "ALTER ROLE kakehashi_app PASSWORD '…'" -c "ALTER ROLE kakehashi_owner PASSWORD '…'"
--
-- The audit tables also carry triggers that refuse UPDATE and DELETE whoever asks, the owner included
-- (kakehashi.audit.append_only); only a role that may drop them (the owner, a superuser) can get past them,
-- and the sealed chain (`kakehashi audit verify`) shows what it then changed.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kakehashi_owner') THEN
        CREATE ROLE kakehashi_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kakehashi_app') THEN
        CREATE ROLE kakehashi_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    END IF;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO kakehashi_owner, kakehashi_app', current_database());
END
$$;

-- The trigram index that serves the search of names, readings and phone numbers (kakehashi.core.search) needs
-- the pg_trgm extension; created here, by the superuser, so that neither role needs the right to create one.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The owner owns the schema (and so may create in it); nobody else may create anything there.
ALTER SCHEMA public OWNER TO kakehashi_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM kakehashi_app;
GRANT USAGE ON SCHEMA public TO kakehashi_app;

-- Tables and functions made before the owner existed (migrations run as another role) pass to the owner.
-- Sequences of identity and serial columns follow their tables.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relowner <> 'kakehashi_owner'::regrole
    LOOP
        EXECUTE format('ALTER %s public.%I OWNER TO kakehashi_owner',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                       r.relname);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> 'kakehashi_owner'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO kakehashi_owner', r.fn);
    END LOOP;
END
$$;

-- The application: every table, then less on the audit tables.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM kakehashi_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kakehashi_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kakehashi_app;

DO $$
DECLARE
    r record;
BEGIN
    -- The migration record is the owner's; the application only reads it (`migrate --check`, runserver).
    IF to_regclass('public.django_migrations') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON TABLE django_migrations FROM kakehashi_app;
    END IF;
    -- The chain's head is moved by every writer (SELECT … FOR UPDATE, then UPDATE), never deleted.
    IF to_regclass('public.audit_audithead') IS NOT NULL THEN
        REVOKE DELETE, TRUNCATE ON TABLE audit_audithead FROM kakehashi_app;
    END IF;
    FOR r IN
        SELECT tablename FROM pg_tables
        WHERE schemaname = 'public' AND tablename LIKE 'audit\_%' AND tablename <> 'audit_audithead'
    LOOP
        -- Audit rows: read and add, nothing else.
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON TABLE public.%I FROM kakehashi_app', r.tablename);
    END LOOP;
END
$$;

-- Tables the owner creates in later migrations are the application's too, until this file runs again and
-- takes back what it may not do to new audit tables (whose triggers refuse it meanwhile).
ALTER DEFAULT PRIVILEGES FOR ROLE kakehashi_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kakehashi_app;
ALTER DEFAULT PRIVILEGES FOR ROLE kakehashi_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kakehashi_app;
