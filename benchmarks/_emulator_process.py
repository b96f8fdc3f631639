"""The emulator in a process of its own, so that it does not share the client's GIL.

A service does not spend its client's CPU; an emulator thread in the benchmark's own
interpreter would. The parent starts ``python -m benchmarks._emulator_process SPEC``
(SPEC: JSON settings), reads one JSON line ``{"endpoint": ...}``, and later writes
``report`` (answered by one JSON line: accepted dimensions and, per request, the error
code, the records carried and the records answered unprocessed) or ``quit`` on stdin.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import subprocess
import sys
from dataclasses import asdict, dataclass
from types import TracebackType
from typing import IO, Any

from ._harness import child_env


@dataclass(frozen=True)
class EmulatorSpec:
    """What the child emulator is set up with."""

    seed: int
    quota: float | None
    latency: float
    throttle_rate: float
    unprocessed_rate: float
    account: str
    product: str
    license_arn: str


def _nagle_off() -> bool:
    """Set TCP_NODELAY on the emulator's connections if its handler does not; True if set."""
    server = importlib.import_module("agentcore_billing.emulator._server")
    handler: Any = getattr(server, "_Handler", None)
    if handler is None or getattr(handler, "disable_nagle_algorithm", False):
        return False
    handler.disable_nagle_algorithm = True
    return True


def serve(spec: EmulatorSpec, commands: IO[str], answers: IO[str]) -> None:
    """Run the emulator until ``quit`` (or end of input) arrives on ``commands``."""
    from agentcore_billing.emulator import NO_QUOTAS, Emulator, FaultConfig

    patched = _nagle_off()
    faults = {
        "BatchMeterUsage": FaultConfig(
            throttle_rate=spec.throttle_rate,
            unprocessed_rate=spec.unprocessed_rate,
            latency=spec.latency,
        )
    }
    quotas = dict(NO_QUOTAS) if spec.quota is None else {"BatchMeterUsage": spec.quota}
    with Emulator(seed=spec.seed, faults=faults, quotas=quotas) as emu:
        emu.add_customer(
            customer_aws_account_id=spec.account,
            product_code=spec.product,
            license_arn=spec.license_arn,
        )
        answers.write(json.dumps({"endpoint": emu.endpoint_url, "nagle_patched": patched}) + "\n")
        answers.flush()
        for line in commands:
            command = line.strip()
            if command == "report":
                batch = [r for r in emu.requests() if r.operation == "BatchMeterUsage"]
                report = {
                    "accepted_dimensions": [r.dimension for r in emu.accepted_usage_records()],
                    "error_codes": [r.error_code for r in batch],
                    "records_per_request": [len(r.params.get("UsageRecords", ())) for r in batch],
                    "unprocessed_per_request": [r.unprocessed_records for r in batch],
                }
                answers.write(json.dumps(report) + "\n")
                answers.flush()
            elif command == "quit":
                break


class EmulatorProcess:
    """Parent side: start, query and stop one child emulator (a context manager)."""

    def __init__(self, spec: EmulatorSpec, *, timeout: float = 30.0) -> None:
        self._spec = spec
        self._timeout = timeout
        self._proc: subprocess.Popen[str] | None = None
        self.endpoint_url = ""
        self.nagle_patched = False

    def __enter__(self) -> EmulatorProcess:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._emulator_process", json.dumps(asdict(self._spec))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
            cwd=root,
        )
        hello = self._answer()
        self.endpoint_url = str(hello["endpoint"])
        self.nagle_patched = bool(hello["nagle_patched"])
        return self

    def _answer(self) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], self._timeout)
        line = proc.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"emulator process gave no answer within {self._timeout} s")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def report(self) -> dict[str, Any]:
        """Accepted dimensions and, per BatchMeterUsage request, its error code (or None),
        records carried and records answered unprocessed."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        proc.stdin.write("report\n")
        proc.stdin.flush()
        return self._answer()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.write("quit\n")
                proc.stdin.close()
            proc.wait(timeout=self._timeout)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(timeout=self._timeout)
        finally:
            if proc.stdout is not None:
                proc.stdout.close()


def main() -> None:
    """Child entry point."""
    spec = EmulatorSpec(**json.loads(sys.argv[1]))
    serve(spec, sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
