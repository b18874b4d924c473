"""The zygote's prepare step: a course driver's submission-independent work, done before the fork."""

import sys
import types

import pytest

from o11y_course.sandbox import zygote


@pytest.fixture
def fake_driver(monkeypatch):
    """A driver module under o11y_course.drivers whose prepare() records its params (or raises)."""
    module = types.ModuleType("o11y_course.drivers.prepare_probe")
    module.calls = []

    def prepare(params):
        if params.get("explode"):
            raise RuntimeError("boom")
        module.calls.append(params)

    module.prepare = prepare
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_a_course_driver_prepares_with_the_request_params(fake_driver):
    zygote.prepare({"driver": "o11y_course.drivers.prepare_probe:run", "params": {"seeds": [1]}})
    assert fake_driver.calls == [{"seeds": [1]}]


def test_modules_outside_the_drivers_are_never_prepared(fake_driver, monkeypatch):
    outside = types.ModuleType("elsewhere_probe")
    outside.prepare = lambda params: pytest.fail("prepare() of a module outside o11y_course.drivers ran")
    monkeypatch.setitem(sys.modules, "elsewhere_probe", outside)
    zygote.prepare({"driver": "elsewhere_probe:run", "params": {}})
    zygote.prepare({"driver": "o11y_course.driversX.prepare_probe:run", "params": {}})
    assert fake_driver.calls == []


def test_a_failing_prepare_is_left_to_the_child(fake_driver):
    zygote.prepare({"driver": "o11y_course.drivers.prepare_probe:run", "params": {"explode": True}})
    zygote.prepare({"driver": "o11y_course.drivers.no_such_driver:run", "params": {}})
    assert fake_driver.calls == []


def test_warm_up_leaves_no_global_state():
    """The zygote's warm-up changes nothing a learner's code could notice: registry, loggers, structlog."""
    import logging

    import prometheus_client
    import structlog

    from o11y_course.sandbox.warmup import warm_up

    names = set(prometheus_client.REGISTRY._names_to_collectors)
    loggers = set(logging.root.manager.loggerDict)
    root_handlers = list(logging.root.handlers)
    config = structlog.get_config()
    warm_up()
    assert set(prometheus_client.REGISTRY._names_to_collectors) == names
    assert set(logging.root.manager.loggerDict) - loggers <= {"o11y_warmup"}  # the app's own logger, silent
    assert logging.root.handlers == root_handlers
    assert structlog.get_config() == config
