"""Allow ``python -m o11y_course``."""

from o11y_course.cli import main

raise SystemExit(main())
