"""The incident-drill simulator: a small in-process shop, a seeded fault injector, and its telemetry.

``make_drill(seed)`` runs 200 requests through the shop on a virtual clock, with one fault injected
(added latency or errors on one operation of one service), and returns the spans, the metrics
exposition and the log lines of that run together with the truth. ``plan_drill(seed)`` gives the
same run without the telemetry, which is all a grader needs to know the truth.
"""

from o11y_course.drills.drill import Drill, Truth, make_drill, truth_of
from o11y_course.drills.faults import KINDS, Fault, fault_of
from o11y_course.drills.shop import OPERATIONS, SERVICES
from o11y_course.drills.traffic import Plan, plan_drill

__all__ = ["KINDS", "OPERATIONS", "SERVICES", "Drill", "Fault", "Plan", "Truth", "fault_of", "make_drill", "plan_drill", "truth_of"]
