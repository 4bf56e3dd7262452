"""No public default secret: development generates its own key once, into instance/, and keeps it.

The old fallback, a key printed in the source, let anyone sign a session cookie for any account
of a portal started without SECRET_KEY.
"""

import os
import stat

from config import Config, DevelopmentConfig, TestingConfig
from portal import create_app

PUBLIC_KEY = "dev-only-secret-change-me"


def _build(config_class, tmp_path, **overrides):
    return create_app(
        config_class,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'portal.db'}",
        SECRET_KEY_FILE=str(tmp_path / "instance" / "secret_key"),
        **overrides,
    )


def test_the_key_comes_from_the_environment_or_nowhere():
    assert Config.SECRET_KEY == os.environ.get("SECRET_KEY")
    assert PUBLIC_KEY not in (Config.SECRET_KEY, DevelopmentConfig.SECRET_KEY)


def test_development_without_a_key_generates_one_and_reuses_it(tmp_path):
    first = _build(DevelopmentConfig, tmp_path, SECRET_KEY=None)
    second = _build(DevelopmentConfig, tmp_path, SECRET_KEY=None)
    key = first.config["SECRET_KEY"]
    assert key != PUBLIC_KEY and len(key) >= 43  # 32 random bytes, URL-safe base64
    assert second.config["SECRET_KEY"] == key
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text(encoding="ascii").strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_another_instance_gets_another_key(tmp_path):
    one = _build(DevelopmentConfig, tmp_path / "one", SECRET_KEY=None)
    other = _build(DevelopmentConfig, tmp_path / "other", SECRET_KEY=None)
    assert one.config["SECRET_KEY"] != other.config["SECRET_KEY"]


def test_a_key_from_the_environment_is_used_as_given_and_nothing_is_written(tmp_path):
    app = _build(DevelopmentConfig, tmp_path, SECRET_KEY="from the environment")
    assert app.config["SECRET_KEY"] == "from the environment"
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_the_test_suite_keeps_its_fixed_key(tmp_path):
    app = _build(TestingConfig, tmp_path)
    assert app.config["SECRET_KEY"] == "test-secret"
    assert not (tmp_path / "instance" / "secret_key").exists()
