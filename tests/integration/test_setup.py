"""The README's first command installs only what detour needs to build and
run, enables no service, and speaks one line a step (issue 19 part 1).

- scripts/setup.sh --print lists the quickstart's packages (--test --print
  adds the test command's): no server, browser, fuzzing compiler or test
  tool among the first; nothing in their installed dependencies ships a
  service Debian would enable at boot; and every file a default configure
  finds (libraries, headers, compiler) comes from them.
- setup.sh run with stand-in apt-get, dpkg-query, update-rc.d and systemctl
  in a scratch root: a service the install enabled (nginx-common's postinst
  enables nginx.service and its SysV links) is disabled again, one enabled
  before is left alone, policy-rc.d guards the install and is removed; a
  service that stays enabled fails the run.
- scripts/quickstart.sh with a stand-in cmake: one line a step, the build's
  output in the log and not on the screen, the demo's output last, the
  demo's exit status; a failed step names the log and shows its last lines;
  only the CLI and the library are built; step 1 asks apt for exactly the
  runtime packages.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import unittest

SOURCE = os.environ.get("DETOUR_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SETUP = os.path.join(SOURCE, "scripts", "setup.sh")
QUICKSTART = os.path.join(SOURCE, "scripts", "quickstart.sh")

# Nothing the quickstart installs may be one of these: servers, a browser,
# the fuzzing compiler, tools only the tests and benchmarks run.
NOT_FOR_THE_QUICKSTART = re.compile(
    r"^(nginx.*|apache2.*|lighttpd.*|postgresql.*|mariadb.*|mysql.*|chromium.*|firefox.*"
    r"|clang.*|libclang.*|curl|python3.*|openssl|zstd|git|libidn2-dev|libunistring-dev)$")


def listing(*args):
    p = subprocess.run(["bash", SETUP, *args, "--print"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


def installed_packages():
    """{name: [dependency alternatives]} for every installed package, with
    what each provides mapped to it, and the Essential ones (every Debian
    system has them: gzip, coreutils...)."""
    out = subprocess.run(["dpkg-query", "-W", "-f",
                          "${Package}\t${db:Status-Status}\t${Pre-Depends}, ${Depends}\t"
                          "${Provides}\t${Essential}\n"],
                         capture_output=True, text=True, check=True).stdout
    deps, provides, essential = {}, {}, []
    for line in out.splitlines():
        name, status, dep, prov, ess = line.split("\t")
        if status != "installed":
            continue
        if ess == "yes":
            essential.append(name)
        deps[name] = [[re.split(r"[\s(:]", alt.strip())[0] for alt in group.split("|")]
                      for group in dep.split(",") if group.strip()]
        for p in prov.split(","):
            if p.strip():
                provides.setdefault(re.split(r"[\s(:]", p.strip())[0], []).append(name)
    return deps, provides, essential


def closure(names):
    deps, provides, _ = installed_packages()
    seen, todo = set(), list(names)
    while todo:
        n = todo.pop()
        for real in ([n] if n in deps else provides.get(n, [])):
            if real in seen:
                continue
            seen.add(real)
            for group in deps[real]:
                todo.extend(alt for alt in group if alt in deps or alt in provides)
    return seen


def dpkg_files(pkg):
    for name in (pkg, pkg + ":amd64", pkg + ":all"):
        path = f"/var/lib/dpkg/info/{name}.list"
        if os.path.exists(path):
            with open(path) as f:
                return f.read().split("\n")
    return []


def boot_services(pkg):
    """What Debian's maintainer scripts enable at boot for PKG: systemd units
    with an [Install] section (deb-systemd-helper enable) and init scripts
    whose LSB header starts them in runlevels 2-5 (update-rc.d defaults).
    Scripts of runlevel S only are one-shot boot steps, not services: procps's
    (sysctl at boot), which cmake's dependencies bring, is one."""
    found = []
    for path in dpkg_files(pkg):
        if re.match(r"^(/usr)?/lib/systemd/system/[^/]+\.(service|socket)$", path):
            try:
                with open(path) as f:
                    if re.search(r"^\s*(WantedBy|RequiredBy)=", f.read(), re.M):
                        found.append(path)
            except OSError:
                pass
        elif re.match(r"^/etc/init\.d/[^/]+$", path):
            try:
                with open(path, errors="replace") as f:
                    m = re.search(r"^#\s*Default-Start:(.*)$", f.read(), re.M)
                if m and set(m.group(1).split()) & {"2", "3", "4", "5"}:
                    found.append(path)
            except OSError:
                pass
    return found


def owner(path):
    """The package that installed PATH (with merged /usr, a file may be
    registered under /lib or /usr/lib)."""
    cands = [path, os.path.realpath(path)]
    for c in list(cands):
        if c.startswith("/usr/lib/") or c.startswith("/usr/bin/") or c.startswith("/usr/sbin/"):
            cands.append(c[4:])
    for c in cands:
        p = subprocess.run(["dpkg", "-S", c], capture_output=True, text=True)
        if p.returncode == 0:
            return p.stdout.split(":")[0].split(",")[0].strip()
    return None


def read(path):
    with open(path) as f:
        return f.read()


def write_stub(bindir, name, body):
    path = os.path.join(bindir, name)
    with open(path, "w") as f:
        f.write("#!/usr/bin/env bash\n" + textwrap.dedent(body))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


class Listing(unittest.TestCase):
    def test_runtime_set_has_no_server_or_test_package(self):
        runtime, full = listing(), listing("--test")
        self.assertEqual(full[:len(runtime)], runtime)
        bad = [p for p in runtime if NOT_FOR_THE_QUICKSTART.match(p)]
        self.assertEqual(bad, [], "the quickstart would install these")
        test_only = set(full) - set(runtime)
        # the test command still gets them, and the browser the HTML tests use
        for p in ("nginx-light", "chromium", "clang", "curl", "python3", "openssl",
                  "libidn2-dev", "clang-format"):
            self.assertIn(p, test_only)
        for p in ("cmake", "build-essential", "libuv1-dev", "libicu-dev", "libssl-dev"):
            self.assertIn(p, runtime)

    def test_bad_argument_is_a_usage_error(self):
        p = subprocess.run(["bash", SETUP, "--tset"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("usage: scripts/setup.sh", p.stderr)

    def test_runtime_dependencies_enable_no_service(self):
        """Not one package the quickstart brings in (with everything it
        depends on, as installed here) ships a service Debian enables."""
        runtime = listing()
        deps, _, _ = installed_packages()
        missing = [p for p in runtime if p not in deps]
        self.assertEqual(missing, [], "run scripts/setup.sh first")
        found = {p: s for p in sorted(closure(runtime)) if (s := boot_services(p))}
        self.assertEqual(found, {})

    @unittest.skipUnless(os.path.exists("/var/lib/dpkg/info/nginx-common.list"),
                         "nginx-common not installed (scripts/setup.sh --test installs it)")
    def test_the_service_check_sees_nginx(self):
        """The check above is not blind: nginx-light, a test package, brings
        nginx-common and its boot service."""
        found = {p: s for p in closure(["nginx-light"]) if (s := boot_services(p))}
        self.assertIn("nginx-common", found)
        self.assertIn("/lib/systemd/system/nginx.service", found["nginx-common"])

    def test_configure_finds_only_runtime_packages(self):
        """A default configure (tests off, as the quickstart's) takes every
        library, header and tool from the runtime set's packages (or from
        Debian's Essential ones, on every system)."""
        runtime = closure(listing() + installed_packages()[2])
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run(["cmake", "-S", SOURCE, "-B", tmp, "-DDETOUR_BUILD_TESTS=OFF",
                                "-DDETOUR_BUILD_BENCH=OFF"], capture_output=True, text=True,
                               timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(os.path.join(tmp, "CMakeCache.txt")) as f:
                cache = dict(re.findall(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", f.read(), re.M))
        paths = {k: v for k, v in cache.items()
                 if k.startswith("pkgcfg_lib_") or k in (
                     "MBEDTLS_LIBRARY", "MBEDX509_LIBRARY", "MBEDCRYPTO_LIBRARY",
                     "OPENSSL_SSL_LIBRARY", "OPENSSL_CRYPTO_LIBRARY", "CMAKE_C_COMPILER",
                     "PKG_CONFIG_EXECUTABLE", "DETOUR_GZIP", "DETOUR_OBJCOPY")}
        paths["MBEDTLS_INCLUDE_DIR"] = os.path.join(cache["MBEDTLS_INCLUDE_DIR"], "mbedtls/ssl.h")
        paths["OPENSSL_INCLUDE_DIR"] = os.path.join(cache["OPENSSL_INCLUDE_DIR"], "openssl/ssl.h")
        paths["LLHTTP_INCLUDE_DIR"] = os.path.join(cache["LLHTTP_INCLUDE_DIR"], "llhttp.h")
        paths["LLHTTP_SOURCE_DIR"] = os.path.join(cache["LLHTTP_SOURCE_DIR"], "llhttp.c")
        self.assertIn("pkgcfg_lib_IDNA_icuuc", paths)  # the default IDNA backend: ICU
        self.assertGreaterEqual(len([k for k in paths if k.startswith("pkgcfg_lib_")]), 7)
        outside = {}
        for key, path in sorted(paths.items()):
            pkg = owner(path)
            if pkg is None or pkg not in runtime:
                outside[key] = (path, pkg)
        self.assertEqual(outside, {}, "found outside the quickstart's packages")


class Services(unittest.TestCase):
    """setup.sh's install path, with stand-ins for Debian's tools acting on
    a scratch root (DETOUR_SETUP_ROOT)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.bin = os.path.join(self.root, "stub-bin")
        for d in ("stub-bin", "usr/sbin", "etc/init.d", "lib/systemd/system",
                  "etc/systemd/system/multi-user.target.wants",
                  *[f"etc/rc{r}.d" for r in "0123456S"]):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        self.log = os.path.join(self.root, "calls.log")
        # a service the machine's owner enabled before: left alone
        self.link("etc/systemd/system/multi-user.target.wants/userdb.service",
                  "/lib/systemd/system/userdb.service")
        for r in "2345":
            self.link(f"etc/rc{r}.d/S01userdb", "../init.d/userdb")
        write_stub(self.bin, "id", 'echo 0\n')  # as root: no sudo
        write_stub(self.bin, "dpkg-query", '''\
            pkg=${@: -1}
            for m in $STUB_MISSING; do [ "$m" = "$pkg" ] && exit 1; done
            printf 'install ok installed'
        ''')
        # apt-get install of nginx-light does what nginx-common's postinst
        # does: deb-systemd-helper enable nginx.service, update-rc.d nginx
        # defaults; and it checks policy-rc.d is in place. The stand-in
        # update-rc.d turns S links into K links (the real one also disables
        # the unit of the same name); systemctl removes a unit's links.
        write_stub(self.bin, "apt-get", '''\
            echo "apt-get $*" >>"$STUB_LOG"
            [ "$1" = update ] && exit 0
            [ -x "$DETOUR_SETUP_ROOT/usr/sbin/policy-rc.d" ] && ! "$DETOUR_SETUP_ROOT/usr/sbin/policy-rc.d" \
              && echo "guard: policy-rc.d refuses starts" >>"$STUB_LOG"
            for p in "$@"; do
              if [ "$p" = nginx-light ]; then
                ln -s /lib/systemd/system/nginx.service \
                  "$DETOUR_SETUP_ROOT/etc/systemd/system/multi-user.target.wants/nginx.service"
                for r in 2 3 4 5; do ln -s ../init.d/nginx "$DETOUR_SETUP_ROOT/etc/rc$r.d/S01nginx"; done
                for r in 0 1 6; do ln -s ../init.d/nginx "$DETOUR_SETUP_ROOT/etc/rc$r.d/K01nginx"; done
              fi
            done
            exit ${STUB_APT_RC:-0}
        ''')
        write_stub(self.bin, "systemctl", '''\
            echo "systemctl $*" >>"$STUB_LOG"
            [ -n "$STUB_SYSTEMCTL_BROKEN" ] && exit 0
            [ "$1" = "--root=$DETOUR_SETUP_ROOT" ] && [ "$3" = disable ] \
              && rm -f "$DETOUR_SETUP_ROOT"/etc/systemd/system/*.wants/"$4"
            exit 0
        ''')
        write_stub(self.bin, "update-rc.d", '''\
            echo "update-rc.d $*" >>"$STUB_LOG"
            [ "$2" = disable ] || exit 0
            for l in "$DETOUR_SETUP_ROOT"/etc/rc[2345].d/S[0-9][0-9]"$1"; do
              [ -L "$l" ] && mv "$l" "$(dirname "$l")/K01$1"
            done
            exit 0
        ''')

    def tearDown(self):
        self.tmp.cleanup()

    def link(self, rel, target):
        os.symlink(target, os.path.join(self.root, rel))

    def run_setup(self, *args, missing="", **extra):
        env = dict(os.environ, PATH=self.bin + ":" + os.environ["PATH"],
                   DETOUR_SETUP_ROOT=self.root, STUB_LOG=self.log, STUB_MISSING=missing, **extra)
        p = subprocess.run(["bash", SETUP, *args], capture_output=True, text=True, env=env,
                           timeout=60)
        calls = read(self.log) if os.path.exists(self.log) else ""
        return p, calls

    def enabled(self):
        wants = os.listdir(os.path.join(self.root, "etc/systemd/system/multi-user.target.wants"))
        sysv = sorted({re.sub(r"^S\d+", "", f) for r in "2345"
                       for f in os.listdir(os.path.join(self.root, f"etc/rc{r}.d"))
                       if f.startswith("S")})
        return sorted(wants), sysv

    def test_nothing_missing_calls_no_apt(self):
        p, calls = self.run_setup("--test")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"setup: all \d+ packages present")
        self.assertEqual(calls, "")

    def test_test_install_leaves_nginx_disabled(self):
        p, calls = self.run_setup("--test", missing="nginx-light chromium")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("apt-get install -y -qq --no-install-recommends nginx-light chromium",
                      calls)
        self.assertIn("guard: policy-rc.d refuses starts", calls)
        self.assertFalse(os.path.exists(os.path.join(self.root, "usr/sbin/policy-rc.d")))
        self.assertIn(f"systemctl --root={self.root} --quiet disable nginx.service", calls)
        self.assertIn("update-rc.d nginx disable", calls)
        self.assertEqual(self.enabled(), (["userdb.service"], ["userdb"]))
        self.assertIn("setup: disabled again what the install enabled at boot: ", p.stdout)
        self.assertIn("nginx", p.stdout.split("at boot: ")[1])
        # stopped in every runlevel: K links only
        self.assertTrue(os.path.islink(os.path.join(self.root, "etc/rc2.d/K01nginx")))

    def test_a_service_left_enabled_fails_the_setup(self):
        p, calls = self.run_setup("--test", missing="nginx-light", STUB_SYSTEMCTL_BROKEN="1")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("still enabled after the install: systemd nginx.service", p.stderr)

    def test_quickstart_set_asks_apt_for_no_test_package(self):
        runtime = listing()
        p, calls = self.run_setup(missing=" ".join(runtime + ["nginx-light"]))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        installed = calls.split("--no-install-recommends ")[1].splitlines()[0].split()
        self.assertEqual(installed, runtime)
        self.assertEqual(self.enabled(), (["userdb.service"], ["userdb"]))

    def test_apt_failure_is_the_exit_status(self):
        p, calls = self.run_setup(missing="cmake", STUB_APT_RC="100")
        self.assertEqual(p.returncode, 100)
        self.assertIn("setup: failed (100)", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.root, "usr/sbin/policy-rc.d")))


class Quickstart(unittest.TestCase):
    """scripts/quickstart.sh with a stand-in cmake that fills the log and
    leaves a stand-in detour behind."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.bin = os.path.join(self.tmp.name, "stub-bin")
        self.build = os.path.join(self.tmp.name, "b")
        self.calls = os.path.join(self.tmp.name, "cmake.calls")
        os.makedirs(self.bin)
        write_stub(self.bin, "cmake", '''\
            echo "cmake $*" >>"$STUB_CALLS"
            if [ "$1" = -S ]; then
              for i in $(seq 40); do echo "-- configure chatter $i"; done
              exit 0
            fi
            for i in $(seq 300); do echo "[ $((i / 3))%] Building C object chatter$i.o"; done
            if [ -n "$STUB_BUILD_FAIL" ]; then
              echo "engine/x.c:1:1: error: the compiler's last word" >&2
              exit 2
            fi
            printf '#!/bin/sh\\necho "demo: every expectation held"\\necho "args: $*"\\nexit 7\\n' \
              >"$2/detour"
            chmod +x "$2/detour"
        ''')

    def tearDown(self):
        self.tmp.cleanup()

    def run_qs(self, *args, **extra):
        env = dict(os.environ, PATH=self.bin + ":" + os.environ["PATH"],
                   DETOUR_QUICKSTART_DIR=self.build, DETOUR_QUICKSTART_SKIP_INSTALL="1",
                   STUB_CALLS=self.calls)
        env.update(extra)
        return subprocess.run(["bash", QUICKSTART, *args], capture_output=True, text=True,
                              env=env, timeout=120)

    def test_one_line_a_step_and_the_demo_last(self):
        p = self.run_qs("--flag")
        self.assertEqual(p.returncode, 7, p.stderr)  # the demo's own status
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "[1/3] installing packages… skipped "
                                   "(DETOUR_QUICKSTART_SKIP_INSTALL)")
        self.assertRegex(lines[1], rf"^\[2/3\] building {re.escape(self.build)}/detour… "
                                   r"done \(\d+ s\)$")
        self.assertEqual(lines[2:], ["[3/3] running detour demo", "",
                                     "demo: every expectation held", "args: demo --flag"])
        self.assertEqual(p.stderr, "")
        log = read(os.path.join(self.build, "quickstart.log"))
        self.assertIn("Building C object chatter300.o", log)
        self.assertIn("-- configure chatter 40", log)
        calls = read(self.calls).splitlines()
        configure = [c for c in calls if c.startswith("cmake -S")][0]
        for opt in ("-DDETOUR_BUILD_TESTS=OFF", "-DDETOUR_BUILD_BENCH=OFF", "-DDETOUR_FUZZ=OFF"):
            self.assertIn(opt, configure)
        build = [c for c in calls if c.startswith("cmake --build")][0]
        self.assertEqual(build.split("--target")[1].split(), ["detour_cli", "detour_shared"])

    def test_a_failed_step_names_the_log_and_its_last_lines(self):
        p = self.run_qs(STUB_BUILD_FAIL="1")
        self.assertEqual(p.returncode, 2)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 2, p.stdout)
        self.assertTrue(lines[1].endswith("… failed (exit 2)"), lines[1])
        log = os.path.join(self.build, "quickstart.log")
        self.assertIn(f"quickstart: step 2 failed; the last lines of {log}:", p.stderr)
        self.assertIn("error: the compiler's last word", p.stderr)
        self.assertIn(f"the whole log is {log}", p.stderr)
        self.assertNotIn("chatter1.o", p.stderr)  # the tail, not the whole log
        self.assertLessEqual(len(p.stderr.splitlines()), 25)
        self.assertIn("chatter1.o", read(log))

    def test_step_one_runs_setup_into_the_log(self):
        """Without the skip: setup.sh's own words go to the log, the step's
        line says done; with a stand-in dpkg-query every package is there."""
        write_stub(self.bin, "dpkg-query", "printf 'install ok installed'\n")
        p = self.run_qs(DETOUR_QUICKSTART_SKIP_INSTALL="")
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertRegex(p.stdout.splitlines()[0], r"^\[1/3\] installing packages… done \(\d+ s\)$")
        self.assertNotIn("setup:", p.stdout)
        self.assertRegex(read(os.path.join(self.build, "quickstart.log")),
                         r"setup: all \d+ packages present")


if __name__ == "__main__":
    if shutil.which("dpkg-query") is None:
        sys.exit("test_setup: needs Debian's dpkg (scripts/setup.sh is for Debian 12)")
    unittest.main(verbosity=2)
