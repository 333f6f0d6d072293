"""Version 2: the indexes that deleting runs and expiring artifacts query by.

`artifacts_by_time`: the retention sweeper reads the oldest artifacts first.
`artifacts_by_sha256`: a blob is deleted only when no other artifact record has its bytes
(blobs are content-addressed; a cache hit's image shares its original's).
`prompt_cache_by_artifact`: the cache entries pointing at a deleted artifact go with it.
"""

from __future__ import annotations

__all__ = ["DESCRIPTION", "SQL", "VERSION"]

VERSION = 2
DESCRIPTION = "indexes for deleting runs and expiring artifacts"
SQL = """
CREATE INDEX artifacts_by_time ON artifacts (created_at, id);
CREATE INDEX artifacts_by_sha256 ON artifacts ((doc->>'sha256'));
CREATE INDEX prompt_cache_by_artifact ON prompt_cache (artifact_id);
"""
