"""A throwaway PostgreSQL + PostGIS cluster for the benches that compare with PostGIS
(bench/compare_postgis.py, bench/stats_vs_postgis.py): started by tests/pg/cluster with
its socket in the work directory (no TCP), given the settings of a machine of this size,
stopped at the end.
"""
import os
import re
import subprocess
import sys

CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "pg", "cluster")


def run(cmd, **kw):
    """Runs cmd; its failure ends the bench with the command and its stderr."""
    r = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd[:6])} ...\n{r.stderr.strip()}")
    return r


class Postgis:
    def __init__(self, work, port, *settings):
        self.sock = os.path.join(work, "pg")
        self.port = port
        os.chmod(work, 0o755)  # the server's user (postgres, when run as root) goes through it
        ncpu = os.cpu_count() or 2
        run([CLUSTER, "start", self.sock, port, "shared_buffers = 2GB", "work_mem = 256MB",
             "maintenance_work_mem = 1GB", f"max_parallel_workers_per_gather = {ncpu}",
             f"max_worker_processes = {ncpu + 4}", f"max_parallel_workers = {ncpu}",
             "synchronous_commit = off", *settings])

    def stop(self):
        subprocess.run([CLUSTER, "stop", self.sock], capture_output=True)

    def psql_cmd(self):
        return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.sock, "-p", self.port,
                "-U", "postgres", "-d", "postgres", "-At"]

    def psql(self, script):
        return run(self.psql_cmd(), input=script).stdout

    def sql(self, statement):
        return self.psql(statement + ";\n")

    def timed(self, statement, repeat=3):
        """Best wall time (s) of `repeat` runs, measured by the server (\\timing)."""
        out = self.psql("\\timing on\n" + (statement + ";\n") * repeat)
        times = [float(m) / 1000 for m in re.findall(r"Time: ([0-9.]+) ms", out)]
        rows = [l for l in out.splitlines() if l and not l.startswith("Time:")]
        return min(times), rows[-1] if rows else ""

    def explain(self, statement):
        return self.psql("EXPLAIN " + statement + ";\n")
