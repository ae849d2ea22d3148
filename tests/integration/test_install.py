"""`cmake --install` gives an embedder what the README promises: detour.h,
libdetour.a and libdetour.so, a pkg-config file that works from any prefix,
and the CLI. An example program (tests/embed/embed_example.c) is compiled
against the installed copy through pkg-config, both shared and static, and
navigates to the fixture on its own libuv loop."""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import Fixture, ca_file  # noqa: E402

BUILD = os.environ.get("DETOUR_BUILD_DIR", os.getcwd())
SOURCE = os.environ.get("DETOUR_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def cache_value(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(rf"{name}:[A-Z]+=(.*)", line.strip())
            if m:
                return m.group(1)
    return ""


class InstallTest(unittest.TestCase):
    def test_install_and_embed(self):
        with tempfile.TemporaryDirectory() as prefix, Fixture("route /\n  body embedded\\n\n") as fx:
            subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                           capture_output=True, timeout=600)
            pc = [os.path.join(d, f) for d, _, files in os.walk(prefix) for f in files if f == "detour.pc"]
            self.assertEqual(len(pc), 1)
            env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc[0]))
            self.assertTrue(os.path.exists(os.path.join(prefix, "include", "detour.h")))
            self.assertTrue(os.path.exists(os.path.join(prefix, "bin", "detour")))
            flags = ["-fsanitize=address,undefined"] if cache_value("DETOUR_SANITIZE") == "ON" else []
            src = os.path.join(SOURCE, "tests", "embed", "embed_example.c")
            for mode in ("shared", "static"):
                pkg = ["pkg-config", "--cflags", "--libs"] + (["--static"] if mode == "static" else []) + ["detour", "libuv"]
                pf = subprocess.run(pkg, env=env, check=True, capture_output=True, text=True).stdout.split()
                # the .pc must point inside PREFIX, wherever that is
                self.assertTrue(any(f.startswith("-I" + prefix) or f.startswith("-I" + os.path.realpath(prefix)) for f in pf), pf)
                exe = os.path.join(prefix, f"embed_{mode}")
                libs = pf
                if mode == "static":
                    libdir = os.path.dirname(os.path.dirname(pc[0]))
                    libs = [f for f in pf if f != "-ldetour"]
                    libs = [os.path.join(libdir, "libdetour.a")] + libs
                cc = subprocess.run(["cc", "-std=c11", "-D_DEFAULT_SOURCE", *flags, src, "-o", exe, *libs],
                                    capture_output=True, text=True, timeout=300, env=env)
                self.assertEqual(cc.returncode, 0, cc.stderr)
                run_env = dict(os.environ, LD_LIBRARY_PATH=os.path.dirname(os.path.dirname(pc[0])))
                p = subprocess.run([exe, "https://a.test/", ca_file(),
                                    f"a.test:443:127.0.0.1:{fx.https}"],
                                   capture_output=True, text=True, timeout=60, env=run_env)
                self.assertEqual(p.returncode, 0, p.stderr)
                chain = json.loads(p.stdout)
                self.assertEqual(chain["hops"][0]["response"]["status"], 200)
                if mode == "shared":
                    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True, env=run_env).stdout
                    self.assertIn("libdetour.so.0", ldd)


if __name__ == "__main__":
    unittest.main(verbosity=2)
