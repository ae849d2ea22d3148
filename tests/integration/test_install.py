"""`cmake --install` gives an embedder what the README promises: detour.h,
libdetour.a and libdetour.so exporting the API and nothing else, a pkg-config
file that works from any prefix, and the CLI. Against the installed copy:

- tests/embed/embed_example.c (the docs' example) navigates to the fixture on
  its own libuv loop, linked shared and static;
- tests/embed/embed_api.c checks what an embedder relies on: the loop ends
  right after the last callback, cancel mid-body and before connecting, close
  with navigations in flight, and a 1 GiB body streamed in constant memory;
- cli/ is compiled from the installed header alone (plus llhttp and Mbed TLS
  for `detour demo`'s own loopback site), so the CLI is one embedder among
  others and cannot reach the library's internals;
- what the README says after `cmake --install build --prefix DIR`: DIR/bin/detour
  runs with an empty environment from anywhere (it carries libdetour, so
  there is nothing to find at run time), and an embedder built with
  PKG_CONFIG_PATH=DIR/lib/pkgconfig and an rpath to DIR/lib runs without
  LD_LIBRARY_PATH."""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file  # noqa: E402
from nginx import Nginx, nginx_bin  # noqa: E402

BUILD = os.environ.get("DETOUR_BUILD_DIR", os.getcwd())
SOURCE = os.environ.get("DETOUR_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIG = 1 << 30  # the streamed body: 1 GiB

SCENARIO = f"""
route /small
  body embedded\\n
route /slow
  chunked 1024
  delay-chunk 20
  body-bytes 1000000
route /hang
  never-answer
route /big
  body-bytes {BIG}
"""


def cache_value(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(rf"{name}:[A-Z]+=(.*)", line.strip())
            if m:
                return m.group(1)
    return ""


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.prefix = cls.tmp.name
        subprocess.run(["cmake", "--install", BUILD, "--prefix", cls.prefix], check=True,
                       capture_output=True, timeout=600)
        pcs = [os.path.join(d, f) for d, _, files in os.walk(cls.prefix)
               for f in files if f == "detour.pc"]
        assert len(pcs) == 1, pcs
        cls.pc = pcs[0]
        cls.libdir = os.path.dirname(os.path.dirname(cls.pc))
        cls.env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(cls.pc))
        cls.run_env = dict(os.environ, LD_LIBRARY_PATH=cls.libdir)
        cls.flags = (["-fsanitize=address,undefined"]
                     if cache_value("DETOUR_SANITIZE") == "ON" else [])

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def pkg(self, static):
        args = ["pkg-config", "--cflags", "--libs"] + (["--static"] if static else []) + \
            ["detour", "libuv"]
        flags = subprocess.run(args, env=self.env, check=True, capture_output=True,
                               text=True).stdout.split()
        if static:  # the archive itself, not -ldetour (which would take the .so)
            flags = [os.path.join(self.libdir, "libdetour.a")] + \
                [f for f in flags if f != "-ldetour"]
        return flags

    def build(self, src, mode, extra=()):
        exe = os.path.join(self.prefix, f"{os.path.basename(src)}_{mode}")
        cc = subprocess.run(["cc", "-std=c11", "-D_DEFAULT_SOURCE", *self.flags, *extra, src,
                             "-o", exe, *self.pkg(mode == "static")],
                            capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(cc.returncode, 0, cc.stderr)
        return exe

    def test_layout_and_pkgconfig(self):
        self.assertTrue(os.path.exists(os.path.join(self.prefix, "include", "detour.h")))
        self.assertTrue(os.path.exists(os.path.join(self.prefix, "bin", "detour")))
        self.assertTrue(os.path.exists(os.path.join(self.libdir, "libdetour.a")))
        flags = self.pkg(False)
        # the .pc points inside PREFIX, wherever that is
        self.assertTrue(any(f.startswith("-I" + self.prefix) or
                            f.startswith("-I" + os.path.realpath(self.prefix))
                            for f in flags), flags)

    def test_only_the_api_is_exported(self):
        """libdetour.so's dynamic symbols and libdetour.a's global ones are
        the dt_ API: no dt__ internals, no llhttp_ (an embedder's own llhttp
        must not clash)."""
        so = glob.glob(os.path.join(self.libdir, "libdetour.so*"))
        self.assertTrue(so)
        out = subprocess.run(["nm", "-D", "--defined-only", so[0]], check=True,
                             capture_output=True, text=True).stdout
        syms = [line.split()[-1] for line in out.splitlines() if line.strip()]
        bad = [s for s in syms if not re.match(r"dt_[a-z]", s)]
        self.assertEqual(bad, [])
        self.assertGreater(len(syms), 50)
        out = subprocess.run(["nm", "-g", "--defined-only", os.path.join(self.libdir, "libdetour.a")],
                             check=True, capture_output=True, text=True).stdout
        glob_syms = [line.split()[-1] for line in out.splitlines()
                     if len(line.split()) == 3]
        bad = [s for s in glob_syms if not re.match(r"dt_[a-z]", s)]
        self.assertEqual(bad, [])
        self.assertEqual(sorted(glob_syms), sorted(syms))

    def test_embed_example(self):
        with Fixture(SCENARIO) as fx:
            for mode in ("shared", "static"):
                exe = self.build(os.path.join(SOURCE, "tests", "embed", "embed_example.c"), mode)
                p = subprocess.run([exe, "https://a.test/small", ca_file(),
                                    f"a.test:443:127.0.0.1:{fx.https}"],
                                   capture_output=True, text=True, timeout=60, env=self.run_env)
                self.assertEqual(p.returncode, 0, p.stderr)
                chain = json.loads(p.stdout)
                self.assertEqual(chain["hops"][0]["response"]["status"], 200)
                if mode == "shared":
                    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True,
                                         env=self.run_env).stdout
                    self.assertIn("libdetour.so.0.4", ldd)

    def test_embedder_api(self):
        with Fixture(SCENARIO) as fx:
            for mode in ("shared", "static"):
                exe = self.build(os.path.join(SOURCE, "tests", "embed", "embed_api.c"), mode)
                # the 1 GiB body once: the same code either way
                args = [exe, str(fx.http)] + ([str(BIG)] if mode == "shared" else [])
                p = subprocess.run(args, capture_output=True, text=True, timeout=900,
                                   env=self.run_env)
                sys.stderr.write(p.stdout)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                for check in ("loop_ends_after_last_callback", "cancel_mid_body",
                              "cancel_before_connect", "close_with_navigations_in_flight"):
                    self.assertIn(f"ok {check}", p.stdout)
                if mode == "shared":
                    self.assertIn("ok stream_big_body", p.stdout)
            # the server saw the cancelled /hang requests and a whole /big
            big = [r for r in fx.requests() if r["path"] == "/big"]
            self.assertEqual(len(big), 1)

    @unittest.skipUnless(nginx_bin(), "nginx not installed (scripts/setup.sh installs it)")
    def test_embedder_http2(self):
        """Many navigations to one HTTP/2 origin (a real nginx) share one
        connection; a cancel leaves the others whole; the idle session does
        not hold the loop and serves the next round (tests/embed/embed_h2.c)."""
        with Nginx("http2") as ng:
            for mode in ("shared", "static"):
                exe = self.build(os.path.join(SOURCE, "tests", "embed", "embed_h2.c"), mode)
                p = subprocess.run([exe, str(ng.https_port), ca_file(), "20"],
                                   capture_output=True, text=True, timeout=120,
                                   env=self.run_env)
                sys.stderr.write(p.stdout)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                for check in ("many_navigations_one_connection", "idle_session_reused",
                              "cold_start_one_connection"):
                    self.assertIn(f"ok {check}", p.stdout)
            # nginx answered them all (19 per mode: the canceled one may or
            # may not have reached it)
            served = [e for e in ng.access_log() if e[2] == "GET" and e[4] == 200]
            self.assertGreaterEqual(len(served), 2 * (20 + 19))

    def test_installed_cli_runs_from_the_prefix(self):
        """PREFIX/bin/detour with an empty environment, from another directory:
        `version` and the whole demo."""
        exe = os.path.join(self.prefix, "bin", "detour")
        ldd = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
        self.assertNotIn("libdetour", ldd)  # libdetour.a is inside: nothing to find
        p = subprocess.run(["env", "-i", exe, "version"], capture_output=True, text=True,
                           timeout=60, cwd="/")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("detour " + cache_value("CMAKE_PROJECT_VERSION")),
                        p.stdout)
        p = subprocess.run(["env", "-i", exe, "demo"], capture_output=True, text=True,
                           timeout=120, cwd="/")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"All \d+ expectations held\.")

    def test_embedder_as_the_readme_says(self):
        """PKG_CONFIG_PATH=PREFIX/lib/pkgconfig, pkg-config --cflags --libs
        detour, -Wl,-rpath,PREFIX/lib: the program finds libdetour.so in
        PREFIX with no LD_LIBRARY_PATH."""
        self.assertEqual(cache_value("CMAKE_INSTALL_LIBDIR"), "lib")  # the path the README gives
        pcdir = os.path.join(self.prefix, "lib", "pkgconfig")
        self.assertTrue(os.path.exists(os.path.join(pcdir, "detour.pc")))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PKG_CONFIG", "LD_"))}
        env["PKG_CONFIG_PATH"] = pcdir
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "detour", "libuv"], env=env,
                               check=True, capture_output=True, text=True).stdout.split()
        libdir = os.path.join(self.prefix, "lib")
        exe = os.path.join(self.prefix, "embed_rpath")
        cc = subprocess.run(["cc", "-std=c11", "-D_DEFAULT_SOURCE", *self.flags,
                             os.path.join(SOURCE, "tests", "embed", "embed_example.c"), "-o",
                             exe, *flags, f"-Wl,-rpath,{libdir}"],
                            capture_output=True, text=True, timeout=300, env=env)
        self.assertEqual(cc.returncode, 0, cc.stderr)
        ldd = subprocess.run(["env", "-i", "ldd", exe], capture_output=True, text=True).stdout
        self.assertRegex(ldd, rf"libdetour\.so\.0\.\d+ => {re.escape(libdir)}/libdetour\.so")
        with Fixture(SCENARIO) as fx:
            p = subprocess.run(["env", "-i", exe, "https://a.test/small",
                                os.path.abspath(ca_file()),
                                f"a.test:443:127.0.0.1:{fx.https}"],
                               capture_output=True, text=True, timeout=60, cwd="/")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["hops"][0]["response"]["status"], 200)

    def test_cli_builds_from_the_installed_header(self):
        """cli/*.c with -I PREFIX/include and no other path of the tree."""
        cli = sorted(glob.glob(os.path.join(SOURCE, "cli", "*.c")))
        llhttp_inc = cache_value("LLHTTP_INCLUDE_DIR")
        llhttp_src = cache_value("LLHTTP_SOURCE_DIR")
        llhttp = [os.path.join(llhttp_src, f) for f in ("llhttp.c", "api.c", "http.c")]
        exe = os.path.join(self.prefix, "detour_from_installed_header")
        objs = []
        for src in llhttp:  # the demo site's own llhttp, compiled quietly
            obj = os.path.join(self.prefix, os.path.basename(src) + ".o")
            subprocess.run(["cc", "-c", "-w", *self.flags, f"-I{llhttp_inc}", src, "-o", obj],
                           check=True, timeout=300)
            objs.append(obj)
        cc = subprocess.run(["cc", "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror",
                             *self.flags, f"-I{os.path.join(self.prefix, 'include')}",
                             f"-I{llhttp_inc}", *cli, *objs, "-o", exe, *self.pkg(True),
                             "-lmbedtls", "-lmbedx509", "-lmbedcrypto"],
                            capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(cc.returncode, 0, cc.stderr)
        p = subprocess.run([exe, "url", "--json", "HTTP://A.test:80/x/../y"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["href"], "http://a.test/y")


if __name__ == "__main__":
    unittest.main(verbosity=2)
