"""Hidden checks for beginner/03-log-levels: grading only, never shipped to learners."""

import pytest

from o11y_course.feedback import expect, fail
from o11y_course.matchers.logs import (
    LEVELS,
    above,
    article,
    at_least,
    describe_result,
    expect_no_leaks,
    filtering_errors,
    in_step,
    levels_kept,
    mentioning,
    records,
    render,
    step_result,
)
from o11y_course.scenario import call, log_scenario, payment_gateway, probe

BIG_STORE = {
    "SKU-1042": {"name": "Teapot", "price_cents": 3200, "stock": 4},
    "sku_77": {"name": "Filter", "price_cents": 150, "stock": 0},
    "pen.blue": {"name": "Blue pen", "price_cents": 120, "stock": 40},
    "A7": {"name": "Notebook", "price_cents": 600, "stock": 9},
    "crate-9": {"name": "Crate", "price_cents": 1900, "stock": -7},
}
SMALL_STORE = {
    "x1": {"name": "Sticker", "price_cents": 99, "stock": 1000},
    "b-200": {"name": "Box", "price_cents": 450, "stock": -1},
}
CARD = "5555555555554444"
PASSWORD = "correct horse battery staple"

# (step label, call, level, identifier the message must name, what the event is)
EVENTS = [
    ("start big", call("Shop", BIG_STORE, payment_gateway(["ORD-2024-0002", "o-9"], reason="insufficient funds"), save_as="big"),
     "INFO", "5", "Starting a shop with 5 items"),
    ("start small", call("Shop", SMALL_STORE, payment_gateway(["q-1"]), save_as="small"), "INFO", "2", "Starting a shop with 2 items"),
    ("miss SKU-1042", call("big.lookup", "SKU-1042"), "DEBUG", "SKU-1042", "The cache miss for SKU-1042"),
    ("hit SKU-1042", call("big.lookup", "SKU-1042"), "DEBUG", "SKU-1042", "The cache hit for SKU-1042"),
    ("miss pen.blue", call("big.lookup", "pen.blue"), "DEBUG", "pen.blue", "The cache miss for pen.blue"),
    ("miss x1", call("small.lookup", "x1"), "DEBUG", "x1", "The cache miss for x1"),
    ("hit x1", call("small.lookup", "x1"), "DEBUG", "x1", "The cache hit for x1"),
    ("missing kettle-3", call("big.lookup", "kettle-3"), "WARNING", "kettle-3", "The missing item kettle-3"),
    ("missing 42", call("small.lookup", "42"), "WARNING", "42", "The missing item 42"),
    ("checkout of missing ghost", call("big.checkout", "o-8", "ghost", CARD, PASSWORD), "WARNING", "ghost", "Checking out the missing item ghost"),
    ("paid ORD-2024-0001", call("big.checkout", "ORD-2024-0001", "A7", CARD, PASSWORD), "INFO", "ORD-2024-0001", "The paid order ORD-2024-0001"),
    ("paid q-2", call("small.checkout", "q-2", "x1", CARD, PASSWORD), "INFO", "q-2", "The paid order q-2"),
    ("declined ORD-2024-0002", call("big.checkout", "ORD-2024-0002", "pen.blue", CARD, PASSWORD), "ERROR", "ORD-2024-0002", "The failed payment of order ORD-2024-0002"),
    ("declined o-9", call("big.checkout", "o-9", "sku_77", CARD, PASSWORD), "ERROR", "o-9", "The failed payment of order o-9"),
    ("declined q-1", call("small.checkout", "q-1", "x1", CARD, PASSWORD), "ERROR", "q-1", "The failed payment of order q-1"),
    ("corrupt crate-9", call("big.lookup", "crate-9", catch=True), "CRITICAL", "crate-9", "The negative stock of crate-9"),
    ("corrupt b-200", call("small.checkout", "q-3", "b-200", CARD, PASSWORD, catch=True), "CRITICAL", "b-200", "The negative stock of b-200"),
]
VARIED_EVENTS = log_scenario("two shops, every event", [dict(step, label=label) for label, step, *_ in EVENTS])

ACCEPTED = ["DEBUG", "Info", "wArNiNg", "ERROR", "Critical", "debug", "CRITICAL", "info"]
REJECTED = ["trace", "notset", "warn", "fatal", "", "Debugging"]
CONFIGURE = log_scenario(
    "configure_logging with every level in mixed case, then unknown names",
    [step for name in ACCEPTED for step in (call("configure_logging", name, label=f"configure {name}", catch=True), probe(*LEVELS, label=f"probes after {name}"))]
    + [call("configure_logging", name, label=f"reject {name!r}", catch=True) for name in REJECTED],
    level=None,
)

# (order id, item id, card number, password, declined?)
CHECKOUTS = [
    ("r-1", "tea", "4000 0566 5566 5556", "P@ssw0rd with spaces", False),
    ("r-2", "tea", "5105-1051-0510-5100", "Ünïcødé-secret", True),
    ("r-3", "mug", "378282246310005", "hunter2", False),
    ("r-4", "mug", "6011111111111117", "s3cr3t!%", True),
    ("r-5", "missing-item", "4242424242424242", "letmein-42", False),
]
REDACTION = log_scenario(
    "checkouts with varied cards and passwords",
    [call("Shop", {"tea": {"name": "Tea", "price_cents": 450, "stock": 3}, "mug": {"name": "Mug", "price_cents": 900, "stock": 2}},
          payment_gateway([order for order, *_, declined in CHECKOUTS if declined]), save_as="shop", label="start")]
    + [call("shop.checkout", order, item, card, password, label=f"checkout {order}") for order, item, card, password, _ in CHECKOUTS],
)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_every_event_names_its_item_or_order(observe):
    """Every event, over two shops and many items and orders, is logged at its level and names its item, order or item count."""
    logged = records(observe(VARIED_EVENTS))
    for label, _, level, token, what in EVENTS:
        during = in_step(logged, label)
        matching = [r for r in during if r.level == level]
        if not matching:
            fail(
                f"{what} should log {article(level)} {level} record, but the shop logger recorded:\n{render(during)}",
                "compare each event with the contract's table of levels",
            )
        if not mentioning(matching, token):
            fail(
                f"{what} was logged at {level}, but no {level} message names {token!r}:\n{render(matching)}",
                'pass the identifying value as an argument, e.g. logger.warning("item %s not found", item_id)',
            )
        if level == "ERROR" and not any(r.exc_info for r in matching):
            fail(f"{what} was logged at ERROR without the exception attached:\n{render(matching)}", "use logger.exception(...) inside the except block")
        if level == "DEBUG" and above(during, "DEBUG"):
            fail(f"{what} logged above DEBUG, but cache details are routine:\n{render(above(during, 'DEBUG'))}", "log cache hits and misses with logger.debug(...)")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_configure_logging_any_case_any_time(observe):
    """configure_logging accepts the five level names in any case, can be called again, and rejects every other name."""
    observation = observe(CONFIGURE)
    logged = records(observation)
    for name in ACCEPTED:
        result = step_result(observation, f"configure {name}")
        expect(
            "raised" not in result,
            f"configure_logging({name!r}) {describe_result(result)}; level names are accepted in any case.",
            "look the name up as level.lower()",
        )
        probes = in_step(logged, f"probes after {name}")
        too_low, dropped = filtering_errors(probes, name.upper())
        if too_low or dropped:
            previous = ACCEPTED[: ACCEPTED.index(name)]
            after = f" (after {', '.join(repr(p) for p in previous)})" if previous else ""
            fail(
                f"After configure_logging({name!r}){after} the shop logger kept {', '.join(levels_kept(probes)) or 'nothing'}; expected {name.upper()} and above only.",
                'set the level on the "shop" logger on every call (logger.setLevel), which works again and again; logging.basicConfig only configures once',
            )
    for name in REJECTED:
        result = step_result(observation, f"reject {name!r}")
        raised = result.get("raised") or {}
        expect(
            raised.get("type") == "ValueError",
            f"configure_logging({name!r}) {describe_result(result)}, expected a ValueError: only debug, info, warning, error and critical are valid.",
            "accept exactly the five names (in any case) and raise ValueError for everything else",
        )
        missing = [level.lower() for level in LEVELS if level.lower() not in raised.get("message", "").lower()]
        expect(
            not missing,
            f"configure_logging({name!r}) raised ValueError({raised.get('message', '')!r}), which does not name {', '.join(missing)}.",
            "list every valid name in the message",
        )


@pytest.mark.points(1)
@pytest.mark.hidden
def test_varied_cards_and_passwords_never_logged(observe):
    """No record contains any card number (in any format) or password passed to checkout, paid or declined."""
    logged = records(observe(REDACTION))
    secrets: dict[str, str] = {}
    for order, item, card, password, _ in CHECKOUTS:
        during = in_step(logged, f"checkout {order}")
        expect(
            item == "missing-item" or bool(at_least(during, "INFO")),
            f"Redaction is judged on the checkout records, but the checkout of {order} logged nothing at INFO or above:\n{render(during)}",
            "log the checkout events first (see the contract), then keep secrets out of them",
        )
        secrets[f"card number {card}"] = card
        digits = "".join(c for c in card if c.isdigit())
        if digits != card:
            secrets[f"card number {card} (digits only)"] = digits
        secrets[f"password of {order}"] = password
    expect_no_leaks(logged, secrets, "passed to checkout", "whatever format a card number arrives in, never pass it (or the password) to a log call")
