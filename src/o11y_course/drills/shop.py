"""The drill shop: six in-process services, their operations, and how they call each other.

A request enters at one of the frontend's routes and walks down the call graph::

    frontend  GET /products/<id>  -> catalog.get_product -> inventory.lookup
              GET /search         -> catalog.search
              POST /checkout      -> checkout.place_order -> inventory.reserve
                                                          -> payments.charge -> bank-gateway.authorize

Every operation has a normal range of *self time* (time spent in its own code, not in the calls it
makes). Some behaviours are part of a healthy shop and make naive diagnoses fail: ``catalog.search``
is always the slowest operation; ``bank-gateway.authorize`` fails now and then and ``payments``
retries it once; ``catalog.get_product`` serves a product without stock figures when
``inventory.lookup`` fails; ``inventory.reserve`` answers 409 (out of stock) for a few orders.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One operation of one service: its normal self time and the operations it calls, in order."""

    service: str
    name: str
    self_ms: tuple[float, float]
    calls: tuple[str, ...] = ()  # keys of the operations it calls, e.g. "inventory.lookup"

    @property
    def key(self) -> str:
        """``service.operation``, e.g. ``payments.charge``."""
        return f"{self.service}.{self.name}"


OPERATIONS: dict[str, Operation] = {
    op.key: op
    for op in (
        Operation("frontend", "GET /products/<id>", (2, 6), ("catalog.get_product",)),
        Operation("frontend", "GET /search", (2, 5), ("catalog.search",)),
        Operation("frontend", "POST /checkout", (3, 8), ("checkout.place_order",)),
        Operation("catalog", "get_product", (6, 16), ("inventory.lookup",)),
        Operation("catalog", "search", (340, 420)),
        Operation("checkout", "place_order", (10, 24), ("inventory.reserve", "payments.charge")),
        Operation("inventory", "lookup", (3, 9)),
        Operation("inventory", "reserve", (6, 14)),
        Operation("payments", "charge", (12, 26), ("bank-gateway.authorize",)),
        Operation("bank-gateway", "authorize", (60, 140)),
    )
}

SERVICES: tuple[str, ...] = tuple(dict.fromkeys(op.service for op in OPERATIONS.values()))

# The routes a request enters by, with their share of the traffic.
ENTRY_POINTS: tuple[tuple[str, float], ...] = (
    ("frontend.GET /products/<id>", 0.45),
    ("frontend.GET /search", 0.20),
    ("frontend.POST /checkout", 0.35),
)

# Where a fault can be injected: every operation behind the frontend.
FAULT_TARGETS: tuple[str, ...] = tuple(key for key, op in OPERATIONS.items() if op.service != "frontend")

DEGRADES_WITHOUT = {"catalog.get_product": "inventory.lookup"}  # serves the page anyway when the call fails
RETRIES_ONCE = {"payments.charge": "bank-gateway.authorize"}  # one retry of a failed call
FLAKY = {"bank-gateway.authorize": 0.06}  # share of calls that fail in a healthy shop
OUT_OF_STOCK = ("inventory.reserve", 0.05)  # share of reservations answered 409, not an error
SLOW_SEARCH_LOG_MS = 400.0  # catalog logs a "slow search" warning above this self time
PAUSE_SHARE, PAUSE_MS = 0.02, (30.0, 100.0)  # occasional pauses (garbage collection) on any call
NETWORK_MS = (0.1, 0.6)  # between a caller and the operation it calls, each way

# What a fault looks like from inside the faulty operation.
FAILURES: dict[str, tuple[str, str]] = {
    "catalog.get_product": ("ProgrammingError", "column products.discount_pct does not exist"),
    "catalog.search": ("SearchBackendError", "index 'products-v7' not found"),
    "checkout.place_order": ("KeyError", "'shipping_zone'"),
    "inventory.lookup": ("ValueError", "invalid literal for int() with base 10: 'N/A'"),
    "inventory.reserve": ("DeadlockDetected", "deadlock detected while locking a stock row"),
    "payments.charge": ("KeyError", "'currency'"),
    "bank-gateway.authorize": ("ConnectionResetError", "connection reset by the card network"),
}
SLOWDOWNS: dict[str, str] = {
    "catalog.get_product": "product cache miss, loaded from the database",
    "catalog.search": "search index is being rebuilt",
    "checkout.place_order": "slow query on orders: sequential scan",
    "inventory.lookup": "stock query without an index",
    "inventory.reserve": "waited for a row lock on stock",
    "payments.charge": "waited for a database connection from the pool",
    "bank-gateway.authorize": "card network answered slowly",
}
FLAKE = ("UpstreamUnavailable", "card network answered 503")


def parent_of(key: str) -> str | None:
    """The operation that calls ``key`` (each operation has one caller in this shop)."""
    return next((op.key for op in OPERATIONS.values() if key in op.calls), None)


def ancestors(key: str) -> list[str]:
    """The callers of ``key``, nearest first, up to the frontend route."""
    chain = []
    parent = parent_of(key)
    while parent is not None:
        chain.append(parent)
        parent = parent_of(parent)
    return chain


def descendants(key: str) -> list[str]:
    """Every operation ``key`` calls, directly or not."""
    found: list[str] = []
    for callee in OPERATIONS[key].calls:
        found += [callee, *descendants(callee)]
    return found
