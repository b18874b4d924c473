"""The log-records driver, run in this process on a tiny module written by the test."""

import logging
import os
import sys
import textwrap

import pytest

from o11y_course.drivers.log_records import RecordCapture, record_dict, run, step_labels
from o11y_course.sandbox.context import DriverContext
from o11y_course.sandbox.learner_errors import LearnerCrash
from o11y_course.scenario import call, log_scenario, payment_gateway, probe

MODULE = textwrap.dedent(
    """
    import logging

    logger = logging.getLogger("drivertest")


    class PaymentError(Exception):
        pass


    def configure_logging(level):
        logger.handlers.clear()  # a common idiom that also removes the grader's handler
        logger.setLevel(level.upper())


    class Shop:
        def __init__(self, gateway):
            self.gateway = gateway
            logging.getLogger("drivertest.child").info("started")

        def pay(self, order_id):
            try:
                return self.gateway.charge(order_id, 100, "4111", "pw")
            except PaymentError:
                logger.exception("order %s failed", order_id)
                return None

        def explode(self):
            raise RuntimeError("boom")
    """
)


@pytest.fixture
def context(tmp_path, monkeypatch):
    """A driver context whose protocol messages go to a pipe, with the test module importable."""
    (tmp_path / "drivertest.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    read_end, write_end = os.pipe()
    yield DriverContext(str(tmp_path), write_end)
    os.close(read_end)
    os.close(write_end)
    sys.modules.pop("drivertest", None)
    for name in ("drivertest", "drivertest.child"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)


def drive(context, steps, level="DEBUG"):
    return run(context, log_scenario("t", steps, module="drivertest", logger="drivertest", level=level).params)


def test_records_children_results_and_gateway(context):
    """Child loggers are captured, a declined charge raises the module's error, results are plain data."""
    result = drive(
        context,
        [
            call("Shop", payment_gateway(["o-2"]), save_as="shop", label="start"),
            call("shop.pay", "o-1", label="paid"),
            call("shop.pay", "o-2", label="declined"),
        ],
    )
    logs = result["logs"]
    assert [(r["step"], r["logger"], r["levelname"]) for r in logs] == [("start", "drivertest.child", "INFO"), ("declined", "drivertest", "ERROR")]
    assert logs[1]["exc_type"] == "PaymentError" and logs[1]["args"] == ["'o-2'"]
    assert result["values"]["paid"] == {"returned": "txn-0001"}
    assert result["values"]["start"]["returned"].startswith("<drivertest.Shop object")
    assert result["values"]["$capture"] == {"captured": 2, "dropped": 0}


def test_capture_survives_cleared_handlers_and_probes_follow_the_level(context):
    """After the module clears its logger's handlers, the capture is attached again for the next step."""
    result = drive(context, [call("configure_logging", "warning"), probe("DEBUG", "INFO", "WARNING", "ERROR")], level=None)
    assert [r["levelname"] for r in result["logs"]] == ["WARNING", "ERROR"]


def test_caught_exceptions_become_data(context):
    """With catch, what the call raises is recorded; without it, the run fails as a learner crash."""
    result = drive(context, [call("configure_logging", "verbose", catch=True, label="bad")], level=None)
    assert result["values"]["bad"]["raised"]["type"] == "ValueError"
    with pytest.raises(LearnerCrash):
        drive(context, [call("Shop", payment_gateway(), save_as="shop"), call("shop.explode")])


def test_missing_method_is_a_contract_failure(context):
    """Calling a method the object lacks names it."""
    with pytest.raises(LearnerCrash) as info:
        drive(context, [call("Shop", payment_gateway(), save_as="shop"), call("shop.refund", "o-1")])
    assert "has no method refund" in info.value.info["message"]


def test_step_labels_are_unique():
    """Repeated calls get numbered labels; two steps with the same explicit label are a grader bug."""
    assert step_labels([call("f", 1), call("f", 1), probe("INFO")]) == ["f(1)", "f(1) #2", "probe records at INFO"]
    with pytest.raises(ValueError, match="share the label"):
        step_labels([call("f", label="x"), call("g", label="x")])


def test_record_dict_survives_broken_records():
    """A message whose arguments do not fit, or an argument whose repr raises, still gives a record."""

    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    record = logging.LogRecord("shop", logging.INFO, "", 0, "%d items", ("many",), None)
    assert record_dict(record, None)["message"].startswith("<message could not be formatted: TypeError")
    record = logging.LogRecord("shop", logging.INFO, "", 0, "x", (Hostile(),), None)
    assert record_dict(record, None)["args"] == ["<repr() failed: RuntimeError>"]


def test_capture_is_bounded():
    """Past its limit the capture counts records instead of keeping them."""
    capture = RecordCapture(limit=2)
    for _ in range(5):
        capture.handle(logging.LogRecord("shop", logging.INFO, "", 0, "x", (), None))
    assert len(capture.records) == 2 and capture.dropped == 3
