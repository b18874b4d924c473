"""The learner's side of the command line: friendly checks, progress, hints, watch mode, running an app."""
