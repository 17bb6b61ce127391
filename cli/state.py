"""What the commands share: the global options' choices and the project, opened on first use."""

from __future__ import annotations

from .output import info, warn


class State:
    """What the global options chose, and the project opened on first use."""

    def __init__(self, project_dir: str, quiet: bool):
        self.project_dir = project_dir
        self.quiet = quiet
        self._project = None

    @property
    def project(self):
        if self._project is None:
            from curation.project import Project

            self._project = Project.open(self.project_dir)
        return self._project

    def say(self, message: str) -> None:
        info(message, self.quiet)

    def report(self, change) -> None:
        line = change.summary
        if change.commit:
            line += f" (commit {change.commit[:10]})"
        elif change.written:
            line += " (not committed)"
        self.say(line)

    def ledger_view(self, view, *args):
        """``view(project, *args, ledgers)`` on the ledgers read once; malformed lines warned of."""
        from curation.views import Ledgers

        project = self.project
        ledgers = Ledgers.read(project)
        result = view(project, *args, ledgers)
        _warn_ledger_problems(ledgers.problems)
        return result


def _warn_ledger_problems(problems) -> None:
    for problem in problems[:5]:
        warn(f"{problem} (line skipped)")
    if len(problems) > 5:
        warn(f"{len(problems) - 5} more malformed ledger lines; run `crsmap audit`")
