"""Check kinds where assay adds meaning on top of single S3 calls.

- ``s3.presigned_get`` / ``s3.presigned_put``: presign with the step's credential, then run
  the request over plain HTTP (as a browser or curl would), so expiry and signature handling
  of the target are tested, not botocore's.
- ``s3.multipart_upload``: create, upload parts, complete (abort on failure) in one step.
- ``s3.empty_bucket``: delete every object version and upload in a bucket, optionally the
  bucket too; for ``after`` phases.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from contextlib import ExitStack, suppress
from typing import Any

import httpx

from assay.checks.aws import bodies
from assay.checks.aws.buckets import empty_bucket
from assay.checks.aws.errors import AWS_ERRORS, TRANSIENT_STATUS, from_exception
from assay.core.checks import CHECKS, CheckCall, Observation, ParamProblem
from assay.core.registry import suggest

_CODE = re.compile(rb"<Code>([^<]+)</Code>")


class _Helper:
    family = "s3"
    name = ""
    description = ""
    required: tuple[str, ...] = ("Bucket",)
    optional: tuple[str, ...] = ()

    def _params(self) -> list[str]:
        return [*self.required, *self.optional]

    def validate(self, params: Mapping[str, Any]) -> list[ParamProblem]:
        problems = []
        names = {p.lower(): p for p in self._params()}
        for key in params:
            if str(key).lower().replace("_", "") not in {n.replace("_", "") for n in names}:
                hint = suggest(str(key), self._params())
                problems.append(ParamProblem((key,), f"unknown parameter '{key}'{hint}"))
        given = {str(k).lower().replace("_", "") for k in params}
        for req in self.required:
            if req.lower().replace("_", "") not in given:
                problems.append(ParamProblem((), f"missing required parameter '{req}'"))
        return problems

    def normalise(self, params: Mapping[str, Any]) -> dict[str, Any]:
        names = {p.lower().replace("_", ""): p for p in self._params()}
        return {names.get(str(k).lower().replace("_", ""), str(k)): v for k, v in params.items()}

    def params_schema(self) -> dict[str, Any]:
        props: dict[str, Any] = {p: {} for p in self._params()}
        return {
            "type": "object",
            "properties": props,
            "required": list(self.required),
            "additionalProperties": False,
        }


class PresignedRequest(_Helper):
    method = "GET"
    optional = ("Key", "ExpiresIn", "Body", "Headers")
    required = ("Bucket", "Key")

    def __init__(self, method: str) -> None:
        self.method = method
        op = "get_object" if method == "GET" else "put_object"
        self._op = op
        self.name = f"s3.presigned_{method.lower()}"
        self.description = (
            f"Presign {'GetObject' if method == 'GET' else 'PutObject'} and "
            f"{method} the URL over plain HTTP."
        )

    def run(self, call: CheckCall) -> Observation:
        p = self.normalise(call.params)
        client = call.target.client(call.credential)  # type: ignore[attr-defined]
        url = client.generate_presigned_url(
            self._op,
            Params={"Bucket": p["Bucket"], "Key": p["Key"]},
            ExpiresIn=int(p.get("ExpiresIn", 300)),
        )
        started = time.perf_counter()
        with ExitStack() as stack:
            content = bodies.open_body(p.get("Body", ""), stack) if self.method == "PUT" else None
            try:
                reply = httpx.request(
                    self.method,
                    url,
                    content=content,
                    headers=p.get("Headers") or {},
                    timeout=call.timeout,
                )
            except httpx.TransportError as exc:
                return Observation(
                    success=False,
                    message=f"{type(exc).__name__}: {exc}",
                    transient=True,
                    unreachable=isinstance(exc, httpx.ConnectError),
                    error_code="ConnectionError",
                )
        ok = reply.status_code < 300
        code_match = None if ok else _CODE.search(reply.content)
        obs = Observation(
            success=ok,
            http_status=reply.status_code,
            error_code=code_match.group(1).decode() if code_match else None,
            data={"url_expires_in": int(p.get("ExpiresIn", 300)), "headers": dict(reply.headers)},
            transient=reply.status_code in TRANSIENT_STATUS,
            message="" if ok else f"HTTP {reply.status_code}",
        )
        if self.method == "GET" and ok:
            obs.body = reply.content
            obs.body_digest = bodies.digest_of(reply.content)
        obs.timings["total"] = time.perf_counter() - started
        return obs


class MultipartUpload(_Helper):
    name = "s3.multipart_upload"
    description = "Upload one object in parts (create, upload parts, complete; abort on failure)."
    required = ("Bucket", "Key", "Body")
    optional = ("PartSize", "ChecksumAlgorithm", "ContentType", "Metadata")

    def run(self, call: CheckCall) -> Observation:
        p = self.normalise(call.params)
        client = call.target.client(call.credential)  # type: ignore[attr-defined]
        part_size = bodies.parse_size(p.get("PartSize", "5MiB"))
        extra = {k: p[k] for k in ("ChecksumAlgorithm", "ContentType", "Metadata") if k in p}
        upload_id = None
        try:
            with ExitStack() as stack:
                source = bodies.open_body(p["Body"], stack)
                data = source if isinstance(source, bytes) else source.read()
                created = client.create_multipart_upload(Bucket=p["Bucket"], Key=p["Key"], **extra)
                upload_id = created["UploadId"]
                parts = []
                for number, offset in enumerate(range(0, max(len(data), 1), part_size), 1):
                    kw = (
                        {"ChecksumAlgorithm": extra["ChecksumAlgorithm"]}
                        if "ChecksumAlgorithm" in extra
                        else {}
                    )
                    reply = client.upload_part(
                        Bucket=p["Bucket"],
                        Key=p["Key"],
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=data[offset : offset + part_size],
                        **kw,
                    )
                    part = {"PartNumber": number, "ETag": reply["ETag"]}
                    for k in ("ChecksumSHA256", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumSHA1"):
                        if k in reply:
                            part[k] = reply[k]
                    parts.append(part)
                done = client.complete_multipart_upload(
                    Bucket=p["Bucket"],
                    Key=p["Key"],
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except AWS_ERRORS as exc:
            if upload_id:
                # the original error is what the user needs to see
                with suppress(*AWS_ERRORS):
                    client.abort_multipart_upload(
                        Bucket=p["Bucket"], Key=p["Key"], UploadId=upload_id
                    )
            return from_exception(exc)
        done.pop("ResponseMetadata", None)
        digest = bodies.digest_of(data)
        return Observation(
            success=True,
            http_status=200,
            data={
                **{k: v for k, v in done.items() if isinstance(v, str)},
                "Parts": len(parts),
                "UploadId": upload_id,
                "Size": len(data),
                "SHA256": digest["sha256"],
            },
            body_digest=digest,
        )


class EmptyBucket(_Helper):
    """Works on stores without versioning or multipart listings (s3rver answers 405/501)."""

    name = "s3.empty_bucket"
    description = "Delete every object, version and pending upload in a bucket (and the bucket)."
    optional = ("DeleteBucket",)

    def run(self, call: CheckCall) -> Observation:
        p = self.normalise(call.params)
        client = call.target.client(call.credential)  # type: ignore[attr-defined]
        delete = str(p.get("DeleteBucket", True)).lower() == "true"
        try:
            deleted = empty_bucket(client, p["Bucket"], delete)
        except AWS_ERRORS as exc:
            return from_exception(exc)
        return Observation(success=True, http_status=200, data={"Deleted": deleted})


def register_all() -> None:
    for helper in (
        PresignedRequest("GET"),
        PresignedRequest("PUT"),
        MultipartUpload(),
        EmptyBucket(),
    ):
        CHECKS.register(helper.name, helper)
