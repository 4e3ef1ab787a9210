"""``db.ping``: a PostgreSQL server takes a new connection and answers ``SELECT 1`` in time.

Each step opens its own connection and closes it: a pool would hide a server that stopped
taking new ones. ``[RESPONSE_TIME]`` is the connection (TLS and authentication included)
plus the query; the observation also says which server version answered.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, TypeVar

import psycopg
from pydantic import BaseModel

from assay.checks.db.errors import from_connect_error, from_query_error
from assay.checks.db.target import DbTarget, DbTargetType
from assay.checks.model_kind import TargetKind
from assay.checks.params import KindParams
from assay.core.checks import CheckCall, Observation

P = TypeVar("P", bound=BaseModel)


class DbKind(TargetKind[P, DbTarget]):
    """A kind of the db family: its steps run on a ``db`` target."""

    family = "db"
    target_type = DbTargetType


class PingParams(KindParams):
    """None: what to connect to is the target's."""


def server_version(number: int) -> str:
    """libpq's version number as people write it: 150020 -> 15.20, 90624 -> 9.6.24."""
    if number >= 100000:
        return f"{number // 10000}.{number % 10000}"
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


class DbPing(DbKind[PingParams]):
    name = "db.ping"
    description = "Connect to PostgreSQL and run SELECT 1 within the timeout; reports the version."
    params_model = PingParams
    unknown_key: ClassVar[str] = (
        "unknown parameter '{key}': {kind} takes none (it connects to the target's url)"
    )

    def check(self, target: DbTarget, p: PingParams, call: CheckCall) -> Observation:
        timeout = min(target.settings.timeout, call.timeout)
        data: dict[str, Any] = {
            "host": target.params.get("host") or "localhost",
            "port": int(target.params.get("port") or 5432),
            "database": target.params.get("dbname"),
            "user": target.params.get("user"),
        }
        started = time.perf_counter()
        try:
            conn = target.connect(timeout)
        except psycopg.Error as exc:
            obs = from_connect_error(exc, target.where, target.secret())
            obs.data = {**data, **obs.data}
            obs.timings = {"total": time.perf_counter() - started}
            return obs
        connected = time.perf_counter()
        with conn:
            info = conn.info
            data.update(
                version=server_version(info.server_version),
                server_version=info.parameter_status("server_version"),
                server_version_num=info.server_version,
            )
            try:
                row = conn.execute("SELECT 1").fetchone()
            except psycopg.Error as exc:
                obs = from_query_error(exc, target.where, target.secret())
                obs.data = {**data, **obs.data}
                obs.timings = {"total": time.perf_counter() - started}
                return obs
        done = time.perf_counter()
        timings = {"connect": connected - started, "query": done - connected}
        timings["total"] = done - started
        return Observation(
            success=row == (1,),
            error_code=None if row == (1,) else "QueryFailed",
            message="" if row == (1,) else f"{target.where}: SELECT 1 answered {row!r}",
            data={**data, "connected": True},
            timings=timings,
            context={"CONNECTED": True, "RESPONSE_TIME": round(timings["total"] * 1000, 3)},
        )
