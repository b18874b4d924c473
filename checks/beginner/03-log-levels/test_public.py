"""Public checks for beginner/03-log-levels: shipped to learners for self-checks."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.logs import (
    LEVELS,
    above,
    at_least,
    describe_result,
    expect_no_leaks,
    expect_record,
    filtering_errors,
    in_step,
    levels_kept,
    records,
    render,
    step_result,
)
from o11y_course.scenario import call, log_scenario, payment_gateway, probe

CARD = "4111111111111111"
PASSWORD = "hunter2-Secret!"
STORE = {
    "tea": {"name": "Green tea", "price_cents": 450, "stock": 12},
    "mug": {"name": "Mug", "price_cents": 900, "stock": 3},
    "vase": {"name": "Vase", "price_cents": 2500, "stock": -2},
}
EVENTS = log_scenario(
    "every shop event, with the shop logger at DEBUG",
    [
        call("Shop", STORE, payment_gateway(["ord-2"]), save_as="shop", label="start"),
        call("shop.lookup", "tea", label="lookup tea (cache miss)"),
        call("shop.lookup", "tea", label="lookup tea again (cache hit)"),
        call("shop.lookup", "kettle", label="lookup kettle (missing)"),
        call("shop.checkout", "ord-1", "mug", CARD, PASSWORD, label="checkout ord-1 (paid)"),
        call("shop.checkout", "ord-2", "tea", CARD, PASSWORD, label="checkout ord-2 (declined)"),
        call("shop.lookup", "vase", label="lookup vase (negative stock)", catch=True),
    ],
)
REDACTION_HINT = "never pass card_number or password to a log call (message, arguments or extra=); name the order id instead"


def filtering(level: str):
    """configure_logging(level), then the grader logs one record per level through the shop logger."""
    return log_scenario(
        f"configure_logging({level!r}), then one record per level",
        [call("configure_logging", level, label="configure", catch=True), probe(*LEVELS, label="probes")],
        level=None,
    )


UNKNOWN_LEVEL = log_scenario(
    "configure_logging('verbose')", [call("configure_logging", "verbose", label="configure", catch=True)], level=None
)


@pytest.mark.points(1)
def test_startup_logged_at_info(observe):
    """Creating a Shop logs its start-up at INFO."""
    logged = in_step(records(observe(EVENTS)), "start")
    hint = "call logger.info(...) at the end of Shop.__init__: a start-up is normal, useful news"
    expect_record(logged, "INFO", "Creating a Shop", hint)
    worse = above(logged, "INFO")
    expect(not worse, f"Creating a Shop logged a record above INFO; a normal start-up is no problem:\n{render(worse)}", hint)


@pytest.mark.points(1)
def test_lookups_logged_at_debug_and_warning(observe):
    """Looking up an item logs the cache miss or hit at DEBUG, and a missing item at WARNING."""
    logged = records(observe(EVENTS))
    for step, what in (("lookup tea (cache miss)", "A cache miss"), ("lookup tea again (cache hit)", "A cache hit")):
        during = in_step(logged, step)
        hint = "cache details only matter while debugging: log them with logger.debug(...)"
        expect_record(during, "DEBUG", f"{what} ({step})", hint)
        worse = above(during, "DEBUG")
        expect(not worse, f"{what} ({step}) logged above DEBUG, but finding an item is routine:\n{render(worse)}", hint)
    expect_record(
        in_step(logged, "lookup kettle (missing)"),
        "WARNING",
        "Looking up an item the store does not have (kettle)",
        "a missing item is unexpected but the shop keeps working: use logger.warning(...)",
    )


@pytest.mark.points(1)
def test_payment_failure_logged_at_error_with_exception(observe):
    """A failed payment is logged at ERROR with the exception attached (exc_info)."""
    step = "checkout ord-2 (declined)"
    errors = expect_record(
        in_step(records(observe(EVENTS)), step),
        "ERROR",
        f"A declined payment ({step})",
        "inside the except block, log with logger.exception(...) (ERROR with the traceback attached)",
    )
    attached = [r for r in errors if r.exc_info and r.exc_type == "PaymentError"]
    expect(
        bool(attached),
        f"The ERROR record for the declined payment has no PaymentError attached (exc_info):\n{render(errors)}",
        "use logger.exception(...) inside the except block, or pass exc_info=True, so the traceback travels with the record",
    )


@pytest.mark.points(1)
def test_corrupt_stock_logged_at_critical(observe):
    """Finding an item with negative stock is logged at CRITICAL."""
    expect_record(
        in_step(records(observe(EVENTS)), "lookup vase (negative stock)"),
        "CRITICAL",
        "Finding negative stock (vase)",
        "the shop cannot go on with corrupt data: log it with logger.critical(...) before raising",
    )


@pytest.mark.points(1)
def test_configure_logging_filters_lower_levels(observe):
    """configure_logging(level) lets records at that level and above through, and drops the lower ones."""
    for level in ("warning", "info"):
        observation = observe(filtering(level))
        result = step_result(observation, "configure")
        if "raised" in result:
            fail(f"configure_logging({level!r}) {describe_result(result)}; it must accept {level!r}.", "map the lower-cased name to a logging level")
        probes = in_step(records(observation), "probes")
        too_low, dropped = filtering_errors(probes, level.upper())
        kept = ", ".join(levels_kept(probes)) or "nothing"
        expect(
            not too_low,
            f"After configure_logging({level!r}) the shop logger still let {', '.join(too_low)} through (kept: {kept}); expected only {level.upper()} and above.",
            'set the level on the "shop" logger: logging.getLogger("shop").setLevel(logging.WARNING) for "warning"',
        )
        expect(
            not dropped,
            f"After configure_logging({level!r}) the shop logger dropped {', '.join(dropped)} (kept: {kept}); expected {level.upper()} and above to get through.",
            "set the level on the \"shop\" logger itself: a level on a handler filters only that handler's output, not the records the logger emits",
        )


@pytest.mark.points(1)
def test_unknown_level_raises_value_error(observe):
    """configure_logging() raises ValueError naming the valid levels when given an unknown one."""
    result = step_result(observe(UNKNOWN_LEVEL), "configure")
    hint = "check the name against your own list of the five levels and raise ValueError(f\"... use one of {...}\")"
    raised = result.get("raised") or {}
    expect(raised.get("type") == "ValueError", f"configure_logging('verbose') {describe_result(result)}, expected a ValueError.", hint)
    message = raised.get("message", "").lower()
    missing = [name.lower() for name in LEVELS if name.lower() not in message]
    expect(
        not missing,
        f"configure_logging('verbose') raised ValueError({raised.get('message', '')!r}), which does not name the valid levels (missing: {', '.join(missing)}).",
        hint,
    )


@pytest.mark.points(1)
def test_card_and_password_never_logged(observe):
    """No log record contains the card number or the password passed to checkout."""
    logged = records(observe(EVENTS))
    for step in ("checkout ord-1 (paid)", "checkout ord-2 (declined)"):
        during = in_step(logged, step)
        expect(
            bool(at_least(during, "INFO")),
            f"Redaction is judged on the checkout records, but {step} logged nothing at INFO or above:\n{render(during)}",
            "log the checkout events first (a paid order at INFO, a failed payment at ERROR), then keep secrets out of them",
        )
    expect_no_leaks(logged, {"card number": CARD, "password": PASSWORD}, "passed to checkout", REDACTION_HINT)
