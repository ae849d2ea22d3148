"""dtfixture — start detour's fixture server from Python tests (stdlib only).

TEST ONLY. Usage:

    from dtfixture import Fixture, run_detour, resolve_args, ca_file
    SCEN = '''
    route GET /a
      status 302
      header Location: /b
    route GET /b
      body done
    '''
    with Fixture(SCEN) as fx:
        rc, out, err, js = run_detour(["fetch", "--json", "--cacert", ca_file(),
                                       *resolve_args({"a.test": fx.http}),
                                       f"http://a.test:{fx.http}/a"])
        reqs = fx.requests()             # parsed log, request lines only
        assert [r["path"] for r in reqs] == ["/a", "/b"]
        assert fx.connections("https") == 0

The scenario and log formats are documented in tests/fixture/README.md.
Log strings carry one code point per wire byte: raw(s) gives the bytes back.
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

__all__ = ["Fixture", "FixtureError", "build_dir", "source_dir", "fixture_bin",
           "detour_bin", "ca_file", "cert_dir", "resolve_args", "connect_to_args", "run_detour",
           "raw"]


class FixtureError(Exception):
    pass


def source_dir():
    return os.environ.get("DETOUR_SOURCE_DIR") or os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", ".."))


def build_dir():
    d = os.environ.get("DETOUR_BUILD_DIR")
    if d:
        return d
    return os.path.join(source_dir(), "build")


def fixture_bin():
    return os.path.join(build_dir(), "tests", "fixture", "detour-fixture")


def detour_bin():
    return os.path.join(build_dir(), "detour")


def cert_dir():
    return os.path.join(build_dir(), "test-ca")


def ca_file():
    """The TEST CA certificate (trust it with --cacert)."""
    return os.path.join(cert_dir(), "ca.crt")


def raw(s):
    """Wire bytes of a log string (the log maps each byte to one code point)."""
    return s.encode("latin-1")


def resolve_args(mapping, addr="127.0.0.1"):
    """{"a.test": port, ...} or [(name, port), ...] -> ["--resolve", "a.test:PORT:127.0.0.1", ...]."""
    items = mapping.items() if isinstance(mapping, dict) else mapping
    args = []
    for name, port in items:
        args += ["--resolve", f"{name}:{port}:{addr}"]
    return args


def connect_to_args(rows, addr="127.0.0.1"):
    """[(name, url_port, fixture_port), ...] -> ["--connect-to", "a.test:443:127.0.0.1:PORT", ...].
    For URLs with default ports (http://a.test/, https://a.test/ after an HSTS
    upgrade): the URL keeps :80/:443, the connection goes to the fixture."""
    args = []
    for name, url_port, port in rows:
        args += ["--connect-to", f"{name}:{url_port}:{addr}:{port}"]
    return args


def run_detour(args, timeout=60, input=None, env=None):
    """Runs the detour CLI; returns (exit code, stdout str, stderr str, json or None).
    The JSON is parsed from stdout when --json is among ARGS (None if it does not parse)."""
    cmd = [detour_bin()] + list(args)
    p = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    js = None
    if "--json" in args:
        try:
            js = json.loads(out)
        except ValueError:
            js = None
    return p.returncode, out, err, js


_SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class Fixture:
    """One detour-fixture process. SCENARIO: scenario text (str or bytes), a list
    of lines, or a path to a file.
    Use as a context manager (or call start()/stop()). stop() raises FixtureError
    if the server exited badly or a sanitizer reported, so every test also
    checks the fixture's own cleanliness."""

    def __init__(self, scenario="", start_timeout=20.0):
        self.scenario = scenario
        self.start_timeout = start_timeout
        self.proc = None
        self.dir = None
        self.ports = {}
        self.info = None

    # -- lifecycle ---------------------------------------------------------
    def start(self):
        self.dir = tempfile.mkdtemp(prefix="detour-fixture-")
        self.scenario_path = os.path.join(self.dir, "scenario.txt")
        self.log_path = os.path.join(self.dir, "requests.jsonl")
        self.stderr_path = os.path.join(self.dir, "stderr.txt")
        text = self.scenario
        if isinstance(text, (list, tuple)):  # a list of lines
            text = "\n".join(text) + "\n"
        if isinstance(text, str) and "\n" not in text and text and os.path.isfile(text):
            with open(text, "rb") as f:
                data = f.read()
        else:
            data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        with open(self.scenario_path, "wb") as f:
            f.write(data)
        open(self.log_path, "wb").close()
        binary = fixture_bin()
        if not os.path.exists(binary):
            raise FixtureError(f"{binary} not built")
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "--scenario", self.scenario_path, "--log", self.log_path,
             "--certs", cert_dir()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr)
        line = self._read_line(self.start_timeout)
        if not line:
            p, self.proc = self.proc, None
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            p.stdin.close()
            p.stdout.close()
            self._stderr.close()
            msg = self._read_stderr()
            self._cleanup()
            raise FixtureError(f"fixture did not start: {msg.strip()}")
        self.info = json.loads(line)
        self.ports = dict(self.info["listeners"])
        return self

    def _read_line(self, timeout):
        fd = self.proc.stdout.fileno()
        buf = b""
        end = time.monotonic() + timeout
        while b"\n" not in buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            buf += chunk
        return buf.split(b"\n", 1)[0].decode()

    def stop(self):
        """Closes stdin (the server's cue to exit), waits, and checks it exited cleanly."""
        if not self.proc:
            return
        p, self.proc = self.proc, None
        try:
            p.stdin.close()
        except OSError:
            pass
        try:
            rc = p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.terminate()
            try:
                rc = p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
            rc = rc if rc else -1
        p.stdout.close()
        self._stderr.close()
        err = self._read_stderr()
        self._cleanup()
        if rc != 0 or any(m in err for m in _SANITIZER_MARKS):
            raise FixtureError(f"fixture exited with {rc}: {err.strip()[:4000]}")

    def _read_stderr(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _cleanup(self):
        if self.dir and not os.environ.get("DETOUR_KEEP_FIXTURE"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        try:
            self.stop()
        except FixtureError:
            if et is None:
                raise
        return False

    # -- ports -------------------------------------------------------------
    @property
    def http(self):
        return self.ports["http"]

    @property
    def https(self):
        return self.ports["https"]

    def port(self, name):
        return self.ports[name]

    def resolve_args(self, names, listener="http"):
        """--resolve NAME:PORT:127.0.0.1 for each name, PORT of LISTENER."""
        return resolve_args([(n, self.ports[listener]) for n in names])

    def connect_to_args(self, names, http="http", https="https"):
        """For each name: NAME:80 -> listener HTTP and NAME:443 -> listener HTTPS."""
        rows = []
        for n in names:
            rows += [(n, 80, self.ports[http]), (n, 443, self.ports[https])]
        return connect_to_args(rows)

    # -- log ---------------------------------------------------------------
    def events(self):
        """Every log line, parsed, in order."""
        out = []
        with open(self.log_path, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break  # a line still being written (long lines flush in parts)
                if line.strip():
                    out.append(json.loads(line))
        return out

    def requests(self, listener=None):
        return [e for e in self.events() if e.get("event") == "request"
                and (listener is None or e["listener"] == listener)]

    def connections(self, listener=None):
        """Number of accepted connections (on LISTENER, or on all)."""
        return sum(1 for e in self.events() if e.get("event") == "accept"
                   and (listener is None or e["listener"] == listener))

    def wait_for(self, pred, timeout=5.0):
        """Polls the log until PRED(events) is true; returns the events."""
        end = time.monotonic() + timeout
        while True:
            ev = self.events()
            if pred(ev) or time.monotonic() > end:
                return ev
            time.sleep(0.02)


def certs_with_other(dst, names, cn=None):
    """Copies the test CA dir to DST and re-makes its `other` certificate
    for NAMES, signed by the same TEST CA (a listener declared with cert
    `other` serves it). Pass dst to the fixture by setting cert_dir."""
    shutil.copytree(cert_dir(), dst)
    san = ",".join("DNS:" + n for n in names)
    ext = os.path.join(dst, "names.ext")
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                f"subjectAltName={san}\n")
    key, csr, crt = (os.path.join(dst, n) for n in ("other.key", "names.csr", "other.crt"))
    def run(*a):
        subprocess.run(a, check=True, capture_output=True)
    run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-out", key)
    run("openssl", "req", "-new", "-key", key, "-subj", f"/O=detour tests/CN={cn or names[0]}",
        "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(dst, "ca.crt"),
        "-CAkey", os.path.join(dst, "ca.key"), "-CAcreateserial", "-days", "3650",
        "-sha256", "-extfile", ext, "-out", crt)


_version_line = None


def detour_version():
    """`detour version`'s first line (names the TLS backend)."""
    global _version_line
    if _version_line is None:
        out = subprocess.run([detour_bin(), "version"], capture_output=True,
                             text=True, timeout=30).stdout
        _version_line = out.splitlines()[0] if out else ""
    return _version_line


def detour_has_tls13():
    """Whether this build speaks TLS 1.3: the version line says
    "(TLS 1.2 only)" after a backend that cannot (docs/tls.md)."""
    return "TLS 1.2 only" not in detour_version()


def header_values(req, name):
    """All values of header NAME (case-insensitive) in a logged request, in order."""
    name = name.lower()
    return [v for n, v in req["headers"] if n.lower() == name]


__all__.append("header_values")

if __name__ == "__main__":  # tiny manual check: python3 dtfixture.py [scenario]
    with Fixture(open(sys.argv[1]).read() if len(sys.argv) > 1 else "") as fx:
        print(fx.info)
