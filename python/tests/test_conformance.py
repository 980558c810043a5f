"""The shared conformance cases (test/conformance/cases/*.json) with a Python port, on run_locally (replay_every_step off and on)."""
from __future__ import annotations

import glob
import importlib.util
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from baton.testing import result, run_locally  # noqa: E402

CASES = os.path.join(HERE, "..", "..", "test", "conformance", "cases")


def load_port(path: str):
    """The port's @workflow main: tests/<path>.py."""
    file = os.path.join(HERE, path + ".py")
    spec = importlib.util.spec_from_file_location("port_" + path.replace("/", "_").replace("-", "_"), file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


class Conformance(unittest.TestCase):
    """Each case's Python port ends as the case says."""

    def test_cases(self) -> None:
        files = sorted(glob.glob(os.path.join(CASES, "*.json")))
        self.assertGreaterEqual(len(files), 19)
        for file in files:
            with open(file) as handle:
                case = json.load(handle)
            if case["python"] is None:
                continue
            main = load_port(case["python"])
            answers = {w["approve"]: {"approved": w["approved"]} for w in case["waits"] if "approve" in w}
            for key in case.get("unanswered", []):
                answers[key] = None
            expected = case.get("expectedPython") or case["expected"]
            for replay in (False, True):
                with self.subTest(case=os.path.basename(file), replay_every_step=replay):
                    run = run_locally(main, case["input"], replay_every_step=replay, approve=lambda ask: answers.get(ask["key"]))
                    self.assertEqual(result(run), expected)


if __name__ == "__main__":
    unittest.main()
