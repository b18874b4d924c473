"""A small shop service: item lookups through a cache, checkouts through a payment gateway.

The service works, but it is silent. Your task: add the log calls marked TODO, each at the right
level, and write configure_logging(). Read README.md in this folder for the contract, and run
`o11y check 03` to check your work.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

logger = logging.getLogger("shop")


class PaymentError(Exception):
    """The payment gateway could not charge the card (declined, expired, gateway down...)."""


class CorruptInventory(Exception):
    """The item store holds data the shop cannot trust, so it must stop selling."""


class PaymentGateway(Protocol):
    """What the shop needs from a payment provider."""

    def charge(self, order_id: str, amount_cents: int, card_number: str, password: str) -> str:
        """Charge the card and return a transaction id, or raise PaymentError."""
        ...


def configure_logging(level: str) -> None:
    """Set the level of the "shop" logger from a name such as "warning" (any case)."""
    # TODO 1: turn the name into a logging level. Accept exactly debug, info, warning, error and
    #         critical, in any case ("WARNING", "Warning" and "warning" are the same).
    #         Any other name: raise ValueError with a message that lists the valid names.
    # TODO 2: set that level on the "shop" logger (the `logger` above), not on a handler.


class Shop:
    """Sells items from ``store`` (item id -> {"name", "price_cents", "stock"}), charging through ``gateway``."""

    def __init__(self, store: Mapping[str, Mapping[str, Any]], gateway: PaymentGateway) -> None:
        self.store = store
        self.gateway = gateway
        self.payments: dict[str, str] = {}  # order id -> transaction id
        self._cache: dict[str, dict[str, Any]] = {}
        # TODO 3: log that the shop started, with the number of items in the store.

    def lookup(self, item_id: str) -> dict[str, Any] | None:
        """The item's record (from the cache when possible), or None when the store has no such item."""
        cached = self._cache.get(item_id)
        if cached is not None:
            # TODO 4: log the cache hit, with the item id.
            return cached
        # TODO 5: log the cache miss, with the item id.
        record = self.store.get(item_id)
        if record is None:
            # TODO 6: log that the item was not found, with the item id.
            return None
        if record["stock"] < 0:
            # TODO 7: the store is corrupt and the shop must stop: log it, with the item id and the stock.
            raise CorruptInventory(f"item {item_id} has negative stock")
        item = dict(record)
        self._cache[item_id] = item
        return item

    def checkout(self, order_id: str, item_id: str, card_number: str, password: str) -> bool:
        """Charge the item's price for ``order_id``; True when paid, False when the item or the payment failed."""
        item = self.lookup(item_id)
        if item is None:
            return False
        try:
            transaction = self.gateway.charge(order_id, item["price_cents"], card_number, password)
        except PaymentError:
            # TODO 8: log the failed payment with the order id and the exception attached.
            #         Never log card_number or password, anywhere in this file.
            return False
        self.payments[order_id] = transaction
        # TODO 9: log the paid order, with the order id.
        return True
