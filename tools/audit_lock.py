"""Check the locked versions against the known-vulnerability database (pip-audit).

`make lint` runs it. A known vulnerability in a locked version fails the build.
Where the database cannot be reached (a machine that only reaches a package
mirror, as CI does here), pip-audit skips every package; that is reported in
one line and does not fail the build unless LIENTHONG_AUDIT_REQUIRED=1, because
"could not look" is not "vulnerable", and a build that fails for a missing
network would teach everyone to ignore it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main(lock: str) -> int:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "-r",
            lock,
            "--require-hashes",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return _unreachable(f"pip-audit gave no report ({last})")
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            print(f"audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        return 1
    if not audited:
        return _unreachable(
            f"the vulnerability database was not reachable; {len(deps)} packages not audited"
        )
    skipped = len(deps) - len(audited)
    print(
        f"audit: {len(audited)} locked packages, no known vulnerabilities ({skipped} not audited)"
    )
    return 0


def _unreachable(why: str) -> int:
    print(f"audit: NOT CHECKED: {why}", file=sys.stderr)
    return 1 if os.environ.get("LIENTHONG_AUDIT_REQUIRED") == "1" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "requirements/dev.lock"))
