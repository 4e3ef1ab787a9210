"""Server settings: precedence of flags, environment and file; secrets from files; errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.core.errors import UsageError
from assay.core.secrets import redact
from assay.server.api.pagination import decode_cursor, encode_cursor
from assay.server.errors import ApiError
from assay.server.settings import default_data_dir, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ASSAY_PORT", "ASSAY_HOST", "ASSAY_CONFIG", "ASSAY_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ASSAY_DATABASE_URL_FILE", raising=False)
    monkeypatch.delenv("ASSAY_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def test_server_settings_defaults_work_on_a_fresh_machine(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.host == "127.0.0.1" and settings.port == 8787 and settings.workers == 1
    assert default_data_dir() == tmp_path / "xdg" / "assay"
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'xdg' / 'assay' / 'assay.db'}"
    assert settings.cors_origins == [] and settings.rate_limit == "1200/minute"


def test_server_settings_flags_beat_environment_beat_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "server.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\nworkers = 3\ncors_origins = ["https://a"]\n')
    monkeypatch.setenv("ASSAY_PORT", "9100")
    settings = load_settings(config, port=None, workers=5)
    assert settings.port == 9100 and settings.host == "0.0.0.0" and settings.workers == 5
    assert settings.cors_origins == ["https://a"]
    yaml_config = tmp_path / "server.yaml"
    yaml_config.write_text("port: 9200\n")
    monkeypatch.delenv("ASSAY_PORT")
    monkeypatch.setenv("ASSAY_CONFIG", str(yaml_config))
    assert load_settings().port == 9200


def test_server_settings_secret_from_a_file_is_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://assay:file-secret-99@db:5432/assay\n")
    monkeypatch.setenv("ASSAY_DATABASE_URL_FILE", str(secret))
    settings = load_settings()
    assert settings.effective_database_url == "postgresql://assay:file-secret-99@db:5432/assay"
    assert "file-secret-99" not in repr(settings) and "file-secret-99" not in str(settings)
    assert redact("connect failed: file-secret-99") == "connect failed: ***"
    monkeypatch.setenv("ASSAY_DATABASE_URL_FILE", str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="ASSAY_DATABASE_URL_FILE: cannot read"):
        load_settings()


def test_server_settings_errors_are_one_clear_paragraph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "server.toml"
    config.write_text("prot = 9000\n")
    with pytest.raises(UsageError, match="unknown setting 'prot' \\(did you mean 'port'\\?\\)"):
        load_settings(config)
    config.write_text("port = [\n")
    with pytest.raises(UsageError, match="is not valid"):
        load_settings(config)
    with pytest.raises(UsageError, match="cannot read|No such file"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(UsageError, match="rate_limit .*'lots' is not a rate"):
        load_settings(rate_limit="lots")
    with pytest.raises(UsageError, match="rate_limit_storage .*'nosuch://x' cannot be used"):
        load_settings(rate_limit_storage="nosuch://x")
    with pytest.raises(UsageError, match="github_api_url must be an http:// or https:// URL"):
        load_settings(github_api_url="ftp://github.example")
    with pytest.raises(
        UsageError, match="public_url must be an http:// or https:// URL with a host"
    ):
        load_settings(public_url="https://")
    assert load_settings(public_url="https://assay.example/").public_url == "https://assay.example"
    monkeypatch.setenv("ASSAY_PORT", "99999")
    with pytest.raises(UsageError, match="port \\(--port or ASSAY_PORT\\)"):
        load_settings()


def test_server_cursor_round_trips_and_rejects_forgeries() -> None:
    assert decode_cursor(encode_cursor("2024-01-01T00:00:00", "abc"), str, str) == [
        "2024-01-01T00:00:00",
        "abc",
    ]
    assert decode_cursor(encode_cursor(42), int) == [42]
    for bad in ("", "!!!", encode_cursor("x"), encode_cursor(True), encode_cursor(1, 2)):
        with pytest.raises(ApiError) as caught:
            decode_cursor(bad, int)
        assert caught.value.status_code == 422


def test_server_settings_keep_every_sections_validators() -> None:
    """Settings inherits its sections: two validators of one name would silently leave one
    out (they did: public_url and github_api_url were both ``_http_url``)."""
    from assay.server.settings import Settings

    kept = Settings.__pydantic_decorators__
    for section in Settings.__mro__[1:]:
        decorators = getattr(section, "__pydantic_decorators__", None)
        if decorators is None or section.__module__.startswith("pydantic"):
            continue
        for kind in ("field_validators", "model_validators"):
            for name in getattr(decorators, kind):
                mine = getattr(kept, kind).get(name)
                func = getattr(mine.func, "__func__", mine.func) if mine else None
                assert func is not None and func.__qualname__.startswith(section.__name__), (
                    f"{section.__name__}.{name} is hidden by another section's validator"
                )
