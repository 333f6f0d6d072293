"""Version 1: the five tables of the original design, each record kept whole as JSONB.

Names follow the original design (`agent_runs`, `agent_tasks`, `artifacts`, `prompt_cache`,
plus `audit_log` for its append-only audit store); the columns beside `doc` are the ones the
store queries by. Keys are `COLLATE "C"` so that ids sort by their bytes, as in SQLite and
MongoDB: list order and cursors agree whatever the database's locale. No foreign keys: a
worker may register a task, an artifact or a cache entry before the row it would point at
(the bria-generator writes its cache entry before storage registers the image).
"""

from __future__ import annotations

__all__ = ["DESCRIPTION", "SQL", "VERSION"]

VERSION = 1
DESCRIPTION = "runs with plan, tasks, artifacts, prompt cache, append-only audit log"
SQL = """
CREATE TABLE agent_runs (
    id text COLLATE "C" PRIMARY KEY,
    status text NOT NULL,
    owner text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX agent_runs_by_time ON agent_runs (created_at DESC, id DESC);
CREATE INDEX agent_runs_by_status ON agent_runs (status, created_at DESC, id DESC);
CREATE INDEX agent_runs_by_owner ON agent_runs (owner, created_at DESC, id DESC);

CREATE TABLE agent_tasks (
    id text COLLATE "C" PRIMARY KEY,
    run_id text COLLATE "C" NOT NULL,
    tool text NOT NULL,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX agent_tasks_by_run ON agent_tasks (run_id, created_at, id);

CREATE TABLE artifacts (
    id text COLLATE "C" PRIMARY KEY,
    run_id text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX artifacts_by_run ON artifacts (run_id, created_at, id);

CREATE TABLE prompt_cache (
    prompt_hash text COLLATE "C" NOT NULL,
    seed bigint NOT NULL,
    model text COLLATE "C" NOT NULL,
    artifact_id text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    doc jsonb NOT NULL,
    PRIMARY KEY (prompt_hash, seed, model)
);

CREATE TABLE audit_log (
    id text COLLATE "C" PRIMARY KEY,
    run_id text COLLATE "C",
    at timestamptz NOT NULL,
    doc jsonb NOT NULL
);
CREATE INDEX audit_log_by_run ON audit_log (run_id, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
"""
