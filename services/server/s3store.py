"""Outputs in an S3-compatible bucket, through obstore: a URL any replica hands out works
from any other, or from none, because the bucket itself serves it (a pre-signed GET).

Keys are `<prefix>/<hex>.<suffix>`; the sweeper deletes only such keys under its own prefix,
once older than the TTL, so replicas sweeping at once do no harm.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import S3Store

from .store import CONTENT_TYPES, KEY, StoredOutput, StoreUnavailableError

RETRIES = 4  # throttling (SlowDown) and 5xx answers are tried again, with backoff


class S3OutputStore:
    """`public_base`, when set, is where the bucket's keys are served openly (a CDN, or a
    public bucket): output URLs are then `public_base/PREFIX/KEY` rather than pre-signed."""

    def __init__(
        self,
        store: S3Store,
        *,
        ttl: float,
        public_base: str | None = None,
        prefix: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.ttl = ttl
        self._public = f"{public_base.rstrip('/')}/{prefix}".rstrip("/") if public_base else None
        self._clock = clock

    async def put(self, data: bytes, *, suffix: str) -> str:
        if suffix not in CONTENT_TYPES:
            raise ValueError(f"unknown output suffix {suffix!r}")
        key = f"{uuid.uuid4().hex}.{suffix}"
        attributes: Any = {"Content-Type": CONTENT_TYPES[suffix]}
        try:  # one PUT: the object is whole or absent, never half-written
            await obstore.put_async(self._store, key, data, attributes=attributes)
        except BaseError as exc:
            raise _unavailable("keep the output") from exc
        return key

    async def url(self, key: str, base_url: str) -> str:
        if self._public:
            return f"{self._public}/{key}"
        try:
            signed: str = await obstore.sign_async(
                self._store, "GET", key, timedelta(seconds=self.ttl)
            )
        except BaseError as exc:
            raise _unavailable("sign the output's URL") from exc
        return signed

    async def get(self, key: str) -> StoredOutput | None:
        return None  # the bucket serves outputs itself

    async def delete(self, key: str) -> None:
        if not KEY.match(key):
            return
        try:
            await obstore.delete_async(self._store, key)
        except NotFoundError:
            pass
        except BaseError as exc:
            raise _unavailable("delete the output") from exc

    async def ready(self) -> bool:
        try:
            async for _ in obstore.list(self._store, chunk_size=1):
                break  # one page answered: the bucket is there
        except BaseError:
            return False
        return True

    async def sweep(self) -> int:
        """Delete own outputs older than the TTL: a fallback for a bucket lifecycle rule."""
        gone = []
        try:
            async for batch in obstore.list(self._store, chunk_size=1000):
                for meta in batch:
                    age = self._clock() - meta["last_modified"].timestamp()
                    if KEY.match(meta["path"]) and age >= self.ttl:
                        gone.append(meta["path"])
            for at in range(0, len(gone), 1000):
                await obstore.delete_async(self._store, gone[at : at + 1000])
        except BaseError as exc:
            raise _unavailable("sweep expired outputs") from exc
        return len(gone)


def open_s3(
    location: str,
    *,
    ttl: float,
    endpoint: str | None,
    region: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    public_base: str | None = None,
    clock: Callable[[], float] = time.time,
) -> S3OutputStore:
    """The store for `s3://BUCKET/PREFIX`; without an endpoint, AWS itself."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    config: Any = {"region": region or "us-east-1"}
    if endpoint:
        config["endpoint"] = endpoint
    if access_key_id and secret_access_key:
        config |= {"access_key_id": access_key_id, "secret_access_key": secret_access_key}
    retry: Any = {"max_retries": RETRIES, "retry_timeout": timedelta(seconds=20)}
    store = S3Store(
        bucket,
        prefix=prefix.strip("/") or None,
        config=config,
        client_options={"allow_http": bool(endpoint and endpoint.startswith("http://"))},
        retry_config=retry,
    )
    return S3OutputStore(
        store, ttl=ttl, public_base=public_base, prefix=prefix.strip("/"), clock=clock
    )


def _unavailable(doing: str) -> StoreUnavailableError:
    return StoreUnavailableError(f"the output store could not {doing}; try again")
