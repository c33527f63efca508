"""Reading `continuum replay` output and traces in the property checkers."""
import json
import sys


def read_lines(path):
    stream = sys.stdin if path == "-" else open(path)
    return [json.loads(line) for line in stream if line.strip() and not line.startswith("#")]


def payload(event):
    """The message of an emit line (a JSON string payload is parsed too)."""
    p = event.get("payload")
    return json.loads(p) if isinstance(p, str) else p


def body(message):
    """The message's own fields: the "values" of a payload envelope, or itself."""
    values = message.get("values")
    return values if isinstance(values, dict) else message


def emitted(events, port):
    return [(e["t"], payload(e)) for e in events if e.get("emit") == port]


class Checker:
    """Collects failed property checks; exit status 1 if any failed."""

    def __init__(self, name):
        self.name = name
        self.failures = 0
        self.checks = 0

    def require(self, condition, message):
        """Counts one check; returns whether it held."""
        self.checks += 1
        if not condition:
            self.failures += 1
            if self.failures <= 20:
                print("FAIL (%s): %s" % (self.name, message))
        return bool(condition)

    def finish(self):
        if self.failures:
            print("%s: %d of %d property checks failed" % (self.name, self.failures, self.checks))
            sys.exit(1)
        print("%s: %d property checks passed" % (self.name, self.checks))
        sys.exit(0)


def parse_args(argv=None):
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--trace", required=True)
    parser.add_argument("--output", required=True, help="replay output, - for stdin")
    parser.add_argument("--config")
    return parser.parse_args(argv)


def load_config(path):
    if not path:
        return {}
    with open(path) as f:
        return json.load(f)
