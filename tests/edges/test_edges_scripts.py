"""Issue 15: `scripts/test` waits while the dpkg lock is held, then says how to install the
system components by hand (instead of apt's bare message)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scripts_test_waits_for_the_dpkg_lock_then_says_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "grep", "mktemp", "cat", "rm", "env", "dirname", "id"):
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    calls = tmp_path / "calls"
    (bin_dir / "apt-get").write_text(
        "#!/bin/bash\n"
        f'echo "$@" >> {calls}\n'
        'echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42" >&2\n'
        "exit 100\n"
    )
    (bin_dir / "sudo").write_text('#!/bin/bash\nexec "$@"\n')
    (bin_dir / "sleep").write_text("#!/bin/bash\nexit 0\n")  # no real waiting in the test
    for name in ("apt-get", "sudo", "sleep"):
        (bin_dir / name).chmod(0o755)
    env = {"PATH": str(bin_dir), "SOLVENT_APT_WAIT": "30", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(bin_dir / "bash"), str(ROOT / "scripts" / "test")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "holds the dpkg lock; waiting (0s of 30s)" in done.stderr
    assert "waiting (20s of 30s)" in done.stderr
    assert "stayed busy (its lock was held) for 30s" in done.stderr
    assert "Install them by hand" in done.stderr
    assert "apt-get install --no-install-recommends chromium redis-server" in done.stderr
    assert len(calls.read_text().splitlines()) == 4  # tried at 0, 10, 20 and 30 s
