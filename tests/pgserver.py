"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary folder, pg_ctl start
on 127.0.0.1 with a free port, stopped (and removed) at the end of the session.

The server refuses to run as root: as root the cluster is made and run as the ``postgres``
user (``runuser``). The server binaries are found with ``pg_config --bindir`` or under
``/usr/lib/postgresql/*/bin`` (the version differs between Debian releases).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def server_bindir() -> Path | None:
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    bindir: Path
    root: Path
    port: int
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://caselib@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run(
            str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", "caselib", name,
        )  # fmt: skip
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast",
             "-w", "stop"],
            capture_output=True, timeout=120,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Server:
    """Start a new cluster; raises RuntimeError when there is no server to start."""
    bindir = server_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found")
    root = Path(tempfile.mkdtemp(prefix="caselib-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    root.chmod(0o700)
    server = Server(bindir, root, _free_port(), as_user)
    server._run(
        str(bindir / "initdb"), "-D", str(server.data), "-U", "caselib", "-A", "trust",
        "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    options = (
        f"-h 127.0.0.1 -p {server.port} -k {root} -c fsync=off -c full_page_writes=off "
        "-c synchronous_commit=off -c max_connections=60"
    )
    server._run(
        str(bindir / "pg_ctl"), "-D", str(server.data), "-o", options,
        "-l", str(root / "log"), "-w", "start",
    )  # fmt: skip
    return server
