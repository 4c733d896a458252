-- Each service has its own database; the image's POSTGRES_DB creates the IdP's.
CREATE DATABASE relying_party OWNER passport;
