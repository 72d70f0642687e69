"""A real Neo4j 5.26 Community server for the tests: jars from Maven Central, a small Java launcher."""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent / "neo4j"
START_TIMEOUT_S = 300


class ServerUnavailable(Exception):
    """Neo4j cannot be started here; the message says why."""


@dataclass
class Neo4jServer:
    """A running server: where it listens and how to log in."""

    uri: str
    user: str
    password: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # the launcher shuts down when its stdin closes
                self.process.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=30)


def missing_tools() -> list[str]:
    return [t for t in ("java", "javac", "mvn") if shutil.which(t) is None]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _classpath(work: Path) -> str:
    version = os.environ.get("KG_NEO4J_VERSION", "5.26.0")
    cp_file = work / f"classpath-{version}.txt"
    cmd = ["mvn", "-q", "-B", "-f", str(HERE / "pom.xml"), f"-Dneo4j.version={version}",
           "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if res.returncode != 0 or not cp_file.exists():
        tail = (res.stdout + res.stderr).strip().splitlines()[-3:]
        raise ServerUnavailable(f"Maven could not resolve org.neo4j:neo4j:{version}: {' | '.join(tail)}")
    return cp_file.read_text().strip()


def start(work: Path) -> Neo4jServer:
    """Resolve the jars (cached in ~/.m2), compile the launcher, start the server, wait until Bolt answers."""
    missing = missing_tools()
    if missing:
        raise ServerUnavailable(f"needs {', '.join(missing)} (a JDK 17+ and Maven) to run Neo4j")
    work.mkdir(parents=True, exist_ok=True)
    classpath = _classpath(work)
    classes = work / "classes"
    res = subprocess.run(["javac", "-d", str(classes), "-cp", classpath, str(HERE / "Neo4jTestServer.java")],
                         capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise ServerUnavailable(f"cannot compile the Neo4j launcher: {res.stderr.strip()[:300]}")
    port, password = _free_port(), secrets.token_urlsafe(16)
    log = open(work / "neo4j.log", "w")
    heap = os.environ.get("KG_NEO4J_HEAP", "1g")
    proc = subprocess.Popen(["java", f"-Xmx{heap}", "-cp", f"{classes}{os.pathsep}{classpath}", "Neo4jTestServer",
                             str(work / "home"), str(port), password],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise ServerUnavailable(f"Neo4j exited with {proc.returncode}; see {work / 'neo4j.log'}")
            continue
        if line.startswith("READY"):
            return Neo4jServer(f"bolt://127.0.0.1:{port}", "neo4j", password, proc)
    proc.kill()
    raise ServerUnavailable(f"Neo4j did not start within {START_TIMEOUT_S} s")
