"""The two ways a command ends early on purpose: a problem the user can fix, and a stop the user asked for."""

import signal


class DataError(ValueError):
    """Raised with a one-line message naming the file, column or tensor and what was expected."""


class Interrupted(KeyboardInterrupt):
    """A stop signal (Ctrl-C, SIGTERM, a closed terminal) turned into an exception, so the open run and the
    staging folder are closed on the way out. ``run_id``: the run it ended, once one was open. ``last_signal``: the
    latest stop signal received, for code that only sees a plain KeyboardInterrupt (Ray's ``get`` raises one)."""

    last_signal: int = signal.SIGINT

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.run_id: str | None = None

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def raise_on_stop_signals() -> None:
    """Make each stop signal raise :class:`Interrupted` once; signals during the clean-up that follows are
    ignored (a closed terminal sends SIGHUP to every process of the job, and invoke forwards its own)."""

    def stop(signum, frame):
        Interrupted.last_signal = signum
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        raise Interrupted(signum)

    for each in STOP_SIGNALS:
        signal.signal(each, stop)
