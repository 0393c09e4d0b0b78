"""What a login costs: one Argon2id verification at the configured parameters, against a plain SHA-256
as the baseline of the same run (DESIGN.md §9: logins are costly by design; tune the cost to a target).

    .venv/bin/python -m bench.login_cost [--memory 19456] [--time 2] [--logins 3000]

Prints milliseconds per verification, logins per second on one core, and how long a burst of
--logins logins would keep both cores busy."""
from __future__ import annotations

import argparse
import hashlib
import time

from argon2 import PasswordHasher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=19456, help="KiB (EXAMSYS_ARGON2_MEMORY_COST)")
    parser.add_argument("--time", type=int, default=2, help="passes (EXAMSYS_ARGON2_TIME_COST)")
    parser.add_argument("--logins", type=int, default=3000)
    args = parser.parse_args()
    hasher = PasswordHasher(time_cost=args.time, memory_cost=args.memory, parallelism=1)
    stored = hasher.hash("Demo-Pass-2026")
    rounds = 30
    t0 = time.perf_counter()
    for _ in range(rounds):
        hasher.verify(stored, "Demo-Pass-2026")
    per = (time.perf_counter() - t0) / rounds
    t0 = time.perf_counter()
    for _ in range(10000):
        hashlib.sha256(b"Demo-Pass-2026").digest()
    plain = (time.perf_counter() - t0) / 10000
    print(f"Argon2id m={args.memory} KiB t={args.time}: {per * 1000:.1f} ms a login = {per / plain:,.0f} x a SHA-256 "
          f"({plain * 1e6:.2f} us); {1 / per:.0f} logins/s per core; {args.logins} logins keep 2 cores busy {args.logins * per / 2:.0f} s")


if __name__ == "__main__":
    main()
