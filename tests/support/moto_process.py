"""moto as a separate process: IAM enforcement is process-wide in moto, so it gets its own."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import boto3
import httpx

from tests.support.ports import free_port
from tests.support.wait import wait_until

# AWS authorises ListObjects and ListObjectsV2 with the IAM action s3:ListBucket; moto 5.2.6
# (5.2.1 did not) checks the operation's own name instead (s3:ListObjectsV2), which AWS does
# not know. Granting both keeps the policy right on AWS and working on either moto.
MOTO_LIST_ACTIONS = ["s3:ListObjects", "s3:ListObjectsV2"]
READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:ListBucket", "s3:ListAllMyBuckets", *MOTO_LIST_ACTIONS],
            "Resource": "*",
        }
    ],
}
EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass
class Keys:
    access_key: str
    secret_key: str


class MotoProcess:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until(self._answers, 30, 0.1, "moto server process did not start")
        except BaseException:
            self.close()
            raise

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"moto server process exited {self.proc.returncode}")
        try:
            httpx.get(f"{self.url}/moto-api/", timeout=1)
        except httpx.TransportError:
            return False
        return True

    def user(self, name: str, policy: dict[str, object]) -> Keys:
        iam = boto3.client(
            "iam",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy)
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return Keys(key["AccessKeyId"], key["SecretAccessKey"])

    def enforce_iam(self) -> None:
        reply = httpx.post(
            f"{self.url}/moto-api/reset-auth", content="0", headers={"Content-Type": "text/plain"}
        )
        reply.raise_for_status()

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
