-- The warehouse database, beside Airflow's metadata database on the same server.
--
-- The postgres image runs this once, when its data volume is empty, with psql as the superuser POSTGRES_USER
-- (airflow) connected to POSTGRES_DB (airflow) and ON_ERROR_STOP set: any failure stops the container.
-- Changing WAREHOUSE_DB_PASSWORD in .env later does NOT rerun it: see docs/operations.md for ALTER ROLE.
--
-- The warehouse gets its own login role, so the pipeline's warehouse connection (AIRFLOW_CONN_DLSEI_WAREHOUSE)
-- cannot read or change Airflow's metadata, and Airflow's superuser credentials never travel with the tasks'
-- warehouse URL.

-- The password comes from the container's environment (psql 15+ \getenv), never from this file.
\getenv warehouse_password WAREHOUSE_DB_PASSWORD
\if :{?warehouse_password}
\else
  -- psql's \quit cannot return an error status; a failing statement (ON_ERROR_STOP) can.
  DO $$ BEGIN RAISE EXCEPTION 'WAREHOUSE_DB_PASSWORD is not set in the postgres service environment'; END $$;
\endif

CREATE ROLE dlsei LOGIN PASSWORD :'warehouse_password';

-- The owner may create its tables and run Alembic's migrations (dlsei db upgrade); nobody else may connect.
CREATE DATABASE warehouse OWNER dlsei;
REVOKE ALL ON DATABASE warehouse FROM PUBLIC;

-- The group roles the warehouse's migration grants on its tables (docs/data-dictionary.md, Access): created here,
-- by the superuser, because the owner dlsei may not create roles. Analysts get logins as members of dlsei_analyst.
CREATE ROLE dlsei_analyst NOLOGIN;
CREATE ROLE dlsei_pipeline NOLOGIN;
-- The identity store's readers (migration 0015): the coordinators' lists are built as dlsei, the tables' owner.
CREATE ROLE dlsei_identity NOLOGIN;

-- And the warehouse role may not connect to Airflow's metadata database (nor to the maintenance database).
REVOKE ALL ON DATABASE airflow FROM PUBLIC;
REVOKE ALL ON DATABASE postgres FROM PUBLIC;
