"""Judging Prometheus expositions: parsed with prometheus-client's parser, never by substring."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from o11y_course.feedback import CheckFailure

KIND_HINTS = {
    "counter": "use prometheus_client.Counter: a count of events only ever goes up",
    "histogram": "use prometheus_client.Histogram: it records a distribution in buckets, with _count and _sum",
    "gauge": "use prometheus_client.Gauge for a value that goes up and down",
}
STRUCTURAL_LABELS = frozenset({"le", "quantile"})


@dataclass(frozen=True)
class Exposition:
    """A parsed exposition: families by name, as prometheus-client's parser names them."""

    families: dict[str, Metric]
    source: str

    def has(self, name: str) -> bool:
        """True when a family is exposed as ``name`` (a counter may be stored under its base name)."""
        return name in self.families or name.removesuffix("_total") in self.families

    def names(self) -> list[str]:
        """Exposed family names (a counter shows as its ``_total`` name)."""
        return sorted(_exposed_name(f) for f in self.families.values())


def _exposed_name(family: Metric) -> str:
    return family.name + "_total" if family.type == "counter" else family.name


@lru_cache(maxsize=64)
def parsed_families(parse: Callable[[str], Iterable[Metric]], text: str) -> tuple[Metric, ...]:
    """The families ``parse`` finds in ``text``, parsed once: several checks read the same scrape
    (and only read it). ``parse`` is prometheus-client's text or OpenMetrics parser."""
    return tuple(parse(text))


def parse_exposition(text: str, source: str = "/metrics") -> Exposition:
    """Parse Prometheus text format; a parse error becomes a check failure naming the bad line."""
    try:
        families = {f.name: f for f in parsed_families(text_string_to_metric_families, text)}
    except (ValueError, TypeError, IndexError, KeyError) as exc:
        first = text.strip().splitlines()[0][:80] if text.strip() else "(empty)"
        raise CheckFailure(
            f"{source} is not in the Prometheus text format: the parser said {str(exc)[:120]!r} (body starts: {first!r})",
            "return prometheus_client.generate_latest(registry) with the content type prometheus_client.CONTENT_TYPE_LATEST",
        ) from None
    return Exposition(families, source)


def excerpt(family: Metric, max_samples: int = 4) -> str:
    """A compact exposition-style excerpt of a family: its TYPE line and a few samples."""
    lines = [f"# TYPE {_exposed_name(family)} {family.type}"]
    for sample in family.samples[:max_samples]:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
        lines.append(f"{sample.name}{{{labels}}} {sample.value:g}")
    if len(family.samples) > max_samples:
        lines.append(f"... {len(family.samples) - max_samples} more samples")
    return "\n".join("    " + line for line in lines)


def find_family(expo: Exposition, name: str, kind: str | None = None) -> Metric:
    """The family exposed as ``name``; fails when absent or (when ``kind`` is given) of another type."""
    family = expo.families.get(name) or expo.families.get(name.removesuffix("_total"))
    if family is None:
        others = ", ".join(n for n in expo.names() if not n.startswith(("python_", "process_"))) or "no app metrics"
        raise CheckFailure(
            f"{expo.source} has no metric {name}; it has: {others}.",
            f"create it with the exact name {name!r} on the app's registry, then make a request so it has samples",
        )
    if kind is not None and family.type != kind:
        raise CheckFailure(
            f"{name} is a {family.type}, expected a {kind}. Found:\n{excerpt(family)}",
            KIND_HINTS.get(kind),
        )
    return family


def label_names(family: Metric) -> set[str]:
    """Label names used by the family's samples (without ``le``/``quantile``)."""
    return {k for s in family.samples for k in s.labels if k not in STRUCTURAL_LABELS}


def expect_label_names(family: Metric, expected: Iterable[str], shown_name: str) -> None:
    """Fail unless the family's samples use exactly the ``expected`` label names."""
    want = set(expected)
    if not family.samples:
        raise CheckFailure(
            f"{shown_name} has no samples yet, so its labels {sorted(want)} cannot be seen.",
            "make sure the metric is updated on every request (e.g. in an after_request hook)",
        )
    got = label_names(family)
    if got != want:
        missing, extra = sorted(want - got), sorted(got - want)
        parts = [f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else ""]
        raise CheckFailure(
            f"{shown_name} has labels {sorted(got)}, expected exactly {sorted(want)} ({'; '.join(p for p in parts if p)}). Found:\n{excerpt(family)}",
            f"declare labelnames={sorted(want)!r} and fill every one of them",
        )


def samples(family: Metric, sample_name: str) -> list:
    """The family's samples named ``sample_name`` (e.g. ``..._bucket``)."""
    return [s for s in family.samples if s.name == sample_name]


def label_values(family: Metric, label: str, sample_name: str | None = None) -> set[str]:
    """Distinct values of ``label`` across the family's (or one sample name's) samples."""
    chosen = samples(family, sample_name) if sample_name else family.samples
    return {s.labels[label] for s in chosen if label in s.labels}


def sample_value(family: Metric, sample_name: str, labels: dict[str, str]) -> float | None:
    """Value of the sample with exactly these labels (ignoring ``le``-free extras is not allowed)."""
    for sample in samples(family, sample_name):
        if sample.labels == labels:
            return sample.value
    return None


def shown(value: float | None) -> str:
    """A sample value for a message: ``3``, or ``no sample`` when it is missing."""
    return "no sample" if value is None else f"{value:g}"


def describe_values(values: Iterable[str], limit: int = 3) -> str:
    """``3 values (/a, /b, /c, ...)`` style summary of a set of label values."""
    ordered = sorted(values)
    shown = ", ".join(ordered[:limit]) + (", ..." if len(ordered) > limit else "")
    return f"{len(ordered)} value{'s' if len(ordered) != 1 else ''} ({shown})"
