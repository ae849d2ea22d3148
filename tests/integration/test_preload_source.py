"""-DDETOUR_PRELOAD_SOURCE: a build embeds another copy of Chromium's list
(docs/preload-format.md "A newer list"). A configure of the project with a
one-entry list as .json.gz, then only the blob's target (the compiler tool
and hsts/, libc only): the blob the engine would embed holds that list, dated
the file's modification day; -DDETOUR_PRELOAD_SOURCE_DATE sets the date; a
path that does not exist stops the configure with its name."""

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import run_detour  # noqa: E402

SRC = os.environ.get("DETOUR_SOURCE_DIR") or os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

LIST = b"""{ // Chromium's format, comments and all
  "entries": [
    {"name": "tiny.test", "policy": "test", "mode": "force-https", "include_subdomains": true}
  ]}
"""


def configure(build, *defs):
    cmd = ["cmake", "-S", SRC, "-B", build, "-DDETOUR_BUILD_TESTS=OFF",
           "-DDETOUR_BUILD_BENCH=OFF", *defs]
    if shutil.which("ccache"):
        cmd.append("-DCMAKE_C_COMPILER_LAUNCHER=ccache")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


class PreloadSource(unittest.TestCase):
    def test_a_build_embeds_another_list(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "transport_security_state_static.json.gz")
            with gzip.open(src, "wb") as f:
                f.write(LIST)
            stamp = 1794960000  # 2026-11-18T00:00:00Z, plus an hour below
            os.utime(src, (stamp + 3600, stamp + 3600))
            build = os.path.join(tmp, "b")
            p = configure(build, f"-DDETOUR_PRELOAD_SOURCE={src}")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn(f"HSTS preload list: {src} (2026-11-18)", p.stdout)
            p = subprocess.run(["cmake", "--build", build, "--target", "detour_preload_blob",
                                "-j2"], capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            blob = os.path.join(build, "preload", "default.bin")
            rc, _, err, js = run_detour(["preload", "--json", "--preload-file", blob, "info"])
            self.assertEqual(rc, 0, err)
            self.assertEqual((js["entries"], js["include_subdomains"]), (1, 1))
            self.assertEqual(js["list_date"], "2026-11-18T00:00:00Z")
            # the generated C the engine compiles embeds those same bytes
            with open(os.path.join(build, "preload", "preload_blob.c")) as f:
                self.assertIn(f"dt__preload_default_blob_len = {os.path.getsize(blob)};",
                              f.read())
            # an explicit date wins over the file's day
            p = configure(build, f"-DDETOUR_PRELOAD_SOURCE={src}",
                          "-DDETOUR_PRELOAD_SOURCE_DATE=2026-12-01")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("(2026-12-01)", p.stdout)
            # a path that is not there: the configure says which
            missing = os.path.join(tmp, "missing.json")
            p = configure(os.path.join(tmp, "c"), f"-DDETOUR_PRELOAD_SOURCE={missing}")
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(f"DETOUR_PRELOAD_SOURCE: no file {missing}", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
