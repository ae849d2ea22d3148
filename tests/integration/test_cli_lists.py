"""Many inputs in one process: `detour url -` and `detour preload query -`
read one input a line from stdin and print one result a line (JSON Lines
with --json), keeping each result's input and line number; a bad line is a
result, not the end of the list; the exit status says whether any failed."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dtfixture import run_detour  # noqa: E402


def jsonl(out):
    return [json.loads(line) for line in out.splitlines()]


class UrlList(unittest.TestCase):
    def test_text_one_result_a_line(self):
        src = "http://\u1e9e.com/\n\nhttps://a.test:99999/\n../x\nhttp://\U0001f4a9.la\r\n"
        rc, out, err, _ = run_detour(["url", "--base", "https://b.test/p/q", "-"],
                                     input=src.encode())
        lines = out.splitlines()
        self.assertEqual(len(lines), 4, out)  # the blank line is skipped
        self.assertEqual(lines[0], "http://\u1e9e.com/\thttp://xn--zca.com/")
        self.assertTrue(lines[1].startswith("https://a.test:99999/\terror: "), lines[1])
        self.assertEqual(lines[2], "../x\thttps://b.test/x")
        self.assertEqual(lines[3], "http://\U0001f4a9.la\thttp://xn--ls8h.la/")
        self.assertEqual(rc, 3, "one input failed: the URL error class")
        self.assertEqual(err, "")

    def test_json_lines(self):
        src = "HTTP://EXAMPLE.com:80/a\nhttp://a b/\n"
        rc, out, _, _ = run_detour(["url", "--json", "-"], input=src.encode())
        docs = jsonl(out)
        self.assertEqual([d["line"] for d in docs], [1, 2])
        self.assertEqual(docs[0]["input"], "HTTP://EXAMPLE.com:80/a")
        self.assertEqual(docs[0]["url"]["href"], "http://example.com/a")
        self.assertEqual(docs[1]["error"]["class"], "url")
        self.assertNotIn("url", docs[1])
        self.assertEqual(rc, 3)

    def test_all_good_is_zero_and_long_lines_are_reported(self):
        rc, out, _, _ = run_detour(["url", "-"], input=b"https://a.test/\n")
        self.assertEqual(rc, 0)
        src = b"https://a.test/" + b"a" * 5000 + b"\nhttps://b.test/\n"
        rc, out, err, _ = run_detour(["url", "-"], input=src)
        self.assertEqual(out.splitlines(), ["https://b.test/\thttps://b.test/"])
        self.assertIn("stdin:1: line longer than", err)
        self.assertNotEqual(rc, 0, "a skipped line is not a pass")

    def test_many_inputs_one_process(self):
        src = "".join("https://h%d.test/p?q=%d\n" % (i, i) for i in range(20000))
        rc, out, _, _ = run_detour(["url", "-"], input=src.encode(), timeout=120)
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual(len(lines), 20000)
        self.assertEqual(lines[12345], "https://h12345.test/p?q=12345\thttps://h12345.test/p?q=12345")


LIST = """{
  "entries": [
    {"name": "a.test", "policy": "test", "mode": "force-https", "include_subdomains": true},
    {"name": "xn--0ci.test", "policy": "test", "mode": "force-https"}
  ]
}
"""


class PreloadQueryList(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        src = os.path.join(cls.tmp.name, "list.json")
        with open(src, "w") as f:
            f.write(LIST)
        cls.blob = os.path.join(cls.tmp.name, "list.bin")
        rc, _, err, _ = run_detour(["preload", "compile", "--date", "2026-11-01", src,
                                    "-o", cls.blob])
        assert rc == 0, err

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def q(self, src, *args):
        return run_detour(["preload", "query", "--preload-file", self.blob, *args, "-"],
                          input=src.encode())

    def test_json_lines(self):
        rc, out, err, _ = self.q("www.a.test\nnot-listed.test\n\u2728.test\n\nbad host\n",
                                 "--json")
        docs = jsonl(out)
        self.assertEqual([d["line"] for d in docs], [1, 2, 3, 5])
        self.assertEqual(docs[0]["input"], "www.a.test")
        self.assertTrue(docs[0]["match"]["known"])
        self.assertEqual(docs[0]["match"]["entry"]["name"], "a.test")
        self.assertFalse(docs[1]["match"]["known"])
        self.assertTrue(docs[2]["match"]["known"], "an emoji name is canonicalised by UTS #46")
        self.assertEqual(docs[2]["match"]["host"], "xn--0ci.test")
        self.assertIn("error", docs[3])
        self.assertNotEqual(rc, 0)

    def test_text(self):
        rc, out, _, _ = self.q("www.a.test\nnot-listed.test\n")
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("www.a.test\t"), lines[0])
        self.assertIn("is preloaded", lines[0])
        self.assertTrue(lines[1].startswith("not-listed.test\t"), lines[1])
        self.assertEqual(rc, 0, "an unlisted host is an answer, not an error")


if __name__ == "__main__":
    unittest.main()
