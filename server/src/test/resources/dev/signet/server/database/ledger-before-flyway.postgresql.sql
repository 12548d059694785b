-- A ledger made by signetd's migration runner before Flyway (commit 4f29a93): schema versions 1-4
-- in schema_version, two intents with their audit events and one node. pg_dump --inserts output,
-- without its psql-only restrict lines and comments.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.audit_checkpoints (
    seq bigint NOT NULL,
    hash text NOT NULL,
    at bigint NOT NULL,
    key_id text NOT NULL,
    signature text NOT NULL
);

CREATE TABLE public.audit_events (
    seq bigint NOT NULL,
    at bigint NOT NULL,
    caller text NOT NULL,
    caller_role text NOT NULL,
    action text NOT NULL,
    profile text NOT NULL,
    node_name text NOT NULL,
    decision text NOT NULL,
    reason text NOT NULL,
    detail text NOT NULL,
    serial text NOT NULL,
    request_id text NOT NULL,
    token_id text NOT NULL,
    hash text NOT NULL
);

CREATE TABLE public.audit_head (
    id integer NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL
);

CREATE TABLE public.bootstrap_tokens (
    id text NOT NULL,
    secret_hash text NOT NULL,
    node_name text NOT NULL,
    addresses text NOT NULL,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint,
    used_by text
);

CREATE TABLE public.ca_generations (
    trust_domain text NOT NULL,
    generation integer NOT NULL,
    key_label text NOT NULL,
    state text NOT NULL,
    cross_certificate bytea,
    changed_at bigint NOT NULL
);

CREATE TABLE public.certificates (
    issuer_key_id text NOT NULL,
    serial text NOT NULL,
    state text NOT NULL,
    profile text NOT NULL,
    trust_domain text NOT NULL,
    caller text NOT NULL,
    request_id text NOT NULL,
    request_hash bytea NOT NULL,
    node_name text NOT NULL,
    subject text NOT NULL,
    not_before bigint NOT NULL,
    not_after bigint NOT NULL,
    tbs_der bytea NOT NULL,
    certificate_der bytea,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    failure text,
    revoked_at bigint,
    revocation_reason text
);

CREATE TABLE public.crls (
    issuer_key_id text NOT NULL,
    number bigint NOT NULL,
    this_update bigint NOT NULL,
    next_update bigint NOT NULL,
    der bytea NOT NULL
);

CREATE TABLE public.nodes (
    name text NOT NULL,
    addresses text NOT NULL,
    registered_by text NOT NULL,
    registered_at bigint NOT NULL
);

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    applied_at bigint NOT NULL
);

INSERT INTO public.audit_events VALUES (1, 1748779200000, 'operator', 'ca-admin', 'issue', 'kubelet-client', 'worker-1', 'SIGNING', 'SIGNING', 'made by the migration runner before Flyway', '4e01', 'req-1', '', '0a4f72f0f6479003e0efe8a94fdb69aac8340ac46195b43dc3f9f3d0615649da');
INSERT INTO public.audit_events VALUES (2, 1748779200000, 'operator', 'ca-admin', 'issue', 'kubelet-client', 'worker-1', 'SIGNING', 'SIGNING', 'made by the migration runner before Flyway', '4e02', 'req-2', '', '258a83b07d86b79dd4d40b39bc9ed60d93f0c182e9092e0fe3985c177d5f83e2');

INSERT INTO public.audit_head VALUES (1, 2, '258a83b07d86b79dd4d40b39bc9ed60d93f0c182e9092e0fe3985c177d5f83e2');

INSERT INTO public.certificates VALUES ('kubernetes-ca-key', '4e01', 'INTENT', 'kubelet-client', 'KUBERNETES', 'operator', 'req-1', '\x74308cfd0b323d64717c855517decca3bb5c69f667654262bd89c1aa8e4e68d3', 'worker-1', 'O=system:nodes,CN=system:node:worker-1', 1748778900000, 1748865600000, '\x746f206265207369676e65642034653031', NULL, 1748779200000, 1748779200000, NULL, NULL, NULL);
INSERT INTO public.certificates VALUES ('kubernetes-ca-key', '4e02', 'INTENT', 'kubelet-client', 'KUBERNETES', 'operator', 'req-2', '\x00c678d0620e5101a24fc34a0a32f2f19f052d91395f954de963f3094910a1da', 'worker-1', 'O=system:nodes,CN=system:node:worker-1', 1748778900000, 1748865600000, '\x746f206265207369676e65642034653032', NULL, 1748779200000, 1748779200000, NULL, NULL, NULL);

INSERT INTO public.nodes VALUES ('worker-1', '192.0.2.1', 'operator', 1748779200000);

INSERT INTO public.schema_version VALUES (1, 1796529413704);
INSERT INTO public.schema_version VALUES (2, 1796529413759);
INSERT INTO public.schema_version VALUES (3, 1796529413817);
INSERT INTO public.schema_version VALUES (4, 1796529413829);

ALTER TABLE ONLY public.audit_checkpoints
    ADD CONSTRAINT audit_checkpoints_pkey PRIMARY KEY (seq);

ALTER TABLE ONLY public.audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (seq);

ALTER TABLE ONLY public.audit_head
    ADD CONSTRAINT audit_head_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.bootstrap_tokens
    ADD CONSTRAINT bootstrap_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ca_generations
    ADD CONSTRAINT ca_generations_pkey PRIMARY KEY (trust_domain, generation);

ALTER TABLE ONLY public.certificates
    ADD CONSTRAINT certificates_pkey PRIMARY KEY (issuer_key_id, serial);

ALTER TABLE ONLY public.crls
    ADD CONSTRAINT crls_pkey PRIMARY KEY (issuer_key_id, number);

ALTER TABLE ONLY public.nodes
    ADD CONSTRAINT nodes_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);

CREATE INDEX audit_events_by_node ON public.audit_events USING btree (node_name);

CREATE INDEX certificates_by_expiry ON public.certificates USING btree (not_after);

CREATE INDEX certificates_by_node ON public.certificates USING btree (node_name, profile);

CREATE UNIQUE INDEX certificates_by_request ON public.certificates USING btree (caller, request_id) WHERE (state = ANY (ARRAY['INTENT'::text, 'ISSUED'::text]));

CREATE INDEX certificates_by_serial ON public.certificates USING btree (serial);

CREATE INDEX certificates_revoked ON public.certificates USING btree (issuer_key_id, revoked_at);

