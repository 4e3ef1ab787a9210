"""One result shape: ``core.results.StepResult`` is the definition; the server's request and
response models and its table carry exactly its fields, and a result's ``to_dict()`` is
what an upload takes."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

from assay.core.failures import Failure, Part, failure
from assay.core.results import MAX_RESULT_ID, Phase, Status, StepResult, result_id
from assay.server.sessions.schemas import FailureIn, ResultIn, ResultOut
from assay.server.sessions.tables import Result

STEP = {f.name for f in fields(StepResult)}


def test_result_shape_server_models_and_table_carry_the_core_fields() -> None:
    assert set(ResultIn.model_fields) - {"id"} == STEP
    assert set(ResultOut.model_fields) - {"id", "session_id", "received_at"} == STEP
    columns = {attr.key for attr in Result.__mapper__.column_attrs}
    assert columns - {"pk", "session_id", "result_id", "received_at"} == STEP
    assert set(FailureIn.model_fields) == {f.name for f in fields(Failure)}


def test_result_shape_to_dict_is_an_upload() -> None:
    result = StepResult(
        "objects", Phase.TEST, 3, "get", "s3.GetObject", Status.FAILED,
        duration=0.5, attempts=2, message="403", target="store", credential="reader",
        error_code="AccessDenied", http_status=403, started_at=datetime.now(UTC),
        suite="suite.yaml", details={"response": {"a": 1}},
        failures=[failure(Part.OUTCOME, "success", "AccessDenied", "success", "403")],
    )  # fmt: skip
    upload = ResultIn.model_validate(result.to_dict())
    assert upload.result_id == "suite.yaml::objects/test/3"
    assert [f.model_dump(mode="json") for f in upload.failures] == result.to_dict()["failures"]


def test_result_ids_are_built_one_way_and_bounded() -> None:
    assert result_id("g", "test", 1) == StepResult("g", Phase.TEST, 1, "", "", Status.PASSED).id
    assert result_id("g", "test", 1, "s.yaml", "run1") == "run1/s.yaml::g/test/1"
    long_group = "g" * 1000
    a = result_id(long_group, "test", 1, "s.yaml", "run1")
    b = result_id(long_group + "x", "test", 1, "s.yaml", "run1")
    assert len(a) == MAX_RESULT_ID and a.startswith("run1/") and a.endswith("/test/1")
    assert a != b
