"""nginx — run a real nginx (Debian's nginx-light) with one of the
fixtures/nginx/*.conf.in configurations, for audit tests. TEST ONLY, stdlib only.

    from nginx import Nginx
    with Nginx("good") as ng:                      # fixtures/nginx/good.conf.in
        st, hdrs, body = ng.request("http", "a.test", "/")
        assert st == 301 and ng.header(hdrs, "Location") == "https://a.test/"
        args = ng.connect_to_args()                # for the detour CLI
        ng.access_log()                            # what reached the server

Each Nginx is one process (`master_process off`), started as
`nginx -p TMPDIR -c TMPDIR/nginx.conf -e TMPDIR/error.log
 -g 'daemon off; master_process off; pid ...; error_log ...;'`
on 127.0.0.1 with two free ports (http, https) picked by binding port 0.
Everything nginx writes (logs, pid, temp paths, document root, a copy of the
test certificate and key) lives in TMPDIR, so it runs as any user. The
process dies with the test: it is stopped on exit from the `with`, by an
atexit hook, and (Linux) by PR_SET_PDEATHSIG if the test process is killed.

The configurations use names a.test and www.a.test, covered by the test CA's
server certificate (scripts/make-test-ca.sh: a.test, *.a.test). Redirects in
them carry no port (port_in_redirect off, as on a real :80/:443 server), so a
client maps a.test:80/443 and www.a.test:80/443 to the test ports:
request() here, connect_to_args() for detour.
"""

import atexit
import ctypes
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import cert_dir, source_dir  # noqa: E402

__all__ = ["Nginx", "NginxError", "nginx_bin", "config_names", "conf_dir", "NAMES"]

NAMES = ("a.test", "www.a.test")
START_TIMEOUT = 10.0
_live = set()


class NginxError(Exception):
    pass


def nginx_bin():
    """The nginx binary, or None. PATH may lack /usr/sbin for non-root users."""
    found = shutil.which("nginx")
    if found:
        return found
    for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if os.access(p, os.X_OK):
            return p
    return None


def conf_dir():
    return os.path.join(source_dir(), "fixtures", "nginx")


def config_names():
    """Names of the fixture configurations ("good", "www-first", ...)."""
    return sorted(f[:-len(".conf.in")] for f in os.listdir(conf_dir())
                  if f.endswith(".conf.in"))


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _die_with_parent():
    """preexec_fn: SIGKILL nginx if the test process dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Nginx:
    """One nginx process serving fixtures/nginx/NAME.conf.in (or TEMPLATE,
    a path, with SUBST's extra @PLACEHOLDER@ values)."""

    def __init__(self, name, docroot=None, template=None, subst=None):
        self.name = name
        self.template = template or os.path.join(conf_dir(), name + ".conf.in")
        self.extra = dict(subst or {})
        if not os.path.isfile(self.template):
            raise NginxError(f"no configuration {self.template}")
        # path -> content of the files under TMPDIR/www
        self.docroot = docroot if docroot is not None else {
            "index.html": "home\n",
            "contact/index.html": "contact form\n",
        }
        self.proc = None
        self.dir = None
        self.http_port = self.https_port = None

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        binary = nginx_bin()
        if not binary:
            raise NginxError("nginx is not installed (scripts/setup.sh installs nginx-light)")
        self.dir = tempfile.mkdtemp(prefix="detour-nginx-")
        try:
            self._prepare()
            last = ""
            for _attempt in range(5):  # a picked port can be taken meanwhile
                self.http_port, self.https_port = _free_port(), _free_port()
                if self.http_port == self.https_port:
                    continue
                self._write_conf()
                ok, last = self._spawn(binary)
                if ok:
                    _live.add(self)
                    return self
                if "Address already in use" not in last:
                    break
            raise NginxError(f"nginx ({self.name}) did not start: {last.strip()[-2000:]}")
        except BaseException:
            self._kill()
            self._cleanup()
            raise

    def _prepare(self):
        www = os.path.join(self.dir, "www")
        for rel, content in self.docroot.items():
            path = os.path.join(www, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(content)
        os.makedirs(www, exist_ok=True)
        # Copies owned by whoever runs the test (the build's key is 0600).
        for src, dst in (("server.crt", "cert.pem"), ("server.key", "key.pem")):
            s = os.path.join(cert_dir(), src)
            if not os.path.isfile(s):
                raise NginxError(f"{s} missing: build the tests first (test CA)")
            shutil.copyfile(s, os.path.join(self.dir, dst))
        os.chmod(os.path.join(self.dir, "key.pem"), 0o600)

    def _write_conf(self):
        with open(self.template) as f:
            text = f.read()
        subst = {
            "@HTTP_PORT@": str(self.http_port),
            "@HTTPS_PORT@": str(self.https_port),
            "@CERT@": os.path.join(self.dir, "cert.pem"),
            "@KEY@": os.path.join(self.dir, "key.pem"),
            "@TMPDIR@": self.dir,
            "@CA@": os.path.join(cert_dir(), "ca.crt"),
        }
        subst.update(self.extra)
        for k, v in subst.items():
            text = text.replace(k, v)
        # (a lone @ is nginx's own, e.g. "DEFAULT:@SECLEVEL=0")
        if re.search(r"@[A-Z_]+@", "".join(line.split("#", 1)[0]
                                           for line in text.splitlines())):
            raise NginxError(f"{self.template}: unknown placeholder left")
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(text)
        for f in ("error.log", "access.log"):
            open(os.path.join(self.dir, f), "w").close()

    def _spawn(self, binary):
        d = self.dir
        glob = (f"daemon off; master_process off; pid {d}/nginx.pid; "
                f"error_log {d}/error.log notice;")
        self.proc = subprocess.Popen(
            [binary, "-p", d + "/", "-c", self.conf, "-e", f"{d}/error.log", "-g", glob],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=_die_with_parent)
        end = time.monotonic() + START_TIMEOUT
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode("utf-8", "replace")
                self.proc.stderr.close()
                self.proc = None
                return False, err + self.error_log()
            if self._accepts(self.http_port) and self._accepts(self.https_port):
                return True, ""
            time.sleep(0.02)
        self._kill()
        return False, "timed out waiting for the ports\n" + self.error_log()

    @staticmethod
    def _accepts(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    def _kill(self):
        p, self.proc = self.proc, None
        if not p:
            return None
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)  # nginx: fast shutdown
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p.stderr:
            p.stderr.close()
        return p.returncode

    def stop(self):
        """Stops nginx; raises NginxError if its log shows [warn] or worse (a
        configuration nginx only half accepts is a broken fixture)."""
        _live.discard(self)
        if self.proc is None and self.dir is None:
            return
        self._kill()
        log = self.error_log()
        self._cleanup()
        bad = [ln for ln in log.splitlines()
               if any(t in ln for t in ("[emerg]", "[alert]", "[crit]", "[warn]"))]
        if bad:
            raise NginxError(f"nginx ({self.name}): " + "\n".join(bad[:10]))

    def _cleanup(self):
        if self.dir and not os.environ.get("DETOUR_KEEP_FIXTURE"):
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        try:
            self.stop()
        except NginxError:
            if et is None:
                raise
        return False

    # -- what the server saw -------------------------------------------------
    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    BARRIER = "/__log_barrier__"

    def _read_access_log(self):
        out = []
        try:
            with open(os.path.join(self.dir, "access.log")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 5:
                        out.append((parts[0], parts[1], parts[2], parts[3], int(parts[4])))
        except FileNotFoundError:
            pass
        return out

    def access_log(self, timeout=10):
        """[(scheme, host, method, uri, status:int), ...] in order (log_format wire).

        nginx writes a request's line in its log phase, after the response is
        on the wire, so a client can see the response before the line exists
        (CI caught exactly that). A barrier makes the read exact: nginx runs
        one single-threaded process here, so once it has logged a request
        sent after every earlier response arrived, it has logged those too.
        The barrier's own lines are left out."""
        def barriers(lines):
            return sum(1 for e in lines if e[3] == self.BARRIER)
        # Earlier barriers are all logged: each call waited for its own.
        want = barriers(self._read_access_log()) + 1
        self.request("http", "barrier.test", self.BARRIER, timeout=timeout)
        deadline = time.monotonic() + timeout
        while True:
            lines = self._read_access_log()
            if barriers(lines) >= want:
                return [e for e in lines if e[3] != self.BARRIER]
            if time.monotonic() > deadline:
                raise NginxError("access log: the barrier request was never logged")
            time.sleep(0.01)

    # -- talking to it -------------------------------------------------------
    def port_for(self, scheme):
        return self.https_port if scheme == "https" else self.http_port

    def connect_to_args(self, names=NAMES):
        """detour/curl --connect-to for NAME:80 and NAME:443 -> the test ports."""
        args = []
        for n in names:
            args += ["--connect-to", f"{n}:80:127.0.0.1:{self.http_port}",
                     "--connect-to", f"{n}:443:127.0.0.1:{self.https_port}"]
        return args

    def ssl_context(self):
        ctx = ssl.create_default_context(cafile=os.path.join(cert_dir(), "ca.crt"))
        return ctx

    def request(self, scheme, host, path="/", method="GET", body=None, headers=None,
                timeout=10):
        """One request, no redirect following, as if HOST resolved to this nginx
        on the default port (SNI and Host are HOST; the certificate is verified
        against the test CA). Returns (status, [(name, value), ...], body bytes)."""
        port = self.port_for(scheme)
        if scheme == "https":
            ctx = self.ssl_context()

            class Conn(http.client.HTTPSConnection):
                def connect(self_inner):
                    sock = socket.create_connection(("127.0.0.1", port), timeout)
                    self_inner.sock = ctx.wrap_socket(sock, server_hostname=host)

            conn = Conn(host, port, context=ctx, timeout=timeout)
        else:
            class Conn(http.client.HTTPConnection):
                def connect(self_inner):
                    self_inner.sock = socket.create_connection(("127.0.0.1", port), timeout)

            conn = Conn(host, port, timeout=timeout)
        hdrs = {"Host": host, "User-Agent": "detour-tests"}
        hdrs.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, list(resp.getheaders()), data
        finally:
            conn.close()

    @staticmethod
    def header(headers, name):
        """The single value of NAME, None if absent; NginxError if repeated."""
        vals = Nginx.headers(headers, name)
        if len(vals) > 1:
            raise NginxError(f"{name} repeated: {vals}")
        return vals[0] if vals else None

    @staticmethod
    def headers(headers, name):
        name = name.lower()
        return [v for n, v in headers if n.lower() == name]


@atexit.register
def _stop_all():
    for ng in list(_live):
        try:
            ng.stop()
        except NginxError:
            pass


if __name__ == "__main__":  # python3 nginx.py NAME: serve until Enter
    with Nginx(sys.argv[1] if len(sys.argv) > 1 else "good") as ng:
        print(f"http 127.0.0.1:{ng.http_port}  https 127.0.0.1:{ng.https_port}  dir {ng.dir}")
        print(" ".join(ng.connect_to_args()))
        try:
            input()
        except EOFError:
            pass
