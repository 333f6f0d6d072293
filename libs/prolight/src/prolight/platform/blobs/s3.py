"""`S3ArtifactStore`: blobs in an S3-compatible bucket (AWS S3, MinIO) through aioboto3.

Objects are `<prefix><key>` with their content type as the object's `ContentType`; an S3 PUT
is atomic, so readers never see a partial object. Credentials come from the standard AWS chain
(`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, profile, instance role); they are never logged.
One client is opened on first use and kept until `close()`.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import aioboto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from prolight.platform.blobs.base import ArtifactStore, BlobInfo, check_key, content_key
from prolight.platform.blobs.errors import BlobError, BlobNotFoundError, BlobUnavailableError

__all__ = ["S3ArtifactStore"]

_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3ArtifactStore(ArtifactStore):
    """Blobs in `bucket` under `prefix`, at `endpoint_url` (None: AWS) in `region`."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.region = region
        self._config = Config(
            connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 3}
        )
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                stack = AsyncExitStack()
                session = aioboto3.Session()
                self._client = await stack.enter_async_context(
                    session.client(
                        "s3",
                        endpoint_url=self.endpoint_url,
                        region_name=self.region,
                        config=self._config,
                    )
                )
                self._stack = stack
            return self._client

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._object(key)}"

    def _fail(self, exc: Exception, what: str) -> BlobError:
        where = f"s3://{self.bucket}/{self.prefix}"
        if isinstance(exc, ClientError):
            if _code(exc) in _MISSING:
                return BlobNotFoundError(f"{what}: not found in {where}")
            return BlobUnavailableError(f"{what} in {where}: {_code(exc)}")
        return BlobUnavailableError(f"{what} in {where}: {type(exc).__name__}: {exc}")

    async def ensure(self) -> None:
        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _code(exc) not in _MISSING:
                raise self._fail(exc, "check bucket") from exc
        except BotoCoreError as exc:
            raise self._fail(exc, "check bucket") from exc
        args: dict[str, Any] = {"Bucket": self.bucket}
        if self.region and self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            await s3.create_bucket(**args)
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, "create bucket") from exc

    async def put(self, data: bytes, content_type: str = "application/octet-stream") -> BlobInfo:
        key = content_key(data)
        if not await self.exists(key):
            s3 = await self._s3()
            try:
                await s3.put_object(
                    Bucket=self.bucket, Key=self._object(key), Body=data, ContentType=content_type
                )
            except (ClientError, BotoCoreError) as exc:
                raise self._fail(exc, f"put {key}") from exc
        return BlobInfo(key, len(data), content_type, self.url(key))

    async def get(self, key: str) -> bytes:
        s3 = await self._s3()
        try:
            response = await s3.get_object(Bucket=self.bucket, Key=self._object(key))
            async with response["Body"] as body:
                data: bytes = await body.read()
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, f"get {key}") from exc
        return data

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        try:
            # S3 answers 204 whether or not the object was there: deleting is idempotent.
            await s3.delete_object(Bucket=self.bucket, Key=self._object(key))
        except (ClientError, BotoCoreError) as exc:
            failure = self._fail(exc, f"delete {key}")
            if isinstance(failure, BlobNotFoundError):
                return  # a missing bucket holds no blob either
            raise failure from exc

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except BlobNotFoundError:
            return False
        return True

    async def stat(self, key: str) -> BlobInfo:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=self._object(key))
        except (ClientError, BotoCoreError) as exc:
            raise self._fail(exc, f"stat {key}") from exc
        content_type = str(head.get("ContentType") or "application/octet-stream")
        return BlobInfo(key, int(head["ContentLength"]), content_type, self.url(key))

    async def close(self) -> None:
        async with self._lock:
            if self._stack is not None:
                stack, self._stack, self._client = self._stack, None, None
                await stack.aclose()
