"""A small shop service: item lookups through a cache, checkouts through a payment gateway.

Everything it logs goes through the "shop" logger, at the level each event deserves.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

logger = logging.getLogger("shop")

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}


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
    chosen = LEVELS.get(level.lower())
    if chosen is None:
        raise ValueError(f"unknown log level {level!r}: use one of {', '.join(LEVELS)}")
    logger.setLevel(chosen)


class Shop:
    """Sells items from ``store`` (item id -> {"name", "price_cents", "stock"}), charging through ``gateway``."""

    def __init__(self, store: Mapping[str, Mapping[str, Any]], gateway: PaymentGateway) -> None:
        self.store = store
        self.gateway = gateway
        self.payments: dict[str, str] = {}  # order id -> transaction id
        self._cache: dict[str, dict[str, Any]] = {}
        logger.info("shop started with %d items", len(store))

    def lookup(self, item_id: str) -> dict[str, Any] | None:
        """The item's record (from the cache when possible), or None when the store has no such item."""
        cached = self._cache.get(item_id)
        if cached is not None:
            logger.debug("cache hit for item %s", item_id)
            return cached
        logger.debug("cache miss for item %s, loading it from the store", item_id)
        record = self.store.get(item_id)
        if record is None:
            logger.warning("item %s not found", item_id)
            return None
        if record["stock"] < 0:
            logger.critical("item %s has negative stock (%d): the inventory is corrupt, refusing to sell", item_id, record["stock"])
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
            logger.exception("payment failed for order %s (item %s)", order_id, item_id)
            return False
        self.payments[order_id] = transaction
        logger.info("order %s paid: item %s, transaction %s", order_id, item_id, transaction)
        return True
