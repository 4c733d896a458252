-- Runs once, as the superuser, when the PostgreSQL volume is first created.
-- Each service gets its own login role owning only its own database: no
-- superuser, no CREATEDB or CREATEROLE, and no way into the other's database.
-- Passwords come from the postgres container's environment (psql's \getenv).
\getenv idp_password IDP_DATABASE_PASSWORD
\getenv rp_password RP_DATABASE_PASSWORD
\getenv mc_password MC_DATABASE_PASSWORD
\getenv os_password OS_DATABASE_PASSWORD

CREATE ROLE passport_idp LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'idp_password';
CREATE ROLE passport_rp LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'rp_password';
CREATE ROLE passport_mc LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'mc_password';
CREATE ROLE passport_os LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'os_password';

-- The owner may create its tables (migrations) in its database's public schema, and nothing elsewhere.
CREATE DATABASE idp OWNER passport_idp;
CREATE DATABASE relying_party OWNER passport_rp;
CREATE DATABASE membership_center OWNER passport_mc;
CREATE DATABASE online_services OWNER passport_os;
REVOKE ALL ON DATABASE idp FROM PUBLIC;
REVOKE ALL ON DATABASE relying_party FROM PUBLIC;
REVOKE ALL ON DATABASE membership_center FROM PUBLIC;
REVOKE ALL ON DATABASE online_services FROM PUBLIC;
