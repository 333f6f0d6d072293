"""The run store: runs (with plan and version), tasks, artifacts, prompt cache, audit log.

store = await open_store(settings.store_url)      # sqlite:///…, mongodb://… or postgresql://…
run = await store.get_run(run_id)
run = await store.update_run(run_id, run.version, {"status": RunStatus.RUNNING})

RunStore          the interface and its rules                 (base.py)
SqliteRunStore    one file, WAL, aiosqlite, the embedded default (sqlite.py)
MongoRunStore     PyMongo's async client, production           (mongo.py)
PostgresRunStore  psycopg 3 async, JSONB, migrations at open   (postgres.py, migrations/)
RunRecord, Plan … the documents                                (records.py)
StoreError …      the exceptions                               (errors.py)
"""

from prolight.platform.store.base import IMMUTABLE_RUN_FIELDS, MAX_PAGE_SIZE, RunStore
from prolight.platform.store.errors import (
    AlreadyExistsError,
    ConcurrencyConflict,
    InvalidCursorError,
    InvalidTransitionError,
    RecordNotFoundError,
    StoreError,
    StoreUnavailableError,
)
from prolight.platform.store.factory import open_store
from prolight.platform.store.records import (
    TASK_TRANSITIONS,
    ArtifactMeta,
    ArtifactRecord,
    AuditDetails,
    AuditEntry,
    BudgetDetails,
    CallDetails,
    CostEntry,
    CostState,
    EvaluatedCandidate,
    Iteration,
    Page,
    Phase,
    Plan,
    PromptCacheEntry,
    RunRecord,
    RunResult,
    RunStatus,
    TaskRecord,
    TaskStatus,
    created_run,
)
from prolight.platform.store.redact import strip_secrets
from prolight.platform.store.sqlite import SqliteRunStore

__all__ = [
    "IMMUTABLE_RUN_FIELDS",
    "MAX_PAGE_SIZE",
    "TASK_TRANSITIONS",
    "AlreadyExistsError",
    "ArtifactMeta",
    "ArtifactRecord",
    "AuditDetails",
    "AuditEntry",
    "BudgetDetails",
    "CallDetails",
    "ConcurrencyConflict",
    "CostEntry",
    "CostState",
    "EvaluatedCandidate",
    "InvalidCursorError",
    "InvalidTransitionError",
    "Iteration",
    "Page",
    "Phase",
    "Plan",
    "PromptCacheEntry",
    "RecordNotFoundError",
    "RunRecord",
    "RunResult",
    "RunStatus",
    "RunStore",
    "SqliteRunStore",
    "StoreError",
    "StoreUnavailableError",
    "TaskRecord",
    "TaskStatus",
    "created_run",
    "open_store",
    "strip_secrets",
]
