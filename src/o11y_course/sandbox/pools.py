"""Which zygote a driver's runs fork from: the main one, or one of the driver's own.

A driver module says ``OWN_ZYGOTE = True`` when its runs are better kept apart: its pool is named
after the module, and its zygote imports only that module. Two reasons:

- it keeps a lot of prepared data (the drills): in the main zygote, every other run's fork would
  copy the page tables of that memory and every exit would tear them down;
- its runs mostly wait (serving an app until a real Prometheus has scraped it): one zygote runs one
  child at a time, so in a zygote of their own they wait beside the other runs, not in front of them.
"""

from __future__ import annotations

import importlib

MAIN_POOL = "main"
DRIVER_PREFIX = "o11y_course.drivers."  # only the course's own drivers prepare, or get a zygote of their own


def pool_of(driver: str) -> str:
    """The pool of ``driver`` (``"module:function"``): its module's name when the module says
    ``OWN_ZYGOTE = True``, else ``MAIN_POOL``."""
    module_name = driver.partition(":")[0]
    if not module_name.startswith(DRIVER_PREFIX):
        return MAIN_POOL
    try:
        module = importlib.import_module(module_name)
    except ImportError:  # the child reports the missing driver
        return MAIN_POOL
    return module_name if getattr(module, "OWN_ZYGOTE", False) is True else MAIN_POOL
