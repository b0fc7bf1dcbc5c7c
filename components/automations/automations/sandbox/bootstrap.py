"""armature-automation-bootstrap: inside the sandbox, set the limits, then run the automation."""

# Runs as `python -I -S -c <this source>` with the standard library only: import nothing else.
from __future__ import annotations

import json
import linecache
import resource
import sys
import traceback

# Names the sandbox's processes: this source is their command line.
MARKER = "armature-automation-bootstrap"
FILENAME = "<automation>"


def apply_limits(rlimits: dict[str, list[int]]) -> None:
    """Set every limit before untrusted code runs; unprivileged, it can never raise a hard one."""
    for name, (soft, hard) in rlimits.items():
        resource.setrlimit(getattr(resource, name), (soft, hard))


def run(code: str, event: object) -> None:
    """Run code as the module __automation__ with `event` as a global; a failure exits 1."""
    # Lets tracebacks quote the automation's own lines.
    linecache.cache[FILENAME] = (len(code), None, code.splitlines(keepends=True), FILENAME)
    namespace = {"event": event, "__name__": "__automation__"}
    try:
        exec(compile(code, FILENAME, "exec"), namespace)  # noqa: S102 - running it is the point
    except SystemExit:
        raise
    except BaseException as error:
        tb = error.__traceback__
        # Skip this frame: the traceback starts in the automation.
        traceback.print_exception(type(error), error, tb.tb_next if tb else None)
        sys.exit(1)


def main() -> None:
    """Read {"code", "event", "rlimits"} as JSON from stdin and run the automation."""
    payload = json.loads(sys.stdin.buffer.read())
    apply_limits(payload["rlimits"])
    run(payload["code"], payload["event"])


if __name__ == "__main__":
    main()
