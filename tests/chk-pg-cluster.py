#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A throwaway PostgreSQL cluster in a directory of the tests' own (standard library only).

Usage: chk-pg-cluster.py start DIR [--passfile PATH] [--owner-pid PID]
       chk-pg-cluster.py stop DIR

`start` runs initdb in DIR/data and starts the server (Debian's package:
pg_config --bindir, else the newest /usr/lib/postgresql/*/bin, or
$CHK_TEST_PG_BINDIR alone when set) listening on a Unix socket in
DIR/socket only, never on TCP. It prints one line, the libpq conninfo of
the superuser "chroniker" on the database "chroniker", once the server
accepts connections. The role "fleet", owner of the database "fleet", must
give its password (SCRAM-SHA-256), which --passfile writes to PATH as a
PGPASSFILE (mode 0600); "chroniker" is trusted. Everything the server and
the tools say goes to DIR/postgres.log; a failure names its step and ends
with the log's last lines.

initdb refuses to run as root: as root, the server runs as "nobody", who
owns DIR/data and DIR/socket and needs to search DIR (made o+x) and its
parents.

The server outlives `start`, but not its owner (the caller of `start`, or
PID): a watchdog stops it when the owner ends first, so a test that aborts
leaves no server behind. `stop` stops it (pg_ctl stop -m fast, then SIGKILL
to the postmaster alone if it is still there) and waits for the watchdog.

Exit status: 0; 77 (meson's skip) when no initdb is found; 1 on a failure.

As a module (the dashes call for importlib), for the Python tests:

    spec = importlib.util.spec_from_file_location(
        "chk_pg_cluster", os.environ["CHK_TEST_PG_CLUSTER"])
    pg = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pg)
    with pg.start(tmpdir) as cluster:     # pg.NotInstalled: skip
        cluster.conninfo(), cluster.conninfo("fleet", "fleet"), cluster.fleet_password
"""

import argparse
import contextlib
import glob
import os
import pwd
import re
import secrets
import select
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time

SKIP = 77
SUPERUSER = "chroniker"
PASSWORD_ROLE = "fleet"
START_SECONDS = 30
STOP_SECONDS = 30
# Fast and small: nothing here has to survive a crash of the machine.
SETTINGS = ("listen_addresses=", "fsync=off", "synchronous_commit=off", "full_page_writes=off",
            "max_connections=40", "shared_buffers=16MB")
HBA = f"""# chk-pg-cluster.py: the Unix socket only (listen_addresses is empty).
local all {SUPERUSER} trust
local all {PASSWORD_ROLE} scram-sha-256
"""
SUN_PATH_MAX = 107


class ClusterError(Exception):
    """A step failed; the message names it."""


class NotInstalled(ClusterError):
    """No initdb at all: the tests that need a server skip."""


class Cluster:
    """A started cluster: where it listens and the password of the role that needs one."""

    def __init__(self, directory, port, fleet_password, watchdog):
        self.directory = directory
        self.socket_dir = os.path.join(directory, "socket")
        self.port = port
        self.fleet_password = fleet_password
        self.watchdog = watchdog

    def conninfo(self, user=SUPERUSER, dbname=SUPERUSER):
        """A libpq conninfo for @user on @dbname; never with a password."""
        return (f"host={_quote(self.socket_dir)} port={self.port} dbname={_quote(dbname)} "
                f"user={_quote(user)}")

    def stop(self):
        stop(self.directory)
        if self.watchdog is not None:
            self.watchdog.wait(timeout=STOP_SECONDS)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


@contextlib.contextmanager
def _step(name):
    """Turns an OSError into a ClusterError that names the step."""
    try:
        yield
    except OSError as error:
        raise ClusterError(f"{name}: {error}") from None


def _quote(value):
    """@value as a conninfo value."""
    if value and re.fullmatch(r"[^\s'\\=]+", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _passfile_field(value):
    return value.replace("\\", "\\\\").replace(":", "\\:")


def find_bindir():
    """The directory of initdb, pg_ctl and psql; NotInstalled without one."""
    override = os.environ.get("CHK_TEST_PG_BINDIR")
    if override is not None:
        candidates = [override]
    else:
        candidates = []
        try:
            candidates.append(subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                             text=True, timeout=10, check=True).stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass

        def version(path):
            name = os.path.basename(os.path.dirname(path))
            return [int(part) for part in re.findall(r"\d+", name)]

        candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    for bindir in candidates:
        if os.access(os.path.join(bindir, "initdb"), os.X_OK):
            return bindir
    raise NotInstalled("no initdb in " + (", ".join(candidates) or "/usr/lib/postgresql/*/bin"))


def _environment():
    # The caller's PGHOST, PGUSER, PGPASSFILE… must not reach the tools.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _run(step, argv, log, account=None, timeout=START_SECONDS, stdin=None):
    """Runs @argv (as @account, a (uid, gid), if given), its output going to @log."""
    kwargs = {}
    if account is not None:
        kwargs = {"user": account[0], "group": account[1], "extra_groups": []}
    try:
        done = subprocess.run(argv, input=stdin, stdout=log, stderr=subprocess.STDOUT,
                              stdin=None if stdin is not None else subprocess.DEVNULL,
                              cwd=os.path.dirname(log.name), env=_environment(),
                              timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{step}: still running after {timeout} s") from None
    except OSError as error:
        raise ClusterError(f"{step}: {error}") from None
    if done.returncode != 0:
        raise ClusterError(f"{step} failed (exit status {done.returncode})")


def _tail(path, count=20):
    try:
        with open(path, errors="replace") as log:
            lines = log.read().splitlines()[-count:]
    except OSError as error:
        return f"(no log: {error})"
    if not lines:
        return f"{path} is empty"
    return f"last lines of {path}:\n" + "\n".join(lines)


def _server_account():
    """Whom initdb and the server run as: us, or nobody for root."""
    if os.geteuid() != 0:
        return None
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _data_account(data):
    """Whom the cluster in @data runs as: its owner, when root stops it."""
    owner = os.stat(data)
    if os.geteuid() != 0 or owner.st_uid == 0:
        return None
    return owner.st_uid, owner.st_gid


def _free_port():
    # Only names the socket file; a port nobody listens on, so that a TCP
    # listener of ours would be found.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prepare(directory, account):
    """Makes DIR/data and DIR/socket for @account; returns the port."""
    data = os.path.join(directory, "data")
    if os.path.exists(data):
        raise ClusterError(f"prepare: {data} exists: stop and remove the old cluster first")
    port = _free_port()
    socket_file = os.path.join(directory, "socket", f".s.PGSQL.{port}")
    if len(os.fsencode(socket_file)) > SUN_PATH_MAX:
        raise ClusterError(f"prepare: the socket {socket_file} is longer than a socket's "
                           f"{SUN_PATH_MAX} bytes: use a shorter directory")
    for sub in ("data", "socket"):
        os.mkdir(os.path.join(directory, sub), 0o700)
        if account is not None:
            os.chown(os.path.join(directory, sub), *account)
    if account is not None:
        os.chown(os.path.join(directory, "postgres.log"), *account)
        os.chmod(directory, os.stat(directory).st_mode | stat.S_IXOTH)
        path = directory
        while path != "/":
            path = os.path.dirname(path)
            if not os.stat(path).st_mode & stat.S_IXOTH:
                raise ClusterError(f"prepare: {path} cannot be searched by nobody, who runs "
                                   "the server: use a directory below /tmp")
    return port


def _write_passfile(path, cluster):
    line = ":".join([_passfile_field(cluster.socket_dir), str(cluster.port), "*", PASSWORD_ROLE,
                     _passfile_field(cluster.fleet_password)])
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as passfile:
        os.fchmod(fd, 0o600)
        passfile.write(line + "\n")


def _start_server(bindir, directory, log, port, account):
    data = os.path.join(directory, "data")
    _run("initdb", [os.path.join(bindir, "initdb"), "-D", data, "-N", "-A", "trust",
                    "-U", SUPERUSER, "-E", "UTF8", "--locale=C"], log, account)
    # Written in place, so that the file keeps its owner.
    with _step("write pg_hba.conf"), open(os.path.join(data, "pg_hba.conf"), "w") as hba:
        hba.write(HBA)
    options = ["-k", os.path.join(directory, "socket"), "-p", str(port)]
    for setting in SETTINGS:
        options += ["-c", setting]
    _run("pg_ctl start", [os.path.join(bindir, "pg_ctl"), "start", "-D", data, "-l", log.name,
                          "-w", "-t", str(START_SECONDS), "-s", "-o", shlex.join(options)],
         log, account, timeout=START_SECONDS + 5)


def _start_watchdog(directory, owner_pid, log):
    watchdog = subprocess.Popen([sys.executable, os.path.abspath(__file__), "watch", directory,
                                 str(owner_pid)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                cwd="/", start_new_session=True)
    with open(os.path.join(directory, "watchdog.pid"), "w") as pidfile:
        pidfile.write(f"{watchdog.pid}\n")
    return watchdog


def start(directory, passfile=None, owner_pid=None):
    """Starts a cluster in @directory; stops it when @owner_pid (default: us) ends first.

    Returns a Cluster; raises NotInstalled without initdb, ClusterError on a failure.
    """
    directory = os.path.abspath(directory)
    bindir = find_bindir()
    log_path = os.path.join(directory, "postgres.log")
    account = _server_account()
    try:
        with _step("prepare"):
            os.makedirs(directory, mode=0o700, exist_ok=True)
            log = open(log_path, "ab", buffering=0)
        with log:
            with _step("prepare"):
                port = _prepare(directory, account)
            try:
                _start_server(bindir, directory, log, port, account)
                cluster = Cluster(directory, port, secrets.token_hex(16), None)
                sql = (f"SET password_encryption = 'scram-sha-256';\n"
                       f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD "
                       f"'{cluster.fleet_password}';\n"
                       f"CREATE DATABASE {SUPERUSER};\n"
                       f"CREATE DATABASE {PASSWORD_ROLE} OWNER {PASSWORD_ROLE};\n")
                _run("create the roles and databases",
                     [os.path.join(bindir, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                      "-d", cluster.conninfo(dbname="postgres"), "-f", "-"],
                     log, stdin=sql.encode())
                if passfile is not None:
                    with _step("write the passfile"):
                        _write_passfile(passfile, cluster)
                if owner_pid is None:
                    owner_pid = os.getpid()
                if owner_pid > 0:
                    with _step("start the watchdog"):
                        cluster.watchdog = _start_watchdog(directory, owner_pid, log)
            except BaseException:
                stop(directory)
                raise
    except ClusterError as error:
        raise ClusterError(f"{error}\n{_tail(log_path)}") from None
    return cluster


def _process_in(pid, data):
    """Whether @pid is a live process of the cluster in @data (postgres runs in its data dir)."""
    try:
        return os.readlink(f"/proc/{pid}/cwd") == os.path.realpath(data)
    except OSError:
        return False  # gone, a zombie, or not ours


def _wait_gone(pid, data, seconds):
    deadline = time.monotonic() + seconds
    while _process_in(pid, data):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _read_pid(path):
    """The pid on the first line of @path, or None."""
    try:
        with open(path) as pidfile:
            return int(pidfile.readline())
    except (OSError, ValueError):
        return None


def stop(directory, watchdog=True):
    """Stops the cluster in @directory, if it runs; ClusterError if it stays."""
    directory = os.path.abspath(directory)
    data = os.path.join(directory, "data")
    pid = _read_pid(os.path.join(data, "postmaster.pid"))
    if pid is not None and _process_in(pid, data):
        with _step("stop"):
            log = open(os.path.join(directory, "postgres.log"), "ab", buffering=0)
        with log:
            try:
                _run("pg_ctl stop", [os.path.join(find_bindir(), "pg_ctl"), "stop", "-D", data,
                                     "-m", "fast", "-w", "-t", str(STOP_SECONDS), "-s"],
                     log, _data_account(data), timeout=STOP_SECONDS + 5)
            except ClusterError as error:
                log.write(f"chk-pg-cluster.py: {error}\n".encode())
        if not _wait_gone(pid, data, 10):
            os.kill(pid, signal.SIGKILL)
            if not _wait_gone(pid, data, 5):
                raise ClusterError(f"stop: the postmaster {pid} is still there after SIGKILL")
            # What it had no time to remove
            for leftover in glob.glob(os.path.join(directory, "socket", ".s.PGSQL.*")):
                os.unlink(leftover)
    if watchdog:
        _stop_watchdog(directory)


def _stop_watchdog(directory):
    pid = _read_pid(os.path.join(directory, "watchdog.pid"))
    if pid is None:
        return
    deadline = time.monotonic() + 5
    # It ends once the postmaster has.
    while _is_watchdog(pid, directory):
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGTERM)
            break
        time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(directory, "watchdog.pid"))


def _is_watchdog(pid, directory):
    """Whether @pid is the live watchdog of @directory (a zombie has no command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            args = cmdline.read().split(b"\0")
    except OSError:
        return False
    # … watch DIR OWNER, each ended by a NUL
    return args[-4:-2] == [b"watch", os.fsencode(directory)]


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as proc_stat:
            return proc_stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def watch(directory, owner_pid):
    """Until the postmaster or @owner_pid ends; stops the cluster if the owner went first."""
    data = os.path.join(directory, "data")
    postmaster = _read_pid(os.path.join(data, "postmaster.pid"))
    if postmaster is None:
        return
    try:
        fds = [os.pidfd_open(owner_pid), os.pidfd_open(postmaster)]
    except ProcessLookupError:
        fds = []
    except OSError:
        # No pidfds (Linux < 5.3): look twice a second.
        while _alive(owner_pid) and _process_in(postmaster, data):
            time.sleep(0.5)
        fds = []
    if fds:
        poll = select.poll()
        for fd in fds:
            poll.register(fd, select.POLLIN)
        poll.poll()  # bounded by the owner's life
    if _process_in(postmaster, data):
        stop(directory, watchdog=False)
        if _read_pid(os.path.join(directory, "watchdog.pid")) == os.getpid():
            os.unlink(os.path.join(directory, "watchdog.pid"))


def main(argv):
    parser = argparse.ArgumentParser(prog="chk-pg-cluster.py",
                                     description="A throwaway PostgreSQL cluster for tests.")
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start a cluster, print its conninfo")
    start_parser.add_argument("directory")
    start_parser.add_argument("--passfile", help="write the PGPASSFILE of the role fleet")
    start_parser.add_argument("--owner-pid", type=int, default=os.getppid(),
                              help="stop the cluster when it ends (default: our parent; "
                                   "0: never)")
    stop_parser = commands.add_parser("stop", help="stop the cluster")
    stop_parser.add_argument("directory")
    watch_parser = commands.add_parser("watch")
    watch_parser.add_argument("directory")
    watch_parser.add_argument("owner_pid", type=int)
    args = parser.parse_args(argv)

    try:
        if args.command == "start":
            print(start(args.directory, args.passfile, args.owner_pid).conninfo(), flush=True)
        elif args.command == "stop":
            stop(args.directory)
        else:
            watch(os.path.abspath(args.directory), args.owner_pid)
    except NotInstalled as error:
        print(f"chk-pg-cluster.py: {error}", file=sys.stderr)
        return SKIP
    except (ClusterError, OSError) as error:
        print(f"chk-pg-cluster.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
