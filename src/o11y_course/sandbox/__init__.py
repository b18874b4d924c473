"""The sandbox: learner code runs only in bounded child processes, never in the judging process."""
