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
from contextlib import ExitStack, suppress

import httpx

from assay.checks.aws import bodies
from assay.checks.aws.buckets import empty_bucket
from assay.checks.aws.errors import AWS_ERRORS, TRANSIENT_STATUS, from_exception
from assay.checks.s3.helper_params import (
    EmptyBucketParams,
    HelperKind,
    MultipartParams,
    PresignedParams,
)
from assay.checks.s3.target import S3Target
from assay.core.checks import CHECKS, CheckCall, Observation

_CODE = re.compile(rb"<Code>([^<]+)</Code>")


class PresignedRequest(HelperKind[PresignedParams]):
    params_model = PresignedParams

    def __init__(self, method: str) -> None:
        super().__init__()
        self.method = method
        op = "get_object" if method == "GET" else "put_object"
        self._op = op
        self.name = f"s3.presigned_{method.lower()}"
        self.description = (
            f"Presign {'GetObject' if method == 'GET' else 'PutObject'} and "
            f"{method} the URL over plain HTTP."
        )

    def check(self, target: S3Target, p: PresignedParams, call: CheckCall) -> Observation:
        client = target.client(call.credential)
        url = client.generate_presigned_url(
            self._op, Params={"Bucket": p.Bucket, "Key": p.Key}, ExpiresIn=p.expires_in()
        )
        started = time.perf_counter()
        with ExitStack() as stack:
            content = bodies.open_body(p.Body, stack) if self.method == "PUT" else None
            try:
                reply = httpx.request(
                    self.method,
                    url,
                    content=content,
                    headers=p.Headers or {},
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
            data={"url_expires_in": p.expires_in(), "headers": dict(reply.headers)},
            transient=reply.status_code in TRANSIENT_STATUS,
            message="" if ok else f"HTTP {reply.status_code}",
        )
        if self.method == "GET" and ok:
            obs.body = reply.content
            obs.body_digest = bodies.digest_of(reply.content)
        obs.timings["total"] = time.perf_counter() - started
        return obs


class MultipartUpload(HelperKind[MultipartParams]):
    name = "s3.multipart_upload"
    description = "Upload one object in parts (create, upload parts, complete; abort on failure)."
    params_model = MultipartParams

    def check(self, target: S3Target, p: MultipartParams, call: CheckCall) -> Observation:
        client = target.client(call.credential)
        part_size = bodies.parse_size(p.PartSize)
        extra = p.given("ChecksumAlgorithm", "ContentType", "Metadata")
        upload_id = None
        try:
            with ExitStack() as stack:
                source = bodies.open_body(p.Body, stack)
                data = source if isinstance(source, bytes) else source.read()
                created = client.create_multipart_upload(Bucket=p.Bucket, Key=p.Key, **extra)
                upload_id = created["UploadId"]
                parts = []
                for number, offset in enumerate(range(0, max(len(data), 1), part_size), 1):
                    kw = (
                        {"ChecksumAlgorithm": extra["ChecksumAlgorithm"]}
                        if "ChecksumAlgorithm" in extra
                        else {}
                    )
                    reply = client.upload_part(
                        Bucket=p.Bucket,
                        Key=p.Key,
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
                    Bucket=p.Bucket,
                    Key=p.Key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except AWS_ERRORS as exc:
            if upload_id:
                # the original error is what the user needs to see
                with suppress(*AWS_ERRORS):
                    client.abort_multipart_upload(Bucket=p.Bucket, Key=p.Key, UploadId=upload_id)
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


class EmptyBucket(HelperKind[EmptyBucketParams]):
    """Works on stores without versioning or multipart listings (s3rver answers 405/501)."""

    name = "s3.empty_bucket"
    description = "Delete every object, version and pending upload in a bucket (and the bucket)."
    params_model = EmptyBucketParams

    def check(self, target: S3Target, p: EmptyBucketParams, call: CheckCall) -> Observation:
        client = target.client(call.credential)
        delete = str(p.DeleteBucket).lower() == "true"
        try:
            deleted = empty_bucket(client, p.Bucket, delete)
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
